"""Arguments that are names rebound in a loop: their stale members say nothing either.

`hooks/stale.py` takes back a return's or an assignment's error where the union without its
stale members (the loop never ran) fits; a call to a user's function that takes the name
(`report(total)` after `total = total + loss` in a loop, `head(h)` after a loop over layers)
had the same false `[arg-type]` error. mypy reports it before the call's hook runs, so the
hook takes it back, argument by argument, where the argument without its stale members fits
its formal, or where one member does and a loop run a run-time number of times rebound the
name (`while x.shape[-1] > 4: x = pool(x)`, then `head(x)`). A generic formal is left to mypy
and to `unions.union_math`.

A user's module of a tuple of blocks of different sizes (`for blk in (Block(8, 16), Block(16,
4)): h = blk(h)`) is called as a union callee with a union argument: each block is an error
only where it takes no member of the argument in any pass over the loop (`_some_member`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mypy import errorcodes
from mypy.checker import TypeChecker
from mypy.nodes import CallExpr, Expression
from mypy.plugin import FunctionContext, MethodContext
from mypy.subtypes import is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import CallableType, Instance, TupleType, Type, UnionType, get_proper_type

from shapedl import dims
from shapedl_mypy.codes import errors_at, said, take_back, take_back_at, take_back_these
from shapedl_mypy.convert import Converter, checker_named, tensor_parts
from shapedl_mypy.hooks.nn import member_type
from shapedl_mypy.hooks.stale import drop_stale
from shapedl_mypy.hooks.unions import check_with, union_callee
from shapedl_mypy.hooks.unroll import counted_at_run_time

__all__ = ["forgive_stale", "takes_tensors"]

C = TypeVar("C", FunctionContext, MethodContext)
Spot = tuple[int, int, Expression, Type]  # formal, actual, the argument and its type


def forgive_stale(hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """`hook` (or mypy's own type), with the `[arg-type]` errors of stale members taken back,
    those of a union callee's member that fits some member of a union argument, and those of
    a size a number halved and doubled back (`_fits_halves_whole`)."""

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        spots = [
            (i, j, expr, t)
            for i, (exprs, types) in enumerate(zip(ctx.args, ctx.arg_types, strict=True))
            for j, (expr, t) in enumerate(zip(exprs, types, strict=True))
            if tensor_parts(t) is not None or isinstance(get_proper_type(t), UnionType)
        ]
        unions = any(isinstance(get_proper_type(t), UnionType) for _, _, _, t in spots)
        members = isinstance(ctx, MethodContext) and bool(spots) and union_callee(ctx)
        callee = _callee(ctx) if unions or members or _some_error(ctx) else None
        if callee is None or len(callee.arg_types) != len(ctx.arg_types):
            return out
        if isinstance(ctx, MethodContext) and members:
            return _some_member(ctx, callee, spots) or out
        for i, j, expr, t in spots:
            union = get_proper_type(t)
            if isinstance(union, UnionType) and not callee.variables:
                formal = callee.arg_types[i]
                if _fits(ctx, drop_stale(t), formal) or _one_fits(ctx, union, formal, expr):
                    take_back_at(ctx, errorcodes.ARG_TYPE, expr)
            elif _fits_halves_whole(ctx, callee, i, j, t):
                take_back_at(ctx, errorcodes.ARG_TYPE, expr)
                # NOTE: `fuse(up(pool(skip)), skip)`: mypy joined `H` and `2 * (H // 2)` (the
                # call's sizes say `object`, which reads as unknown)
                take_back(ctx, _joined_message)
        return out

    return run


# NOTE: a union callee's members' [arg-type] errors, by call and member: mypy checks a loop's
# body until its types settle and reports every pass's errors, each member's just before its hook
_OWNED: dict[tuple[str, int, int], dict[str, list[Any]]] = {}


def _some_member(ctx: MethodContext, callee: CallableType, spots: list[Spot]) -> Type | None:
    """For `blk(h)` in `for blk in (Block(8, 16), Block(16, 4))`: the result of this block
    on the members of `h` it takes, its `[arg-type]` errors (of every pass over the loop: the
    first had only `h`'s type before it) taken back; or None where it takes none.

    NOTE: which `h` meets which block is lost in the two unions (`unions._fitting` says the
    same for the library's layers).
    """
    site = (ctx.api.msg.errors.file, ctx.context.line, ctx.context.column)
    owned = _OWNED.setdefault(site, {})
    mine = owned.setdefault(str(ctx.type), [])
    known = {id(e) for found in owned.values() for e in found}
    for _, _, expr, _ in spots:
        mine += [e for e in errors_at(ctx, errorcodes.ARG_TYPE, expr) if id(e) not in known]
    results = []
    for i, j, _, t in spots:
        p = get_proper_type(t)
        for member in p.items if isinstance(p, UnionType) else [p]:
            types = [list(actual) for actual in ctx.arg_types]
            types[i][j] = member
            found = check_with(ctx, callee, types)
            results += [] if found is None else [found]
    if not results:
        take_back_these(ctx, mine[1:])  # NOTE: one bug, one error, whatever the passes
        del mine[1:]
        return None
    take_back_these(ctx, mine)
    mine.clear()
    return make_simplified_union(results)


def _some_error(ctx: FunctionContext | MethodContext) -> bool:
    """Whether mypy refused an argument of this call, or joined a type variable's solutions
    into `object` (the only errors taken back here)."""
    refused = any(errors_at(ctx, errorcodes.ARG_TYPE, e) for exprs in ctx.args for e in exprs)
    return refused or said(ctx, _joined)


def _joined(info: Any) -> bool:
    return _joined_message(str(info.message))


def _joined_message(message: str) -> bool:
    """mypy's `Value of type variable "H" of "fuse" cannot be "object"`."""
    return message.startswith("Value of type variable") and message.endswith('cannot be "object"')


def _halves_whole_call(ctx: FunctionContext | MethodContext, callee: CallableType) -> Type | None:
    """The call's type with every tensor argument's halves taken as whole (`_fits_halves_whole`),
    None where it still does not fit."""
    conv = Converter(checker_named(ctx.api))
    types = [[_whole(conv, t) or t for t in actual] for actual in ctx.arg_types]
    return check_with(ctx, callee, types)


def _whole(conv: Converter, typ: Type) -> Type | None:
    """A tensor type with its halves made whole (`dims.halves_whole`); None where it is no
    tensor or has none."""
    t, parts = get_proper_type(typ), tensor_parts(typ)
    shape = None if parts is None else conv.shape(parts[0])
    if not isinstance(t, Instance) or shape is None:
        return None
    whole = tuple(dims.halves_whole(d) for d in shape)
    return None if whole == shape else t.copy_modified(args=[conv.shape_type(whole), *t.args[1:]])


def _fits_halves_whole(
    ctx: FunctionContext | MethodContext, callee: CallableType, i: int, j: int, typ: Type
) -> bool:
    """Whether mypy refused a tensor argument whose size a number halved and doubled back
    (`2 * (C // 2)`: a U-Net's channels halved by a `ConvTranspose2d` and joined to the
    skip's) where the callee takes the whole (`C`), and the call fits once it is taken as
    whole: the plugin accepts what it cannot decide, as each op does, and the run checks."""
    if not isinstance(ctx.api, TypeChecker):
        return False
    whole = _whole(Converter(checker_named(ctx.api)), typ)
    if whole is None:
        return False
    types = [list(actual) for actual in ctx.arg_types]
    types[i][j] = whole
    return check_with(ctx, callee, types) is not None or _halves_whole_call(ctx, callee) is not None


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


def _callee(ctx: FunctionContext | MethodContext) -> CallableType | None:
    """The called function's type (a module's forward, as `_MODULE_CALL` calls it)."""
    if not isinstance(ctx.api, TypeChecker) or not isinstance(ctx.context, CallExpr):
        return None
    callee = get_proper_type(ctx.api.lookup_type_or_none(ctx.context.callee))
    if isinstance(callee, UnionType) and isinstance(ctx, MethodContext):
        callee = get_proper_type(ctx.type)  # NOTE: this member of a union callee
    if isinstance(callee, Instance):
        name = "forward" if callee.type.get("forward") is not None else "__call__"
        callee = get_proper_type(member_type(ctx.api, callee, name, ctx.context))
    return callee if isinstance(callee, CallableType) else None


def _one_fits(
    ctx: FunctionContext | MethodContext, union: UnionType, formal: Type, expr: Expression
) -> bool:
    """Whether a member of the argument fits, it being a name's that a loop run a run-time
    number of times rebound (`unroll.counted_at_run_time`): the run checks which it has."""
    assert isinstance(ctx.api, TypeChecker)
    if not counted_at_run_time(ctx.api, ctx.context.line, expr):
        return False
    return any(_fits(ctx, m, formal) for m in union.items)


def _fits(ctx: FunctionContext | MethodContext, actual: Type, formal: Type) -> bool:
    assert isinstance(ctx.api, TypeChecker)
    return is_subtype(actual, formal, options=ctx.api.options)
