"""Arguments that are names rebound in a loop: their stale members say nothing either.

`hooks/stale.py` takes back a return's or an assignment's error where the union without its
stale members (the loop never ran) fits; a call to a user's function that takes the name
(`report(total)` after `total = total + loss` in a loop, `head(h)` after a loop over layers)
had the same false `[arg-type]` error. mypy reports it before the call's hook runs, so the
hook takes it back, argument by argument, where the argument without its stale members fits
its formal. A generic formal is left to mypy and to `unions.union_math`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy import errorcodes
from mypy.checker import TypeChecker
from mypy.nodes import CallExpr
from mypy.plugin import FunctionContext, MethodContext
from mypy.subtypes import is_subtype
from mypy.types import CallableType, Instance, TupleType, Type, UnionType, get_proper_type

from shapedl_mypy.codes import take_back_at
from shapedl_mypy.convert import tensor_parts
from shapedl_mypy.hooks.nn import member_type
from shapedl_mypy.hooks.stale import drop_stale

__all__ = ["forgive_stale", "takes_tensors"]

C = TypeVar("C", FunctionContext, MethodContext)


def forgive_stale(hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """`hook` (or mypy's own type), with the `[arg-type]` errors of stale members taken back."""

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        unions = [
            (i, expr, t)
            for i, (exprs, types) in enumerate(zip(ctx.args, ctx.arg_types, strict=True))
            for expr, t in zip(exprs, types, strict=True)
            if isinstance(get_proper_type(t), UnionType)
        ]
        formals = _formals(ctx) if unions else None
        if formals is None:
            return out
        for i, expr, t in unions:
            if i < len(formals) and _fits(ctx, drop_stale(t), formals[i]):
                take_back_at(ctx, errorcodes.ARG_TYPE, expr)
        return out

    return run


def takes_tensors(declared: Type) -> bool:
    """Whether a callable's parameters take tensors (in unions, tuples or lists too)."""
    t = get_proper_type(declared)
    return isinstance(t, CallableType) and any(_holds_tensor(a) for a in t.arg_types)


def _holds_tensor(typ: Type) -> bool:
    t = get_proper_type(typ)
    if tensor_parts(t) is not None:
        return True
    if isinstance(t, UnionType | TupleType):
        return any(_holds_tensor(i) for i in t.items)
    return isinstance(t, Instance) and any(_holds_tensor(a) for a in t.args)


def _formals(ctx: FunctionContext | MethodContext) -> list[Type] | None:
    """The callee's formal types, in the order of `ctx.arg_types`, where it is not generic."""
    if not isinstance(ctx.api, TypeChecker) or not isinstance(ctx.context, CallExpr):
        return None
    callee = get_proper_type(ctx.api.lookup_type_or_none(ctx.context.callee))
    if isinstance(callee, Instance):
        # NOTE: a module is called as its forward (`_MODULE_CALL`)
        name = "forward" if callee.type.get("forward") is not None else "__call__"
        callee = get_proper_type(member_type(ctx.api, callee, name, ctx.context))
    if not isinstance(callee, CallableType) or callee.variables:
        return None
    if len(callee.arg_types) != len(ctx.arg_types):
        return None
    return list(callee.arg_types)


def _fits(ctx: FunctionContext | MethodContext, actual: Type, formal: Type) -> bool:
    assert isinstance(ctx.api, TypeChecker)
    return is_subtype(actual, formal, options=ctx.api.options)
