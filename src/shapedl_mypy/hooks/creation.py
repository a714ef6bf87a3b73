"""Creation the registry cannot describe: `tensor(nested lists)` and `x.realize(shape)`.

The shape-taking creation ops (`zeros`, `ones`, `full`, `randn`, ...) need no hook here: they
are registered ops whose rule is the shape itself, and `rules.apply_rule` reads the literal
ints (`Const`), `Size[X]` values (`X`) and other ints (`Dyn`) of their `shape` argument.
"""

from __future__ import annotations

from mypy.nodes import (
    ComplexExpr,
    Expression,
    FloatExpr,
    IntExpr,
    ListExpr,
    NameExpr,
    RefExpr,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
)
from mypy.plugin import FunctionContext, MethodContext, MethodSigContext
from mypy.types import AnyType, FunctionLike, Overloaded, Type, TypeOfAny

from shapedl import dims
from shapedl.dims import Dim
from shapedl.errors import show_shape
from shapedl_mypy.call import Call
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import TENSOR, TYPES, UNKNOWN, any_type, static_value, tensor_parts

__all__ = ["realize_hook", "realize_signature_hook", "tensor_hook"]

_LEAF_DTYPES = {"float": "f32", "int": "i64", "bool": "bool_"}


def _leaf_kind(e: Expression) -> str | None:
    if isinstance(e, UnaryExpr) and e.op in "-+":
        return _leaf_kind(e.expr)
    if isinstance(e, IntExpr):
        return "int"
    if isinstance(e, FloatExpr):
        return "float"
    if isinstance(e, ComplexExpr):
        return None
    if isinstance(e, NameExpr) and e.fullname in ("builtins.True", "builtins.False"):
        return "bool"
    return None


def _nested(e: Expression, kinds: set[str]) -> tuple[int, ...] | None:
    """The shape of a nested list literal (None when ragged or not all literals)."""
    if not isinstance(e, (ListExpr, TupleExpr)):
        kind = _leaf_kind(e)
        if kind is None:
            return None
        kinds.add(kind)
        return ()
    inner = [_nested(item, kinds) for item in e.items]
    if any(s is None for s in inner) or len(set(inner)) > 1:
        return None
    return (len(inner), *(inner[0] or ())) if inner else (0,)


def _dtype_arg(ctx: FunctionContext) -> str | None:
    for name, exprs in zip(ctx.callee_arg_names, ctx.args, strict=False):
        if name == "dtype" and exprs:
            e = exprs[0]
            if isinstance(e, RefExpr) and isinstance(e.node, TypeInfo):
                return e.node.fullname
            return "?"
    return None


def tensor_hook(ctx: FunctionContext) -> Type:
    """`tensor([[1.0, 2.0], [3.0, 4.0]])` is `Tensor[tuple[Const[2], Const[2]], f32]`."""
    if not ctx.args or len(ctx.args[0]) != 1:
        return ctx.default_return_type
    kinds: set[str] = set()
    shape = _nested(ctx.args[0][0], kinds)
    dtype = _dtype_arg(ctx)
    if shape is None or dtype == "?":
        return ctx.default_return_type
    if dtype is None:
        kind = "float" if "float" in kinds else ("int" if "int" in kinds else "bool")
        dtype = f"{TYPES}.{_LEAF_DTYPES[kind]}" if kinds else f"{TYPES}.f32"
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    notape = call.named(f"{TYPES}.NoTape", [])
    return call.named(TENSOR, [call.conv.shape_type(shape), call.named(dtype, []), notape])


def realize_hook(ctx: MethodContext) -> Type:
    """`x.realize((5, 10))` is `x` with the static shape `(5, 10)`.

    From a known shape, `-1` keeps a dim and a literal that differs is a `[shape]` error; from
    an unknown one (`from_numpy`, `tensor` of data), the sizes are exactly those given: the
    runtime checks them. `sd.DYN` and a non-literal int give `Dyn`. With a `dtype`, that dtype.
    """
    parts = tensor_parts(ctx.type)
    if parts is None or not ctx.args or len(ctx.args[0]) != 1:
        return ctx.default_return_type
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    default = tensor_parts(ctx.default_return_type)
    dtype = default[1] if default is not None and len(ctx.args) > 1 and ctx.args[1] else parts[1]
    want = static_value(call.conv, ctx.args[0][0], ctx.arg_types[0][0], call.lookup)
    if want is UNKNOWN or not isinstance(want, tuple) or not all(map(dims.is_dim, want)):
        # NOTE: not the default: the signature hook took the shape's type away, so its `S2`
        # is unsolved there (mypy's "Need type annotation"); a shape not known is `Any`
        return call.named(TENSOR, [any_type(), dtype, parts[2]])
    have = call.conv.shape(parts[0])
    if have is None:
        have = (dims.DYN,) * len(want)
    if len(want) != len(have) or any(
        isinstance(w, int) and isinstance(h, int) and w not in (-1, h)
        for w, h in zip(want, have, strict=False)
    ):
        shown = tuple("Dyn" if w is dims.DYN else w for w in want)
        text = f"realize: shape {show_shape(have)} is not {show_shape(shown)}"
        report(ctx.api, text, ctx.context, SHAPE)
        return call.named(TENSOR, [any_type(), parts[1], parts[2]])
    out: list[Dim] = [h if w == -1 else w for w, h in zip(want, have, strict=True)]
    return call.named(TENSOR, [call.conv.shape_type(out), dtype, parts[2]])


def realize_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """Accept any shape tuple: `realize_hook` gives the result its type."""
    sig = ctx.default_signature
    items = sig.items if isinstance(sig, Overloaded) else [sig]
    loose = [
        item.copy_modified(arg_types=[AnyType(TypeOfAny.special_form), *item.arg_types[1:]])
        for item in items
        if item.arg_types
    ]
    if len(loose) != len(items):
        return sig
    return Overloaded(loose) if isinstance(sig, Overloaded) else loose[0]
