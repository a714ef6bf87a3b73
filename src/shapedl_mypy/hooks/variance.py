"""The variance of the type variables of a user's module classes (its sizes)."""

from __future__ import annotations

from mypy.nodes import COVARIANT
from mypy.plugin import ClassDefContext
from mypy.types import Instance, TypeVarType, get_proper_type

from shapedl_mypy.hooks.nn import MODULE

__all__ = ["covariant_sizes"]


def covariant_sizes(ctx: ClassDefContext) -> None:
    """A module class's type variables of sizes are covariant, as the library's layers' are.

    NOTE: a module's sizes are fixed when it is built, so `Block[Const[8], Const[16]]` is a
    `Block[Dyn, Dyn]`; and mypy's join of `[Block(8, 16), Block(16, 8)]`, with the variables
    invariant (the default of `TypeVar`), is `object`, so `for blk in blocks: h = blk(h)` was
    an `"object" not callable` error.
    """
    info = ctx.cls.info
    if not info.has_base(MODULE):
        return
    for tv in info.defn.type_vars:
        bound = get_proper_type(tv.upper_bound) if isinstance(tv, TypeVarType) else None
        # NOTE: `Dim` is `int`: a variable of sizes is bound to `int`
        if isinstance(tv, TypeVarType) and isinstance(bound, Instance):
            tv.variance = COVARIANT if bound.type.fullname == "builtins.int" else tv.variance
