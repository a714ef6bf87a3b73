"""Lists that collect a loop's tensors of changing sizes: `Dyn` where their sizes differ.

A U-Net keeps its skips as PyTorch code does: `skips = []`, then in the loop over the down
blocks `skips.append(x)` and `x = down(pool(x))`. mypy gives `skips` the type of the first
`x` it appends (`list[Tensor[tuple[B, 4, 16, 16]]]`), and every later pass over the loop, where
`x` is a union of the sizes it takes, was a false `[arg-type]` error at `append`. Here such a
list's type is widened to one tensor type, `Dyn` where the sizes differ, and the error taken
back; a tensor of another rank, dtype or tape keeps the error (a list of things that differ in
more than their sizes is a bug more often than a design).
"""

from __future__ import annotations

from mypy import errorcodes
from mypy.binder import CurrentType
from mypy.checker import TypeChecker
from mypy.literals import literal_hash
from mypy.nodes import MemberExpr, NameExpr, Var
from mypy.plugin import MethodContext
from mypy.types import Instance, TupleType, Type, TypeVarType, UnionType, get_proper_type

from shapedl_mypy.codes import take_back_at
from shapedl_mypy.convert import any_type, tensor_parts

__all__ = ["append_hook", "joined"]


def append_hook(ctx: MethodContext) -> Type:
    """`xs.append(x)` (and `xs.insert(i, x)`) on a list of tensors."""
    receiver = get_proper_type(ctx.type)
    if not isinstance(receiver, Instance) or not receiver.args or not ctx.args[-1]:
        return ctx.default_return_type
    arg, actual = ctx.args[-1][0], ctx.arg_types[-1][0]
    wide = joined([receiver.args[0], actual])
    var = _variable(ctx)
    if wide is None or var is None:
        return ctx.default_return_type
    if wide != get_proper_type(receiver.args[0]):
        var.type = receiver.copy_modified(args=[wide])
        _rebind(ctx, var.type)
    take_back_at(ctx, errorcodes.ARG_TYPE, arg)
    return ctx.default_return_type


def _rebind(ctx: MethodContext, typ: Type) -> None:
    """The widened type for the list's name wherever mypy's binder holds one, so that later
    reads (`skips.pop()` after the loop) see it.

    NOTE: with `allow_redefinition_new` the binder keeps the type a name got at its first
    assignment, in the frames it was narrowed in, and a loop's frames are joined from those.
    """
    held = getattr(getattr(ctx.context, "callee", None), "expr", None)
    binder = getattr(ctx.api, "binder", None)
    key = None if not isinstance(held, NameExpr) or binder is None else literal_hash(held)
    if key is None or binder is None:
        return
    for frame in binder.frames:
        if key in frame.types:
            frame.types[key] = CurrentType(typ, frame.types[key].from_assignment)
    if key in binder.declarations:
        binder.declarations[key] = typ


def _variable(ctx: MethodContext) -> Var | None:
    """The variable (or attribute) that holds the list, where mypy inferred its type."""
    callee = getattr(ctx.context, "callee", None)
    held = callee.expr if isinstance(callee, MemberExpr) else None
    var = held.node if isinstance(held, NameExpr) else None
    if isinstance(held, MemberExpr) and isinstance(ctx.api, TypeChecker):
        owner = get_proper_type(ctx.api.lookup_type_or_none(held.expr))
        owner = get_proper_type(owner.upper_bound) if isinstance(owner, TypeVarType) else owner
        sym = owner.type.get(held.name) if isinstance(owner, Instance) else None
        var = None if sym is None else sym.node
        if isinstance(var, Var) and var.explicit_self_type:
            return None
    return var if isinstance(var, Var) and var.is_inferred else None


def joined(types: list[Type]) -> Type | None:
    """One tensor type for all of `types` (and their unions' members), `Dyn` where their sizes
    differ; None where they differ in rank, dtype or tape, or are no tensors."""
    members = [m for t in types for m in _members(t)]
    parts = [tensor_parts(m) for m in members]
    shapes = [get_proper_type(p[0]) if p is not None else None for p in parts]
    rest = {(str(p[1]), str(p[2])) if p is not None else None for p in parts}
    if not members or len(rest) != 1 or None in rest:
        return None
    if not all(isinstance(s, TupleType) for s in shapes):
        return None
    tuples = [s for s in shapes if isinstance(s, TupleType)]
    if len({len(s.items) for s in tuples}) != 1:
        return None
    dims = [
        axis[0] if all(d == axis[0] for d in axis) else any_type()
        for axis in zip(*(s.items for s in tuples), strict=True)
    ]
    first = get_proper_type(members[0])
    assert isinstance(first, Instance)
    return first.copy_modified(args=[tuples[0].copy_modified(items=dims), *first.args[1:]])


def _members(typ: Type) -> list[Type]:
    t = get_proper_type(typ)
    return list(t.items) if isinstance(t, UnionType) else [t]
