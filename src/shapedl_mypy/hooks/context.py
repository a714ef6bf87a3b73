"""A call whose result spreads a variadic shape (`-> Tensor[tuple[*Bs, O]]`: `nn.Linear`, a
user's `*Bs` helper), made where the result goes to a name whose type is a union with a
member of unknown shape: `x = lin(x)` after `if deep: x = seq(x)`, where `seq(x)` is a
`Tensor[Any, Any]`.

mypy first solves the callee's type variables from that union (the call's type context),
gets `Bs = tuple[B] | Any`, which it cannot spread, and crashes (mypy 2.4: "Invalid type
replacement to expand"). Such a context says nothing sure of `Bs` (and its other members
would pin `Bs` to the declared sizes, not the argument's), so the call is solved from its
arguments alone.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Overloaded,
    TupleType,
    Type,
    UnionType,
    UnpackType,
    get_proper_type,
)

from shapedl_mypy.convert import tensor_parts
from shapedl_mypy.hooks.canonical import SigC

__all__ = ["known_shapes_context", "spreads"]


def spreads(declared: Type) -> bool:
    """Whether a callable's result holds a tensor whose shape spreads a variadic (`*Bs`)."""
    t = get_proper_type(declared)
    if isinstance(t, Overloaded):
        return any(spreads(i) for i in t.items)
    return isinstance(t, CallableType) and _spread_in(t.ret_type)


def _spread_in(typ: Type) -> bool:
    t = get_proper_type(typ)
    if isinstance(t, UnpackType):
        return True
    if isinstance(t, TupleType | UnionType):
        return any(_spread_in(i) for i in t.items)
    return isinstance(t, Instance) and any(_spread_in(a) for a in t.args)


def known_shapes_context(
    hook: Callable[[SigC], FunctionLike] | None,
) -> Callable[[SigC], FunctionLike]:
    """A signature hook that first drops the call's type context where it is a union with a
    member of unknown shape."""

    def run(ctx: SigC) -> FunctionLike:
        contexts = getattr(getattr(ctx.api, "expr_checker", None), "type_context", None)
        if contexts:
            contexts[-1] = _known_shapes(contexts[-1])
        return ctx.default_signature if hook is None else hook(ctx)

    return run


def _known_shapes(context: Type | None) -> Type | None:
    t = get_proper_type(context)
    if not isinstance(t, UnionType):
        return context
    return None if any(_unknown_shape(i) for i in t.items) else context


def _unknown_shape(typ: Type) -> bool:
    parts = tensor_parts(typ)
    return parts is not None and isinstance(get_proper_type(parts[0]), AnyType)
