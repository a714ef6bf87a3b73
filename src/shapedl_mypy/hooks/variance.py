"""The variance of the type variables of a user's module classes (its sizes)."""

from __future__ import annotations

from mypy.nodes import COVARIANT, INVARIANT, ClassDef, Decorator, FuncDef
from mypy.plugin import ClassDefContext
from mypy.types import Instance, TypeVarType, UnboundType, get_proper_type

from shapedl_mypy.hooks.nn import MODULE

__all__ = ["covariant_sizes"]


def covariant_sizes(ctx: ClassDefContext) -> None:
    """A module class's type variables of sizes are covariant, as the library's layers' are.

    NOTE: a module's sizes are fixed when it is built, so `Block[Const[8], Const[16]]` is a
    `Block[Dyn, Dyn]`; and mypy's join of `[Block(8, 16), Block(16, 8)]`, with the variables
    invariant (the default of `TypeVar`), is `object`, so `for blk in blocks: h = blk(h)` was
    an `"object" not callable` error. A variable that a method takes bare (`def f(self, d: D)`)
    stays as written: mypy does not allow a covariant one there.
    """
    info = ctx.cls.info
    if not info.has_base(MODULE):
        return
    bare = _bare_parameters(ctx.cls)
    for tv in info.defn.type_vars:
        bound = get_proper_type(tv.upper_bound) if isinstance(tv, TypeVarType) else None
        sizes = isinstance(bound, Instance) and bound.type.fullname == "builtins.int"
        if isinstance(tv, TypeVarType) and sizes and tv.variance == INVARIANT:
            tv.variance = INVARIANT if tv.name in bare else COVARIANT


def _bare_parameters(defn: ClassDef) -> set[str]:
    """The names written bare as the type of a method's parameter (not `__init__`'s)."""
    out: set[str] = set()
    for stmt in defn.defs.body:
        func = stmt.func if isinstance(stmt, Decorator) else stmt
        if not isinstance(func, FuncDef) or func.name == "__init__":
            continue
        for arg in func.arguments:
            t = arg.type_annotation
            if isinstance(t, UnboundType) and not t.args:
                out.add(t.name.rpartition(".")[2])
            elif isinstance(t, TypeVarType):
                out.add(t.name)
    return out
