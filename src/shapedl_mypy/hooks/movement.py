"""`x.T`: a matrix transpose, so a tensor that is not 2-d is the runtime's `[shape]` error;
`for row in x`: the rows of `x`."""

from __future__ import annotations

from mypy.plugin import AttributeContext, MethodContext
from mypy.types import Instance, TupleType, Type, UnpackType, get_proper_type

from shapedl.errors import not_matrix_t
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import TENSOR, Converter, any_type, checker_named, tensor_parts
from shapedl_mypy.hooks.tape import drop_self_error

__all__ = ["iter_hook", "transpose_attribute_hook"]


def transpose_attribute_hook(ctx: AttributeContext) -> Type:
    """`x.T` on a tensor that is not 2-d: the runtime's [shape] error instead of mypy's."""
    parts = tensor_parts(ctx.type)
    conv = Converter(checker_named(ctx.api))
    shape = None if parts is None else conv.shape(parts[0])
    if parts is None or shape is None or len(shape) == 2:
        return ctx.default_attr_type
    drop_self_error(ctx, "T")
    report(ctx.api, not_matrix_t(shape), ctx.context, SHAPE)
    return conv.named(f"{TENSOR}", [any_type(), parts[1], parts[2]])


def iter_hook(ctx: MethodContext) -> Type:
    """`for row in x` (and `a, b = x`) gives `x[0]`'s type: the rows of an `(N, D)` tensor are
    `(D,)` tensors. A shape that starts with `*Bs`, or none known, keeps `Tensor[Any]`.

    NOTE: a hook, not an overload of `__iter__` on the self type: mypy matched `(*Bs, 3)` to
    the overload `(N, *Rest)` with nothing solved. `list(x)` and `zip` read the declaration."""
    parts = tensor_parts(ctx.type)
    shape = None if parts is None else get_proper_type(parts[0])
    found = get_proper_type(ctx.default_return_type)
    if (
        parts is None
        or not isinstance(shape, TupleType)
        or not shape.items
        or isinstance(get_proper_type(shape.items[0]), UnpackType)
        or not isinstance(found, Instance)
        or len(found.args) != 1
    ):
        return ctx.default_return_type
    conv = Converter(checker_named(ctx.api))
    row = conv.named(TENSOR, [shape.copy_modified(items=shape.items[1:]), parts[1], parts[2]])
    return found.copy_modified(args=[row])
