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

from mypy.plugin import FunctionContext, MethodContext
from mypy.typeops import make_simplified_union
from mypy.types import Type, UnionType, get_proper_type

from shapedl_mypy.convert import tensor_parts

__all__ = ["per_member"]

C = TypeVar("C", FunctionContext, MethodContext)
# NOTE: beyond this many combinations the call keeps mypy's own (union) type, unchecked
MAX_COMBINATIONS = 16


def _members(typ: Type) -> list[Type] | None:
    t = get_proper_type(typ)
    if not isinstance(t, UnionType):
        return None
    items = list(t.relevant_items())
    return items if len(items) > 1 and all(tensor_parts(i) is not None for i in items) else None


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
