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
from mypy.types import AnyType, FunctionLike, Type, TypeOfAny

from shapedl import dims
from shapedl.dims import Dim
from shapedl.errors import show_shape
from shapedl_mypy.call import Call
from shapedl_mypy.codes import SHAPE
from shapedl_mypy.convert import TENSOR, TYPES, UNKNOWN, static_value, tensor_parts

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
    """`x.realize((5, 10))` is `x` with the static shape `(5, 10)` (`-1` keeps a dim)."""
    parts = tensor_parts(ctx.type)
    if parts is None or not ctx.args or len(ctx.args[0]) != 1:
        return ctx.default_return_type
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    want = static_value(call.conv, ctx.args[0][0], ctx.arg_types[0][0], call.lookup)
    have = call.conv.shape(parts[0])
    if want is UNKNOWN or not isinstance(want, tuple) or have is None:
        return ctx.default_return_type
    if len(want) != len(have) or any(
        isinstance(w, int) and isinstance(h, int) and w not in (-1, h)
        for w, h in zip(want, have, strict=False)
    ):
        shown = tuple("Dyn" if w is dims.DYN else w for w in want)
        text = f"realize: shape {show_shape(have)} is not {show_shape(shown)}"
        ctx.api.fail(text, ctx.context, code=SHAPE)
        return ctx.default_return_type
    out: list[Dim] = [h if w == -1 else w for w, h in zip(want, have, strict=True)]
    return call.named(TENSOR, [call.conv.shape_type(out), parts[1], parts[2]])


def realize_signature_hook(ctx: MethodSigContext) -> FunctionLike:
    """Accept any shape tuple: `realize_hook` gives the result its type."""
    sig = ctx.default_signature
    if not sig.arg_types:
        return sig
    return sig.copy_modified(arg_types=[AnyType(TypeOfAny.special_form), *sig.arg_types[1:]])
