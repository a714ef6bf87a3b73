"""`Size[X]` values: `x.shape` names its dims, and int arithmetic on them stays symbolic.

`B, T, C = x.shape` gives `Size[B]`, `Size[T]`, `Size[C]`; `B * T` is `Size[Mul[B, T]]`,
`C // H` is `Size[FloorDiv[C, H]]`, and literal ints fold (`8 * 13 * 13` is `Literal[1352]`).
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import AttributeContext, FunctionContext, MethodContext
from mypy.types import Instance, LiteralType, TupleType, Type, UnpackType, get_proper_type

from shapedl import dims
from shapedl.dims import Dim
from shapedl_mypy.convert import SIZE, Converter, checker_named, int_dim, tensor_parts

__all__ = [
    "INT_OPS",
    "int_op_hook",
    "rank_hook",
    "root_hook",
    "shape_attribute_hook",
    "size_method_hook",
    "size_new",
]

INT_OPS: dict[str, Callable[[Dim, Dim], Dim]] = {
    "__add__": dims.add,
    "__sub__": dims.sub,
    "__mul__": dims.mul,
    "__floordiv__": dims.floordiv,
}


def int_type(conv: Converter, d: Dim) -> Type | None:
    """The int type that carries the dim `d`: a literal, a `Size[...]`, or None for `DYN`."""
    if isinstance(d, int):
        return conv.named("builtins.int", []).copy_modified(
            last_known_value=LiteralType(d, conv.named("builtins.int", []))
        )
    if d is dims.DYN:
        return None
    return conv.named(SIZE, [conv.dim_type(d)])


def int_op_hook(op: Callable[[Dim, Dim], Dim]) -> Callable[[MethodContext], Type]:
    def hook(ctx: MethodContext) -> Type:
        if len(ctx.arg_types) != 1 or len(ctx.arg_types[0]) != 1:
            return ctx.default_return_type
        conv = Converter(checker_named(ctx.api))
        a = int_dim(conv, ctx.type)
        b = int_dim(conv, ctx.arg_types[0][0])
        if a is None or b is None or (a is dims.DYN and b is dims.DYN):
            return ctx.default_return_type
        return int_type(conv, op(a, b)) or ctx.default_return_type

    return hook


def root_hook(ctx: MethodContext) -> Type:
    """`d ** -0.5` for a size `d` is a float: typeshed's `int ** float` is `Any` (a negative
    base gives a complex), and `x * Any` is `Any`, which `--strict` refuses to return; a
    dimension is never negative."""
    if not ctx.arg_types or len(ctx.arg_types[0]) != 1 or any(ctx.arg_types[1:]):
        return ctx.default_return_type
    base = get_proper_type(ctx.arg_types[0][0])
    if isinstance(base, Instance) and base.type.fullname == SIZE:
        return checker_named(ctx.api)("builtins.float", [])
    return ctx.default_return_type


def shape_attribute_hook(ctx: AttributeContext) -> Type:
    """`x.shape` is `tuple[Size[D1], Size[D2], ...]` for `x: Tensor[tuple[D1, D2, ...]]`."""
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_attr_type
    conv = Converter(checker_named(ctx.api))
    if conv.shape(parts[0]) is None:
        return ctx.default_attr_type
    s = get_proper_type(parts[0])
    assert isinstance(s, TupleType)
    return _sizes(conv, s)


def _sizes(conv: Converter, shape: TupleType) -> TupleType:
    """`tuple[Size[D1], Size[D2], ...]` of the shape `tuple[D1, D2, ...]`."""
    items: list[Type] = [conv.named(SIZE, [d]) for d in shape.items]
    return TupleType(items, conv.named("builtins.tuple", [conv.named("builtins.int", [])]))


def rank_hook(ctx: AttributeContext | MethodContext) -> Type:
    """`x.ndim` (and `x.dim()`) is `Literal[2]` for a 2-d `x`: `if img.ndim == 3: img =
    img.unsqueeze(0)` then leaves no 3-d member that the run never has (mypy narrows the
    literal, and the branch not taken is not checked). `stale.py` takes back mypy's
    `[comparison-overlap]` for a rank test that is always false here (a helper's `if x.ndim
    == 3` meeting a 2-d `x`), which the same code on other ranks needs."""
    if isinstance(ctx, AttributeContext):
        default = ctx.default_attr_type
    else:
        default = ctx.default_return_type
    parts = tensor_parts(ctx.type)
    s = None if parts is None else get_proper_type(parts[0])
    if not isinstance(s, TupleType) or any(
        isinstance(get_proper_type(i), UnpackType) for i in s.items
    ):
        return default
    return LiteralType(len(s.items), checker_named(ctx.api)("builtins.int", []))


def size_method_hook(ctx: MethodContext) -> Type:
    """`x.size()` is `x.shape`'s tuple and `x.size(i)` for a literal `i` is `x.shape[i]`'s
    `Size`, so PyTorch's `x.view(x.size(0), -1)` keeps the batch dim as `x.shape[0]` does."""
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_return_type
    conv = Converter(checker_named(ctx.api))
    s = get_proper_type(parts[0])
    if conv.shape(parts[0]) is None or not isinstance(s, TupleType):
        return ctx.default_return_type
    given = [t for ts in ctx.arg_types for t in ts]
    if not given:
        return _sizes(conv, s)
    axis = int_dim(conv, given[0]) if len(given) == 1 else None
    if not isinstance(axis, int) or not -len(s.items) <= axis < len(s.items):
        return ctx.default_return_type  # NOTE: an axis out of range is the runtime's IndexError
    return conv.named(SIZE, [s.items[axis]])


def size_new(ctx: FunctionContext) -> Type:
    """`Size(12)` is `Size[Const[12]]` (so `Size[Const[11]]` refuses it); `Size(n)` keeps `n`'s
    dim, and a plain `int` is `Size[Dyn]`."""
    if len(ctx.arg_types) != 1 or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    conv = Converter(checker_named(ctx.api))
    d = int_dim(conv, ctx.arg_types[0][0])
    if d is None:
        return ctx.default_return_type
    return conv.named(SIZE, [conv.dim_type(d)])
