"""Unions checked member by member: a name rebound in a loop is a union of its shapes.

With `allow_redefinition_new`, `for layer in layers: x = layer(x)` makes `x` the union of every
shape it takes; mypy splits a union receiver (`x.sum()`, `x @ w`) by itself, but an argument
(`w @ x`, `layer(x)`, `sd.ops.matmul(w, x)`) reaches a hook whole. `per_member` runs the hook
once per member (every combination, up to a bound) and joins the results, so a member that does
not fit is a `[shape]` error as it would be on its own (reported once, by `codes.report`).

Calls of a user's generic function or of a layer with a union argument are typed member by
member too (`union_math`, `forgive_unions`), where mypy alone could not solve their type
variables from the union.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from mypy import errorcodes
from mypy.checker import TypeChecker
from mypy.nodes import CallExpr, Expression, IndexExpr, MemberExpr, NameExpr, OpExpr, TempNode
from mypy.plugin import FunctionContext, MethodContext
from mypy.typeops import make_simplified_union
from mypy.types import AnyType, Instance, TupleType, Type, UnionType, get_proper_type

from shapedl_mypy.codes import (
    CANNOT_INFER,
    CANNOT_INFER_ANY,
    errors_at,
    said,
    take_back,
    take_back_these,
)
from shapedl_mypy.convert import tensor_parts
from shapedl_mypy.hooks import size_tests
from shapedl_mypy.hooks.generic import FRESH
from shapedl_mypy.hooks.unroll import counted_at_run_time, unrolled

__all__ = [
    "check_with",
    "fits",
    "forgive_unions",
    "per_member",
    "skip_stale",
    "stale_receiver",
    "stands_for",
    "union_callee",
    "union_math",
]

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
    return [i for i in items if not any(stands_for(g, i) for g in items if g is not i)]


def stands_for(general: Type, special: Type) -> bool:
    """`general` generalizes `special` and not the other way round.

    NOTE: two members of unknown shape (whose tapes differ) generalize each other: dropping
    both would leave no member (the call `Never`), and either one a tape the run may have.
    """
    return _generalizes(general, special) and not _generalizes(special, general)


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


def stale_receiver(ctx: MethodContext) -> Type | None:
    """The more general member that stands for the receiver, a union member (see
    `_generalizes`), or None where the receiver is no such member.

    mypy checks `x @ w` once per member of a union `x` by itself; a stale member is typed as
    the member that stands for it, so it adds nothing new to the union of results and says
    nothing of its own.
    """
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    if lookup is None:
        return None
    for expr in _receivers(ctx.context):
        whole = get_proper_type(lookup(expr)) if lookup(expr) is not None else None
        if not isinstance(whole, UnionType) or ctx.type not in whole.relevant_items():
            continue
        for g in whole.relevant_items():
            if g != ctx.type and stands_for(g, ctx.type):
                return g
    return None


def _receivers(context: object) -> list[Expression]:
    if isinstance(context, CallExpr) and isinstance(context.callee, MemberExpr):
        return [context.callee.expr]
    if isinstance(context, OpExpr):
        return [context.left, context.right]
    if isinstance(context, IndexExpr):
        return [context.base]
    return []


def skip_stale(hook: Callable[[MethodContext], Type]) -> Callable[[MethodContext], Type]:
    """The hook, with a stale receiver replaced by the member that stands for it.

    NOTE: not mypy's own type for the stale member: mypy binds a shared signature's `self`
    (`mean`, typed as `sum`) against the whole union, and loses the tape (`NoTape` for `TT`).
    """

    def run(ctx: MethodContext) -> Type:
        last = _before_the_last_layer(ctx)
        if last is not None:
            # NOTE: a method's result is the last layer's (`x.sigmoid()`, so that `x *
            # x.sigmoid()` meets one shape); an operator's receiver may be its right operand
            if isinstance(ctx.context, OpExpr) or not isinstance(last, Instance):
                return ctx.default_return_type
            return hook(ctx._replace(type=last))
        general = stale_receiver(ctx)
        if general is None:
            return hook(ctx)
        if isinstance(ctx.context, OpExpr):
            # NOTE: `a * b` may reach here as `b.__rmul__(a)`, whose receiver is not the left
            return ctx.default_return_type
        return hook(ctx._replace(type=get_proper_type(general)))

    return run


def _before_the_last_layer(ctx: MethodContext) -> Type | None:
    """The last layer's type where the receiver is a member of a name's union that a loop
    over a tuple of layers gave it before its last layer (`for layer in (fc1, fc2): x =
    layer(x)`, then `x + bias`): after the loop the name has that type only
    (`unroll.unrolled`), so the member's error would be about a shape the run never has."""
    if not isinstance(ctx.api, TypeChecker):
        return None
    for expr in _receivers(ctx.context)[:1]:
        whole = ctx.api.lookup_type_or_none(expr) if isinstance(expr, NameExpr) else None
        union = None if whole is None else get_proper_type(whole)
        if not isinstance(union, UnionType) or ctx.type not in union.relevant_items():
            continue
        last = unrolled(ctx.api, ctx.context.line, expr)
        kept = get_proper_type(last) if last is not None else None
        members = kept.relevant_items() if isinstance(kept, UnionType) else [kept]
        if kept is not None and ctx.type not in members:
            return kept
    return None


def per_member(hook: Callable[[C], Type]) -> Callable[[C], Type]:
    def run(ctx: C) -> Type:
        ctx = _after_loops(ctx)
        spots = [
            (i, j, _tested(ctx, i, j, found))
            for i, types in enumerate(ctx.arg_types)
            for j, t in enumerate(types)
            if (found := _members(t)) is not None
        ]
        sizes = [len(found) for _, _, found in spots]
        if _product(sizes) > MAX_COMBINATIONS:
            return hook(ctx)
        calls = []
        for choice in itertools.product(*(found for _, _, found in spots)):
            types = [list(ts) for ts in ctx.arg_types]
            for (i, j, _), member in zip(spots, choice, strict=True):
                types[i][j] = member
            calls.append(ctx._replace(arg_types=types))
        if union_callee(ctx) or (spots and all(_counted(ctx, i, j) for i, j, _ in spots)):
            return _fitting(ctx, hook, calls)
        return make_simplified_union([hook(call) for call in calls]) if spots else hook(ctx)

    return run


def _tested(ctx: C, i: int, j: int, members: list[Type]) -> list[Type]:
    """The members of a union argument that the tests of its rank or sizes around the call
    leave (`if x.dim() == 2: x = x.unsqueeze(0)`, then `lin(x)`: `size_tests.excluded`); mypy's
    refusal of the whole union is taken back where some are left out, the rest being checked
    here member by member."""
    arg = ctx.args[i][j]
    if not isinstance(ctx.api, TypeChecker) or not isinstance(arg, NameExpr):
        return members
    kept = [m for m in members if not size_tests.excluded(ctx.api, arg, m, ctx.context)]
    if not kept or len(kept) == len(members):
        return members
    refused = errors_at(ctx, errorcodes.ARG_TYPE, arg)
    take_back_these(ctx, [e for e in refused if " | " in e.message])
    return kept


def _after_loops(ctx: C) -> C:
    """The call with each name that a loop over a tuple of layers just rebound typed as that
    loop's last step gave it (`unroll.py`), not as the union of every step's shape."""
    if not isinstance(ctx.api, TypeChecker):
        return ctx
    types = [list(ts) for ts in ctx.arg_types]
    for i, args in enumerate(ctx.args):
        for j, arg in enumerate(args):
            if isinstance(arg, NameExpr) and isinstance(get_proper_type(types[i][j]), UnionType):
                last = unrolled(ctx.api, ctx.context.line, arg)
                types[i][j] = types[i][j] if last is None else last
    return ctx._replace(arg_types=types)


def _counted(ctx: C, i: int, j: int) -> bool:
    """Whether the union argument is a name's that a loop run a run-time number of times
    rebound (`unroll.counted_at_run_time`): one member that fits is enough."""
    arg = ctx.args[i][j]
    return isinstance(ctx.api, TypeChecker) and counted_at_run_time(ctx.api, ctx.context.line, arg)


def union_callee(ctx: FunctionContext | MethodContext) -> bool:
    """Whether the callee is itself a union member: `layer(h)` in `for layer in (fc1, fc2)`."""
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
    found = None if callee is None or lookup is None else lookup(callee)
    return found is not None and isinstance(get_proper_type(found), UnionType)


# NOTE: the errors of a union callee's member that has fit no argument member yet, by call
# and member: mypy checks a loop's body until its types settle, and reports every pass's errors
_UNFIT: dict[tuple[str, int, int, str], list[Any]] = {}


def _fitting(ctx: C, hook: Callable[[C], Type], calls: list[C]) -> Type:
    """The union of the results of the argument members that fit this callee member.

    NOTE: for `layer(h)` with both rebound in a loop over layers of different widths, which
    `h` meets which `layer` is lost in the two unions: a pairing that does not fit may never
    happen. A callee member is an error only where it fits no argument member in any of
    mypy's passes over the loop (the first pass has only `h`'s type before the loop).
    """
    errors = ctx.api.msg.errors
    infos = errors.error_info_map.setdefault(errors.file, [])
    site: tuple[str, int, int] = (errors.file, ctx.context.line, ctx.context.column)
    key = (*site, str(getattr(ctx, "type", "")))
    # NOTE: held out while the members are tried: `report` says one error per op and line
    held = {id(i) for k, found in _UNFIT.items() if k[:3] == site for i in found}
    infos[:] = [i for i in infos if id(i) not in held]
    results, unfit = [], []
    for one in calls:
        before = len(infos)
        out = hook(one)
        if len(infos) == before:
            results.append(out)
        unfit += infos[before:]
        del infos[before:]
    if results:
        _UNFIT.pop(key, None)
    elif unfit:
        _UNFIT[key] = unfit[:1]
    infos += [i for k, found in _UNFIT.items() if k[:3] == site for i in found]
    return make_simplified_union(results) if results else ctx.default_return_type


def fits(ctx: C, hook: Callable[[C], Type]) -> bool:
    """Whether `hook` gives no error on this call; its errors (and mypy's) are taken back.

    NOTE: `codes.report` puts a shape error straight into the file's list, past any watcher
    """
    errors = ctx.api.msg.errors
    infos = errors.error_info_map.setdefault(errors.file, [])
    before = len(infos)
    with ctx.api.msg.filter_errors() as watcher:
        hook(ctx)
    ok = len(infos) == before and not watcher.has_new_errors()
    del infos[before:]
    return ok


def _product(sizes: list[int]) -> int:
    out = 1
    for n in sizes:
        out *= n
    return out


def forgive_unions(hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """A call hook for a callable whose formals got type variables of their own (`unpinned`,
    a layer's inputs): where a union argument (a name rebound in a loop, fed to a call) could
    not solve them, mypy's `Cannot infer ...` is taken back; the hook, member by member, gives
    the type, as it did before those variables existed."""

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        unions = any(
            isinstance(get_proper_type(t), UnionType) for actual in ctx.arg_types for t in actual
        )
        if unions:
            names = tuple(f'{CANNOT_INFER} "{name}' for name in FRESH)
            take_back(ctx, lambda m: m.startswith(names) or m.startswith(CANNOT_INFER_ANY))
        return out

    return run


def union_math(
    callee: Callable[[FunctionContext | MethodContext], Type | None],
    hook: Callable[[C], Type] | None,
) -> Callable[[C], Type]:
    """A call hook that types a call with a union argument member by member, where mypy could
    not solve the callee's type variables from the union (mypy does this for overloads only).

    `relu(h)` with `h` a name rebound in a loop, `Tensor[tuple[N, 8]] | Tensor[tuple[N, 4]]`,
    against `relu(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]`: the union of both calls' results,
    when every member fits; otherwise mypy's own answer and error stay.
    """

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        at = [
            (i, get_proper_type(actual[0]))
            for i, actual in enumerate(ctx.arg_types)
            if len(actual) == 1 and isinstance(get_proper_type(actual[0]), UnionType)
        ]
        if len(at) != 1 or not isinstance(ctx.api, TypeChecker):
            return out
        i, union = at[0]
        assert isinstance(union, UnionType)
        arg = ctx.args[i][0]
        refused = errors_at(ctx, errorcodes.ARG_TYPE, arg)
        unsolved = said(ctx, _cannot_infer)
        if not refused and not unsolved:
            return out
        target = callee(ctx)
        if target is None:
            return out
        last = unrolled(ctx.api, ctx.context.line, arg) if refused else None
        if last is not None:
            # NOTE: a name a loop over a tuple of layers gave: the last layer's shape only
            # (`nn.ReLU()(x)` after it, whose type variables mypy solved from the return's)
            types = [list(actual) for actual in ctx.arg_types]
            types[i] = [last]
            found = check_with(ctx, target, types)
            if found is not None:
                take_back_these(ctx, refused)
                return found
        if not unsolved:
            return out
        # NOTE: `enc(h)` in `for enc in (enc1, enc2): h = pool(enc(h))`: which `h` meets which
        # `enc` is lost in the two unions (`_fitting`), so one member that fits is enough there
        lenient = union_callee(ctx) or counted_at_run_time(ctx.api, ctx.context.line, arg)
        results: list[Type] = []
        for member in union.items:
            types = [list(actual) for actual in ctx.arg_types]
            types[i] = [member]
            found = check_with(ctx, target, types)
            if found is None and not lenient:
                return out
            results += [] if found is None else [found]
        if not results:
            return out
        take_back(ctx, _unsolved)
        return make_simplified_union(results)

    return run


def check_with(
    ctx: FunctionContext | MethodContext, callee: Type, types: list[list[Type]]
) -> Type | None:
    """The call's type with these argument types, or None where mypy finds an error."""
    assert isinstance(ctx.api, TypeChecker)
    args: list[Expression] = []
    kinds, names = [], []
    for i, actual in enumerate(types):
        for j, typ in enumerate(actual):
            args.append(TempNode(typ, context=ctx.context))
            kinds.append(ctx.arg_kinds[i][j])
            names.append(ctx.arg_names[i][j])
    checker = ctx.api.expr_checker
    with ctx.api.msg.filter_errors() as watcher:
        out, _ = checker.check_call(callee, args, kinds, ctx.context, arg_names=names)
    return None if watcher.has_new_errors() else out


def _cannot_infer(info: Any) -> bool:
    """mypy's error that it cannot infer a type variable."""
    return _unsolved(str(info.message))


def _unsolved(message: str) -> bool:
    """A message of mypy's that it could not solve a type variable from a union: it cannot
    infer it, or it joined the members' solutions into `object` (`sd.sqrt(v + eps)` with `v`
    a traced or an untraced tensor: `Value of type variable "TT" ... cannot be "object"`)."""
    if message.startswith((CANNOT_INFER, CANNOT_INFER_ANY)):
        return True
    return message.startswith("Value of type variable") and message.endswith('cannot be "object"')
