"""Recurrent layers and cells given an input of another width: the runtime's words.

`nn.LSTM(5, 4)(x)` on a `(2, 7, 6)` input (a conv's `(B, C, L)` not transposed, the wrong
`input_size`) was mypy's `Argument 1 has incompatible type ...; expected ...`, naming no
layer, axis or size, and `# type: ignore[shape]` did not silence it. Their forwards return
tuples, so no registered shape function types them (`layers.call_hook`); this hook reports
the width in the runtime's words (`LSTM: shapes (2, 7, 6) and (16, 5): input width 6 at axis
-1 differs from input_size 5`) and takes mypy's refusal of that argument back.
"""

from __future__ import annotations

from mypy import errorcodes
from mypy.maptype import map_instance_to_supertype
from mypy.plugin import MethodContext
from mypy.types import Instance, Type, get_proper_type

from shapedl import dims
from shapedl.errors import shape_error
from shapedl_mypy.codes import SHAPE, report, take_back_at
from shapedl_mypy.convert import Converter, checker_named, tensor_parts

__all__ = ["LAYERS", "width_hook"]

# NOTE: the gates stacked in each weight's rows, by class: the weight is (gates * H, In)
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1, "LSTMCell": 4, "GRUCell": 3, "RNNCell": 1}
_BASES = ("shapedl.nn.recurrent._Recurrent", "shapedl.nn.cell._Cell")
LAYERS = [
    f"shapedl.nn.{module}.{name}.{method}"
    for module, names in (
        ("recurrent", ("LSTM", "GRU", "RNN")),
        ("cell", ("LSTMCell", "GRUCell", "RNNCell")),
    )
    for name in names
    for method in ("__call__", "forward")
]


def width_hook(ctx: MethodContext) -> Type:
    """`layer(x)`: a `[shape]` error where `x`'s last size is not the layer's `input_size`."""
    t = get_proper_type(ctx.type)
    if not isinstance(t, Instance) or not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    owner = next((b for b in t.type.mro if b.name in GATES), None)
    base = next((b for b in t.type.mro if b.fullname in _BASES), None)
    parts = tensor_parts(ctx.arg_types[0][0])
    if owner is None or base is None or parts is None:
        return ctx.default_return_type
    conv = Converter(checker_named(ctx.api))
    width, hidden = (conv.dim(a) for a in map_instance_to_supertype(t, base).args[:2])
    shape = conv.shape(parts[0])
    if not shape or dims.same(shape[-1], width) is not False:
        return ctx.default_return_type
    weight = (dims.mul(GATES[owner.name], hidden), width)
    reason = f"input width {shape[-1]} at axis -1 differs from input_size {width}"
    report(ctx.api, str(shape_error(owner.name, [shape, weight], reason)), ctx.context, SHAPE)
    take_back_at(ctx, errorcodes.ARG_TYPE, ctx.args[0][0])
    return ctx.default_return_type
