"""Unions checked member by member: a name rebound in a loop is a union of its shapes.

With `allow_redefinition_new`, `for layer in layers: x = layer(x)` makes `x` the union of every
shape it takes; mypy splits a union receiver (`x.sum()`, `x @ w`) by itself, but an argument
(`w @ x`, `layer(x)`, `sd.ops.matmul(w, x)`) reaches a hook whole. `per_member` runs the hook
once per member (every combination, up to a bound) and joins the results, so a member that does
not fit is a `[shape]` error as it would be on its own (reported once, by `codes.report`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TypeVar

from mypy.nodes import CallExpr, Expression, IndexExpr, MemberExpr, OpExpr
from mypy.plugin import FunctionContext, MethodContext
from mypy.typeops import make_simplified_union
from mypy.types import AnyType, TupleType, Type, UnionType, get_proper_type

from shapedl_mypy.convert import tensor_parts

__all__ = ["per_member", "skip_stale", "stale_receiver"]

C = TypeVar("C", FunctionContext, MethodContext)
# NOTE: beyond this many combinations the call keeps mypy's own (union) type, unchecked
MAX_COMBINATIONS = 16


def _members(typ: Type) -> list[Type] | None:
    t = get_proper_type(typ)
    if not isinstance(t, UnionType):
        return None
    items = list(t.relevant_items())
    if len(items) < 2 or not all(tensor_parts(i) is not None for i in items):
        return None
    return [i for i in items if not any(_generalizes(g, i) for g in items if g is not i)]


def _generalizes(general: Type, special: Type) -> bool:
    """Whether `general`'s shape is `special`'s with some dims unknown (or no shape at all).

    NOTE: mypy narrows `x = x[..., :n]` (a `Dyn` dim where `x` had a 3) to the union of every
    shape of `x` that the new one overlaps: the old shape stays as a member that the run never
    has. Only the more general member is checked, so that stale one is never a false error.
    """
    g, s = tensor_parts(general), tensor_parts(special)
    if g is None or s is None:
        return False
    gs, ss = get_proper_type(g[0]), get_proper_type(s[0])
    if isinstance(gs, AnyType):
        return True
    if not isinstance(gs, TupleType) or not isinstance(ss, TupleType):
        return False
    if len(gs.items) != len(ss.items) or gs == ss:
        return False
    return all(
        isinstance(get_proper_type(a), AnyType) or a == b
        for a, b in zip(gs.items, ss.items, strict=True)
    )


def stale_receiver(ctx: MethodContext) -> bool:
    """Whether the receiver is a union member that a more general member stands for.

    mypy checks `x @ w` once per member of a union `x` by itself; the hook of a stale member
    (see `_generalizes`) keeps mypy's own type and says nothing.
    """
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    if lookup is None:
        return False
    for expr in _receivers(ctx.context):
        whole = get_proper_type(lookup(expr)) if lookup(expr) is not None else None
        if isinstance(whole, UnionType) and any(
            _generalizes(g, ctx.type) for g in whole.relevant_items() if g != ctx.type
        ):
            return True
    return False


def _receivers(context: object) -> list[Expression]:
    if isinstance(context, CallExpr) and isinstance(context.callee, MemberExpr):
        return [context.callee.expr]
    if isinstance(context, OpExpr):
        return [context.left, context.right]
    if isinstance(context, IndexExpr):
        return [context.base]
    return []


def skip_stale(hook: Callable[[MethodContext], Type]) -> Callable[[MethodContext], Type]:
    def run(ctx: MethodContext) -> Type:
        return ctx.default_return_type if stale_receiver(ctx) else hook(ctx)

    return run


def per_member(hook: Callable[[C], Type]) -> Callable[[C], Type]:
    def run(ctx: C) -> Type:
        spots = [
            (i, j, found)
            for i, types in enumerate(ctx.arg_types)
            for j, t in enumerate(types)
            if (found := _members(t)) is not None
        ]
        sizes = [len(found) for _, _, found in spots]
        if not spots or _product(sizes) > MAX_COMBINATIONS:
            return hook(ctx)
        results = []
        for choice in itertools.product(*(found for _, _, found in spots)):
            types = [list(ts) for ts in ctx.arg_types]
            for (i, j, _), member in zip(spots, choice, strict=True):
                types[i][j] = member
            results.append(hook(ctx._replace(arg_types=types)))
        return make_simplified_union(results)

    return run


def _product(sizes: list[int]) -> int:
    out = 1
    for n in sizes:
        out *= n
    return out
