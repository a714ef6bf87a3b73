"""`sd.nn` modules: typed construction, calls through their ops' rules, `Sequential` chains.

Construction records what a call needs in the module's type: `Linear(784, 128)` is
`Linear[Const[784], Const[128]]`, `Linear(d, 4 * d)` with `d: Size[D]` is
`Linear[D, Mul[Const[4], D]]`, a plain `int` is `Dyn`, and `Conv2d`, `MaxPool2d`/`AvgPool2d`,
`Flatten`, `LayerNorm`, `Embedding`, `MultiHeadAttention` and the transformer layers keep their
channels, geometry, axes or width as type arguments (`Any` without the plugin). A call converts
the input's shape and those arguments to dims and runs the op's own rule from the registry
(`conv2d`, `max_pool2d`, `avg_pool2d`, `flatten`, `layer_norm`) or the runtime's own message
builder (`Linear`'s width), so mypy says what the runtime would raise.

`Sequential(...)` checks neighbouring layers where their types tell (widths of `Linear` and
`Embedding`, channels of `Conv2d`) and folds a call through every layer with mypy's own call
checking, so each layer's hook, or its plain signature, applies. A user-defined module without
its own `__call__` is called with the signature of its `forward`.

A subclass of a layer without its own `__init__` (`class MyLinear(nn.Linear[In, Out])`) keeps
the layer's constructor, as at run time (not the one `dataclass_transform` would generate from
its fields), and the layer's constructor hook fills the type variables it maps to the layer's:
`MyLinear(784, 128)` is `MyLinear[Const[784], Const[128]]`. Its call is the nearest `forward`:
the layer's, with the layer's call hook, unless the subclass overrides it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from mypy.checker import TypeChecker
from mypy.checkmember import analyze_member_access
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import ARG_POS, GDEF, NameExpr, TempNode, TypeInfo
from mypy.plugin import ClassDefContext, FunctionContext, MethodContext, MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    NoneType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarType,
    UnpackType,
    get_proper_type,
)
from mypy.typevars import fill_typevars

from shapedl import dims
from shapedl.dims import Dim, Shape
from shapedl.errors import ShapeError, shape_error
from shapedl_mypy.call import Call, from_function
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import (
    TENSOR,
    UNKNOWN,
    Converter,
    any_type,
    static_value,
    tensor_parts,
)
from shapedl_mypy.rules import make_tensor

__all__ = [
    "CONSTRUCTORS",
    "CALLS",
    "SIGNATURES",
    "call_owner",
    "inherited_constructor",
    "inherited_init",
    "linear_message",
    "module_call_signature",
]

NN = "shapedl.nn"
MODULE = f"{NN}.module.Module"
SEQUENTIAL = f"{NN}.module.Sequential"
LINEAR = f"{NN}.linear.Linear"
CONV1D = f"{NN}.conv.Conv1d"
CONV2D = f"{NN}.conv.Conv2d"
CONV_T2D = f"{NN}.conv.ConvTranspose2d"
MAXPOOL = f"{NN}.pool.MaxPool2d"
AVGPOOL = f"{NN}.pool.AvgPool2d"
FLATTEN = f"{NN}.activation.Flatten"
LAYERNORM = f"{NN}.norm.LayerNorm"
BATCHNORM1D = f"{NN}.norm.BatchNorm1d"
BATCHNORM2D = f"{NN}.norm.BatchNorm2d"
EMBEDDING = f"{NN}.embedding.Embedding"
ATTENTION = f"{NN}.attention.MultiHeadAttention"
ENCODER_LAYER = f"{NN}.transformer.TransformerEncoderLayer"
DECODER_LAYER = f"{NN}.transformer.TransformerDecoderLayer"
# modules whose output has the input's shape (for the width check of a chain)
_KEEP_SHAPE = frozenset(
    f"{NN}.{name}"
    for name in (
        "activation.ReLU",
        "activation.GELU",
        "activation.SiLU",
        "activation.Tanh",
        "activation.Sigmoid",
        "activation.LeakyReLU",
        "activation.Softmax",
        "dropout.Dropout",
        "norm.LayerNorm",
        "norm.BatchNorm1d",
        "module.Residual",
    )
)


def linear_message(x: Shape, out_features: Dim, in_features: Dim) -> ShapeError:
    """The error of `Linear` on an input of the wrong width: the runtime's own builder."""
    from shapedl.nn.linear import width_error

    return width_error(x, out_features, in_features)


def _rule(name: str) -> Callable[..., Any]:
    from shapedl.ops import REGISTRY

    return REGISTRY[name].rule


# ---- construction ------------------------------------------------------------------------
def _value(call: Call, name: str, default: object) -> object:
    """The static value of argument `name` (ints as dims), its default, or `UNKNOWN`."""
    actuals = call.args.get(name)
    if not actuals:
        return default
    if len(actuals) != 1:
        return UNKNOWN
    typ, expr = actuals[0]
    return static_value(call.conv, expr, typ, call.lookup)


def _tuple(v: object, n: int) -> tuple[Dim, ...] | None:
    """`v` as `n` dims (an int repeated, or a tuple of `n`), or None."""
    if dims.is_dim(v):
        return (v,) * n
    if isinstance(v, tuple) and len(v) == n and all(dims.is_dim(i) for i in v):
        return v
    return None


def _dim_type(call: Call, v: object) -> Type:
    return call.conv.dim_type(v) if dims.is_dim(v) else any_type()


def _pair_type(call: Call, v: object, n: int = 2) -> Type:
    dims_ = _tuple(v, n)
    return any_type() if dims_ is None else call.conv.shape_type(dims_)


def _refined(ctx: FunctionContext, args: Sequence[Type]) -> Type:
    default = get_proper_type(ctx.default_return_type)
    if not isinstance(default, Instance) or len(default.args) != len(args):
        return ctx.default_return_type
    return default.copy_modified(args=list(args))


def linear_new(ctx: FunctionContext) -> Type:
    """`Linear(784, 128)` is `Linear[Const[784], Const[128]]`; a plain int is `Dyn`."""
    call = from_function(ctx)
    i, o = _value(call, "in_features", UNKNOWN), _value(call, "out_features", UNKNOWN)
    return _refined(ctx, [_dim_type(call, i), _dim_type(call, o)])


def batch_norm_new(ctx: FunctionContext) -> Type:
    """`BatchNorm2d(16)` is `BatchNorm2d[Const[16]]`: the channels its input must have."""
    call = from_function(ctx)
    return _refined(ctx, [_dim_type(call, _value(call, "num_features", UNKNOWN))])


def embedding_new(ctx: FunctionContext) -> Type:
    """`Embedding(65, 32)` is `Embedding[Const[65], Const[32]]`."""
    call = from_function(ctx)
    v, d = _value(call, "num_embeddings", UNKNOWN), _value(call, "embedding_dim", UNKNOWN)
    return _refined(ctx, [_dim_type(call, v), _dim_type(call, d)])


def _conv_new(nd: int, transposed: bool) -> Callable[[FunctionContext], Type]:
    """`Conv2d(1, 8, 3)` records channels, kernel, stride, padding (output padding for a
    transposed convolution) and dilation; only without groups."""

    def hook(ctx: FunctionContext) -> Type:
        call = from_function(ctx)
        if _value(call, "groups", 1) != 1:
            return ctx.default_return_type
        padding = _value(call, "padding", 0)
        if padding in ("same", "valid") and not transposed:
            pad: Type = LiteralType(padding, call.named("builtins.str", []))
        else:
            pad = _pair_type(call, padding, nd)
        extra = [_pair_type(call, _value(call, "output_padding", 0), nd)] if transposed else []
        return _refined(
            ctx,
            [
                _dim_type(call, _value(call, "in_channels", UNKNOWN)),
                _dim_type(call, _value(call, "out_channels", UNKNOWN)),
                _pair_type(call, _value(call, "kernel_size", UNKNOWN), nd),
                _pair_type(call, _value(call, "stride", 1), nd),
                pad,
                *extra,
                _pair_type(call, _value(call, "dilation", 1), nd),
            ],
        )

    return hook


def pool_new(ctx: FunctionContext) -> Type:
    """`MaxPool2d(2)` records kernel, stride (None: the kernel's) and padding."""
    call = from_function(ctx)
    stride = _value(call, "stride", None)
    return _refined(
        ctx,
        [
            _pair_type(call, _value(call, "kernel_size", UNKNOWN)),
            NoneType() if stride is None else _pair_type(call, stride),
            _pair_type(call, _value(call, "padding", 0)),
        ],
    )


def flatten_new(ctx: FunctionContext) -> Type:
    """`Flatten()` is `Flatten[Literal[1], Literal[-1]]` (its axes)."""
    call = from_function(ctx)
    out: list[Type] = []
    for name, default in (("start_axis", 1), ("end_axis", -1)):
        v = _value(call, name, default)
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(LiteralType(v, call.named("builtins.int", [])))
        else:
            out.append(any_type())
    return _refined(ctx, out)


def layer_norm_new(ctx: FunctionContext) -> Type:
    """`LayerNorm(d)` is `LayerNorm[tuple[D]]`: the normalized trailing shape."""
    call = from_function(ctx)
    v = _value(call, "normalized_shape", UNKNOWN)
    shape = (v,) if dims.is_dim(v) else v
    if isinstance(shape, list):
        shape = tuple(shape)
    if not isinstance(shape, tuple) or not all(dims.is_dim(d) for d in shape):
        return ctx.default_return_type
    return _refined(ctx, [call.conv.shape_type(shape)])


def attention_new(ctx: FunctionContext) -> Type:
    """`MultiHeadAttention(64, 8)` is `MultiHeadAttention[Const[64], Const[8], Const[64],
    Const[64]]`: width, heads, and the widths of keys and values (`kdim`, `vdim`).

    Heads that cannot divide the width are an error, in the runtime's words.
    """
    call = from_function(ctx)
    e, h = _value(call, "embed_dim", UNKNOWN), _value(call, "num_heads", UNKNOWN)
    _check_heads(call, e, h)
    k, v = _value(call, "kdim", None), _value(call, "vdim", None)
    widths = [_dim_type(call, e if w is None else w) for w in (k, v)]
    return _refined(ctx, [_dim_type(call, e), _dim_type(call, h), *widths])


def _check_heads(call: Call, e: object, h: object) -> None:
    """Heads that cannot divide the width are an error, in the runtime's words."""
    if isinstance(e, int | dims.Expr) and isinstance(h, int | dims.Expr) and h != 0:
        rest = dims.sub(e, dims.mul(dims.floordiv(e, h), h))
        if isinstance(rest, int) and rest != 0:
            text = f"MultiHeadAttention: embed_dim={e} must be divisible by num_heads={h}"
            report(call.api, text, call.context, SHAPE)


def _shape_of(call: Call, ctx: MethodContext, i: int) -> Shape | None:
    """The shape of the `i`-th argument, when it is one tensor of known rank."""
    actual = ctx.arg_types[i] if i < len(ctx.arg_types) else []
    parts = tensor_parts(actual[0]) if len(actual) == 1 else None
    return None if parts is None else call.conv.shape(parts[0])


def _check_masks(
    call: Call,
    ctx: MethodContext,
    masks: Sequence[tuple[int, Shape | None, Shape | None]],
    heads: Dim = dims.DYN,
) -> None:
    """Each `(index, query, key)`: the mask at `index` broadcasts to the scores `(B, H, Tq, Tk)`
    of a query and key of these shapes, by the runtime's own check."""
    from shapedl.ops.attention import check_mask

    for i, q, k in masks:
        mask = _shape_of(call, ctx, i)
        if mask is None or not q or not k:
            continue
        scores = (q[0], heads, q[-2], k[-2])
        try:
            check_mask("scaled_dot_product_attention", mask, scores)
        except ShapeError as err:
            report(call.api, str(err), call.context, SHAPE)
            return


def attention_call(ctx: MethodContext) -> Type:
    """Query, key and value meet their projections: widths `E`, `kdim` and `vdim` (a key left
    out is the query, a value left out the key, as at run time); `Linear`'s words if not."""
    args = _module_args(ctx)
    if args is None or len(args) != 4:
        return ctx.default_return_type
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    e, kd, vd = (call.conv.dim(args[i]) for i in (0, 2, 3))
    shapes: list[Shape | None] = []
    for i in range(3):
        actual = ctx.arg_types[i] if i < len(ctx.arg_types) else []
        parts = tensor_parts(actual[0]) if len(actual) == 1 else None
        given = None if parts is None else call.conv.shape(parts[0])
        shapes.append(given if actual else (shapes[-1] if shapes else None))
    for shape, width in zip(shapes, (e, kd, vd), strict=True):
        if shape and dims.same(shape[-1], width) is False:
            report(call.api, str(linear_message(shape, e, width)), call.context, SHAPE)
            return ctx.default_return_type
    _check_masks(call, ctx, [(3, shapes[0], shapes[1])], call.conv.dim(args[1]))
    return ctx.default_return_type


def transformer_layer_new(ctx: FunctionContext) -> Type:
    """`TransformerEncoderLayer(64, 8)` is `TransformerEncoderLayer[Const[64]]`.

    Only with `norm_first=False` (the default), where the runtime meets a wrong width first
    in the attention's query projection, as the call hook reports it.
    """
    call = from_function(ctx)
    _check_heads(call, _value(call, "d_model", 512), _value(call, "nhead", 8))
    if _value(call, "norm_first", False) is not False:
        return ctx.default_return_type
    return _refined(ctx, [_dim_type(call, _value(call, "d_model", UNKNOWN))])


# ---- calls ---------------------------------------------------------------------------------
def _input(ctx: MethodContext) -> tuple[Call, Type, Shape] | None:
    """The call view, the input's type and its shape (None when not a known-rank tensor)."""
    if not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return None
    x = ctx.arg_types[0][0]
    parts = tensor_parts(x)
    if parts is None:
        return None
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    shape = call.conv.shape(parts[0])
    return None if shape is None else (call, x, shape)


def _module_args(ctx: MethodContext) -> list[Type] | None:
    """The type arguments of the layer whose `__call__` runs (of `Linear` for a subclass)."""
    t = get_proper_type(ctx.type)
    if not isinstance(t, Instance):
        return None
    owner = call_owner(t.type)
    if owner is not None and owner is not t.type:
        t = map_instance_to_supertype(t, owner)
    return list(t.args)


def _decode(conv: Converter, typ: Type) -> object:
    """A recorded hyperparameter back to a value: a dim pair, a string, None or `UNKNOWN`."""
    t = get_proper_type(typ)
    if isinstance(t, TupleType):
        return tuple(conv.dim(i) for i in t.items)
    if isinstance(t, LiteralType):
        return t.value
    if isinstance(t, NoneType):
        return None
    if isinstance(t, (Instance, AnyType, TypeVarType)):
        return conv.dim(t)  # NOTE: `Any` (a size known only at run time) is `DYN`
    return UNKNOWN


def _result(call: Call, x: Type, run: Callable[[], Shape]) -> Type:
    try:
        shape = run()
    except ShapeError as err:
        report(call.api, str(err), call.context, SHAPE)
        return call.default
    return make_tensor(call, call.conv.shape_type(shape), None, [x])


def linear_call(ctx: MethodContext) -> Type:
    """`Linear[In, Out]` on `(*B, W)`: a `[shape]` error unless `W` can be `In`."""
    found, args = _input(ctx), _module_args(ctx)
    if found is None or args is None or len(args) != 2:
        return ctx.default_return_type
    call, _, shape = found
    i, o = call.conv.dim(args[0]), call.conv.dim(args[1])
    if not shape or dims.same(shape[-1], i) is False:
        report(call.api, str(linear_message(shape, o, i)), call.context, SHAPE)
    return ctx.default_return_type


def _width_call(inputs: int) -> Callable[[MethodContext], Type]:
    """The first `inputs` tensors meet `(E, E)` projections: `Linear`'s error if not `E` wide.

    The masks after them broadcast to their attention's scores: an encoder layer's `src_mask`
    to `(T, T)`; a decoder layer's `tgt_mask` to `(T, T)` and `memory_mask` to `(T, S)`, with
    `S` the memory's length.
    """

    def hook(ctx: MethodContext) -> Type:
        args = _module_args(ctx)
        if args is None or not args:
            return ctx.default_return_type
        call = Call(ctx.api, ctx.context, ctx.default_return_type)
        e = call.conv.dim(args[0])
        shapes = [_shape_of(call, ctx, i) for i in range(inputs)]
        for shape in shapes:
            if shape and dims.same(shape[-1], e) is False:
                report(call.api, str(linear_message(shape, e, e)), call.context, SHAPE)
                return ctx.default_return_type
        x = shapes[0]
        masks = [(inputs, x, x)] + ([(inputs + 1, x, shapes[1])] if inputs == 2 else [])
        _check_masks(call, ctx, masks)
        return ctx.default_return_type

    return hook


def _conv_call(op: str) -> Callable[[MethodContext], Type]:
    """A convolution by its op's rule, with the weight shape `(Out, In, *K)` (`(In, Out, *K)`
    for a transposed one) as the module creates it."""
    transposed = op == "conv_transpose2d"

    def hook(ctx: MethodContext) -> Type:
        found, args = _input(ctx), _module_args(ctx)
        if found is None or args is None or len(args) != (7 if transposed else 6):
            return ctx.default_return_type
        call, x, shape = found
        ci, co, k, *geometry = (_decode(call.conv, a) for a in args)
        if UNKNOWN in geometry or not isinstance(k, tuple):
            return ctx.default_return_type
        weight = (ci, co, *k) if transposed else (co, ci, *k)
        rule = _rule(op)
        return _result(call, x, lambda: rule(op, shape, weight, None, *geometry, 1))

    return hook


def _pool_call(op: str) -> Callable[[MethodContext], Type]:
    def hook(ctx: MethodContext) -> Type:
        found, args = _input(ctx), _module_args(ctx)
        if found is None or args is None or len(args) != 3:
            return ctx.default_return_type
        call, x, shape = found
        k, s, p = (_decode(call.conv, a) for a in args)
        if UNKNOWN in (k, s, p):
            return ctx.default_return_type
        rule = _rule(op)
        return _result(call, x, lambda: rule(op, shape, k, s, p))

    return hook


def flatten_call(ctx: MethodContext) -> Type:
    found, args = _input(ctx), _module_args(ctx)
    if found is None or args is None or len(args) != 2:
        return ctx.default_return_type
    call, x, shape = found
    start, end = (_decode(call.conv, a) for a in args)
    if not isinstance(start, int) or not isinstance(end, int):
        return ctx.default_return_type
    rule = _rule("flatten")
    return _result(call, x, lambda: rule("flatten", shape, start, end))


def layer_norm_call(ctx: MethodContext) -> Type:
    found, args = _input(ctx), _module_args(ctx)
    if found is None or args is None or len(args) != 1:
        return ctx.default_return_type
    call, x, shape = found
    norm = _decode(call.conv, args[0])
    if not isinstance(norm, tuple):
        return ctx.default_return_type
    rule = _rule("layer_norm")
    return _result(call, x, lambda: rule("layer_norm", shape, norm))


def embedding_call(ctx: MethodContext) -> Type:
    """`Embedding[V, D]` on an index of shape `(*I)` is `(*I, D)`, by the op's rule.

    NOTE: plain typing would solve the result from mypy's type context too (as the operand of
    `+`, say), so the rule gives it, the same wherever the call is written.
    """
    found, args = _input(ctx), _module_args(ctx)
    if found is None or args is None or len(args) != 2:
        return ctx.default_return_type
    call, x, shape = found
    weight = tuple(call.conv.dim(a) for a in args)
    rule = _rule("embedding")
    return _result(call, x, lambda: rule("embedding", shape, weight))


def batch_norm_call(ctx: MethodContext) -> Type:
    """`BatchNorm2d[C]` on `(N, C', H, W)`: the layer's rank check, then the op's rule with
    `(C,)` statistics (the runtime's words for a channel mismatch)."""
    found, args = _input(ctx), _module_args(ctx)
    t = get_proper_type(ctx.type)
    if found is None or args is None or len(args) != 1 or not isinstance(t, Instance):
        return ctx.default_return_type
    call, x, shape = found
    ranks = next(filter(None, (_ranks(base.fullname) for base in t.type.mro)), ())
    if ranks and len(shape) not in ranks:
        wanted = " or ".join(f"{r}-d" for r in ranks)
        message = shape_error(t.type.name, [shape], f"expected a {wanted} input")
        report(call.api, str(message), call.context, SHAPE)
        return ctx.default_return_type
    stats = (call.conv.dim(args[0]),)
    rule = _rule("batch_norm")
    return _result(call, x, lambda: rule("batch_norm", shape, stats, stats, stats, stats))


def _ranks(fullname: str) -> tuple[int, ...]:
    """The input ranks a shapedl layer class declares (`ranks`), read from the class itself."""
    module, _, name = fullname.rpartition(".")
    if not module.startswith(f"{NN}."):
        return ()
    ranks: tuple[int, ...] = getattr(getattr(importlib.import_module(module), name), "ranks", ())
    return ranks


def linear_signature(ctx: MethodSigContext) -> FunctionLike:
    """Accept any input width: `linear_call` checks it with the runtime's words."""
    sig = ctx.default_signature
    if not isinstance(sig, CallableType) or not sig.arg_types:
        return sig
    t = get_proper_type(sig.arg_types[0])
    if not isinstance(t, Instance) or t.type.fullname != TENSOR or not t.args:
        return sig
    s = get_proper_type(t.args[0])
    if not isinstance(s, TupleType) or not s.items:
        return sig
    shape = s.copy_modified(items=[*s.items[:-1], AnyType(TypeOfAny.special_form)])
    x = t.copy_modified(args=[shape, *t.args[1:]])
    return sig.copy_modified(arg_types=[x, *sig.arg_types[1:]])


# ---- Sequential ----------------------------------------------------------------------------
def _layers(typ: Type) -> list[Type] | None:
    """The layer types of a `Sequential[...]` (None when they are not known one by one)."""
    t = get_proper_type(typ)
    if not isinstance(t, Instance):
        return None
    out: list[Type] = []
    for arg in t.args:
        p = get_proper_type(arg)
        if isinstance(p, UnpackType):
            inner = get_proper_type(p.type)
            if not isinstance(inner, TupleType):
                return None
            out += inner.items
        else:
            out.append(arg)
    if any(isinstance(get_proper_type(i), UnpackType) for i in out):
        return None
    return out


def _name(typ: Type) -> str | None:
    t = get_proper_type(typ)
    return t.type.fullname if isinstance(t, Instance) else None


# modules that keep the channels (axis 1) of an image
_KEEP_CHANNELS = _KEEP_SHAPE | {MAXPOOL, AVGPOOL, f"{NN}.norm.BatchNorm2d"}


def _chain_error(
    ctx: FunctionContext,
    i: int,
    what: str,
    need: str,
    j: int,
    have: str,
    shapes: Sequence[Sequence[object]],
) -> None:
    """The broken link, reported at the layer that does not fit (its argument's line)."""
    problem = f"layer {i} ({what}) takes {need} but layer {j} gives {have}"
    where = ctx.args[i][0] if ctx.args[i] else ctx.context
    report(ctx.api, str(shape_error("Sequential", shapes, problem)), where, SHAPE)


def _broken(ctx: FunctionContext, i: int) -> Type:
    """The model with layer `i` unknown: its calls report nothing more (one bug, one error)."""
    t = get_proper_type(ctx.default_return_type)
    layers = _layers(t)
    if not isinstance(t, Instance) or layers is None:
        return ctx.default_return_type
    known = [AnyType(TypeOfAny.from_error) if k == i else layer for k, layer in enumerate(layers)]
    if len(t.args) == len(known):  # NOTE: mypy keeps known variadic arguments one by one
        return t.copy_modified(args=known)
    fallback = ctx.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    return t.copy_modified(args=[UnpackType(TupleType(known, fallback))])


def sequential_new(ctx: FunctionContext) -> Type:
    """Check neighbouring layers where their sizes are in their types.

    A `Linear` must take the width (last axis) the layers before it give (a `Linear` or an
    `Embedding`, through shape-keeping layers), and a convolution the channels (axis 1) of the
    convolution before it (through activations, pools and batch norms).
    """
    call = from_function(ctx)
    width: tuple[int, Dim] | None = None
    channels: tuple[int, Dim] | None = None
    broken: int | None = None
    for i, actual in enumerate(ctx.arg_types):
        t = get_proper_type(actual[0]) if len(actual) == 1 else None
        if not isinstance(t, Instance):
            width = channels = None
            continue
        name, args = t.type.fullname, [call.conv.dim(a) for a in t.args]
        if name == LINEAR and len(args) == 2:
            if width is not None and dims.same(width[1], args[0]) is False:
                shapes: list[tuple[object, ...]] = [("...", width[1]), (args[1], args[0])]
                need = f"width {args[0]} at axis -1"
                _chain_error(ctx, i, "Linear", need, width[0], f"width {width[1]}", shapes)
                broken = i if broken is None else broken
            width, channels = (i, args[1]), None
        elif name == EMBEDDING and len(args) == 2:
            width, channels = (i, args[1]), None
        elif name in (CONV1D, CONV2D, CONV_T2D) and len(args) >= 6:
            if channels is not None and dims.same(channels[1], args[0]) is False:
                k = _decode(call.conv, t.args[2])
                kernel = k if isinstance(k, tuple) else ("...",)
                weight = (args[0], args[1]) if name == CONV_T2D else (args[1], args[0])
                shapes = [("N", channels[1], "..."), (*weight, *kernel)]
                need = f"{args[0]} channels at axis 1"
                what = t.type.name
                _chain_error(ctx, i, what, need, channels[0], str(channels[1]), shapes)
                broken = i if broken is None else broken
            width, channels = None, (i, args[1])
        elif name in (BATCHNORM1D, BATCHNORM2D) and len(args) == 1:
            # NOTE: after a conv its channels; after a Linear (N, W) its width
            have = channels or (width if name == BATCHNORM1D else None)
            if have is not None and dims.same(have[1], args[0]) is False:
                shapes = [("N", have[1], "..."), (args[0],)]
                need = f"{args[0]} channels at axis 1"
                _chain_error(ctx, i, t.type.name, need, have[0], f"{have[1]}", shapes)
                broken = i if broken is None else broken
            width = width if name in _KEEP_SHAPE else None
            channels = channels if name in _KEEP_CHANNELS else None
        else:
            width = width if name in _KEEP_SHAPE else None
            channels = channels if name in _KEEP_CHANNELS else None
    return ctx.default_return_type if broken is None else _broken(ctx, broken)


def sequential_call(ctx: MethodContext) -> Type:
    """The type of feeding the input through every layer, as if called one by one."""
    layers = _layers(ctx.type)
    if layers is None or not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    api = ctx.api
    if not isinstance(api, TypeChecker):
        return ctx.default_return_type
    out = ctx.arg_types[0][0]
    # NOTE: no type context: each layer's result is inferred from its input alone, not from
    # what the caller expects of the whole chain's result
    api.expr_checker.type_context.append(None)
    try:
        for layer in layers:
            arg = TempNode(out, context=ctx.context)
            out, _ = api.expr_checker.check_call(layer, [arg], [ARG_POS], ctx.context)
    finally:
        api.expr_checker.type_context.pop()
    return out


# ---- user-defined modules ------------------------------------------------------------------
def call_owner(info: TypeInfo) -> TypeInfo | None:
    """The class whose `forward` (or own `__call__`) runs for `module(x)`.

    At run time `Module.__init_subclass__` makes `__call__` the `forward` of each class that
    defines `forward` but no `__call__`, so the nearest class with either one decides: a
    `MyLinear(nn.Linear)` that overrides `forward` is called as its own `forward`, not as
    `Linear`'s (whose `__call__ = forward` it inherits in the checker's eyes).
    """
    return next((c for c in info.mro if "forward" in c.names or "__call__" in c.names), None)


def module_call_signature(ctx: MethodSigContext) -> FunctionLike:
    """`model(x)` on a subclass without its own `__call__` has the signature of `forward`."""
    t = get_proper_type(ctx.type)
    default = ctx.default_signature
    if not isinstance(t, Instance) or not t.type.has_base(MODULE):
        return default
    owner = call_owner(t.type)
    if owner is None or owner.fullname == MODULE or "forward" not in owner.names:
        return default
    if not isinstance(ctx.api, TypeChecker):
        return default
    member = get_proper_type(
        analyze_member_access(
            "forward",
            t,
            ctx.context,
            is_lvalue=False,
            is_super=False,
            is_operator=False,
            original_type=t,
            chk=ctx.api,
        )
    )
    return member if isinstance(member, FunctionLike) else default


def inherited_init(ctx: ClassDefContext) -> None:
    """A module class keeps the hand-written `__init__` it inherits, as at run time.

    `Module` is a `dataclass_transform` base, so checkers give every subclass without its own
    `__init__` one generated from its fields. `Module.__init_subclass__` generates one only
    where the inherited `__init__` is itself generated (or `Module`'s), so `class
    MyLinear(nn.Linear)` keeps `Linear(in_features, out_features, ...)`. Here such a class
    gets the class keyword `init=False` (as if the user had written it), which tells mypy's
    dataclass transform not to generate one either.
    """
    defn = ctx.cls
    info = defn.info
    if "init" in defn.keywords or "__init__" in info.names or not info.has_base(MODULE):
        return
    for base in info.mro[1:]:
        found = base.names.get("__init__")
        if found is None:
            continue
        if found.plugin_generated or base.fullname == MODULE:
            return  # NOTE: a generated constructor is inherited: the runtime generates one too
        break
    else:
        return
    false = ctx.api.lookup_fully_qualified_or_none("builtins.False")
    if false is None:
        return
    expr = NameExpr("False")
    expr.kind, expr.node, expr.fullname = GDEF, false.node, "builtins.False"
    expr.set_line(defn)
    defn.keywords["init"] = expr


def inherited_constructor(info: TypeInfo) -> Callable[[FunctionContext], Type] | None:
    """The constructor hook of the layer whose `__init__` a module class inherits, or None.

    `class MyLinear(nn.Linear[In, Out])` built as `MyLinear(784, 128)` is
    `MyLinear[Const[784], Const[128]]`: `Linear`'s hook computes `Linear[...]`, and each type
    variable of the subclass that stands for one of `Linear`'s takes its argument.
    """
    if "__init__" in info.names or not info.has_base(MODULE):
        return None
    base = next((b for b in info.mro[1:] if "__init__" in b.names), None)
    hook = None if base is None else CONSTRUCTORS.get(base.fullname)
    if base is None or hook is None:
        return None
    own = fill_typevars(info)
    if not isinstance(own, Instance) or not own.args:
        return None
    up = map_instance_to_supertype(own, base)

    def run(ctx: FunctionContext) -> Type:
        default = get_proper_type(ctx.default_return_type)
        if not isinstance(default, Instance) or default.type is not info:
            return ctx.default_return_type
        as_base = map_instance_to_supertype(default, base)
        found = get_proper_type(hook(ctx._replace(default_return_type=as_base)))
        if not isinstance(found, Instance) or found.type is not base:
            return ctx.default_return_type
        args = list(default.args)
        for i, var in enumerate(own.args):
            for mine, theirs in zip(up.args, found.args, strict=False):
                if isinstance(var, TypeVarType) and mine == var:
                    args[i] = theirs
                    break
        return default.copy_modified(args=args)

    return run


CONSTRUCTORS: dict[str, Callable[[FunctionContext], Type]] = {
    LINEAR: linear_new,
    EMBEDDING: embedding_new,
    CONV1D: _conv_new(1, transposed=False),
    CONV2D: _conv_new(2, transposed=False),
    CONV_T2D: _conv_new(2, transposed=True),
    MAXPOOL: pool_new,
    AVGPOOL: pool_new,
    FLATTEN: flatten_new,
    LAYERNORM: layer_norm_new,
    BATCHNORM1D: batch_norm_new,
    BATCHNORM2D: batch_norm_new,
    SEQUENTIAL: sequential_new,
    ATTENTION: attention_new,
    ENCODER_LAYER: transformer_layer_new,
    DECODER_LAYER: transformer_layer_new,
}
CALLS: dict[str, Callable[[MethodContext], Type]] = {
    f"{LINEAR}.__call__": linear_call,
    f"{CONV1D}.__call__": _conv_call("conv1d"),
    f"{CONV2D}.__call__": _conv_call("conv2d"),
    f"{CONV_T2D}.__call__": _conv_call("conv_transpose2d"),
    f"{MAXPOOL}.__call__": _pool_call("max_pool2d"),
    f"{AVGPOOL}.__call__": _pool_call("avg_pool2d"),
    f"{FLATTEN}.__call__": flatten_call,
    f"{LAYERNORM}.__call__": layer_norm_call,
    f"{BATCHNORM1D}.__call__": batch_norm_call,
    f"{BATCHNORM2D}.__call__": batch_norm_call,
    f"{EMBEDDING}.__call__": embedding_call,
    f"{SEQUENTIAL}.__call__": sequential_call,
    f"{ATTENTION}.__call__": attention_call,
    f"{ENCODER_LAYER}.__call__": _width_call(1),
    f"{DECODER_LAYER}.__call__": _width_call(2),
}
SIGNATURES: dict[str, Callable[[MethodSigContext], FunctionLike]] = {
    f"{LINEAR}.__call__": linear_signature,
}
