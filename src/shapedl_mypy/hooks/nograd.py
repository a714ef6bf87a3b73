"""Results inside `with sd.no_grad():`, or in a function decorated `@sd.no_grad()`, are
untraced, as at run time: no op records there, so the running statistics a typed BatchNorm
updates from a traced batch (`self.mean = 0.9 * self.mean + 0.1 * x.mean(0)`) keep their
`NoTape` type, and a loss computed there is a `[tape]` error at its `backward()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.checker import TypeChecker
from mypy.nodes import (
    CallExpr,
    Context,
    Decorator,
    Expression,
    MypyFile,
    OperatorAssignmentStmt,
    OpExpr,
    RefExpr,
    WithStmt,
)
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import Instance, Type, UnionType, get_proper_type

from shapedl_mypy.convert import TENSOR, TYPES, checker_named, tensor_parts
from shapedl_mypy.hooks.statements import statements

__all__ = ["untraced_inside"]

C = TypeVar("C", FunctionContext, MethodContext)

# NOTE: what keeps its tape under no_grad: making a traced leaf is no op
_KEEPS = ("traced", "realize")

# NOTE: the file being checked and its spans (mypy checks one file at a time)
_last: list[tuple[MypyFile, list[tuple[int, int]], set[int]]] = []


def untraced_inside(fullname: str, hook: Callable[[C], Type] | None) -> Callable[[C], Type] | None:
    """`hook` (or mypy's own call), whose tensor result is untraced inside `no_grad`."""
    if hook is None or fullname.rpartition(".")[2] in _KEEPS:
        return hook

    def run(ctx: C) -> Type:
        found = hook(ctx)
        if not isinstance(ctx.api, TypeChecker) or not _inside(ctx.api, ctx.context):
            return found
        return _untraced(ctx, found)

    return run


def _inside(checker: TypeChecker, context: Context) -> bool:
    tree = checker.tree
    if not _last or _last[0][0] is not tree:
        _last[:] = [(tree, _no_grad_spans(tree), _augmented(tree))]
    if isinstance(context, OpExpr) and id(context.left) in _last[0][2]:
        return False  # NOTE: `w -= lr * g` updates a leaf in place, keeping its tape
    # NOTE: a function (or lambda) defined in the block runs later, outside it
    func = checker.scope.current_function()
    made = -1 if func is None else func.line
    line = context.line
    return any(start <= line <= end and not start <= made <= end for start, end in _last[0][1])


def _augmented(tree: MypyFile) -> set[int]:
    """The targets of `x -= y` statements: mypy checks them as the operator `x - y`."""
    return {id(s.lvalue) for s in statements(tree.defs) if isinstance(s, OperatorAssignmentStmt)}


def _no_grad_spans(tree: MypyFile) -> list[tuple[int, int]]:
    """The lines of the bodies of `with sd.no_grad():` and of functions decorated with it."""
    found: list[tuple[int, int]] = []
    for stmt in statements(tree.defs):
        if isinstance(stmt, WithStmt) and any(_no_grad(e) for e in stmt.expr):
            found.append((stmt.body.line, stmt.body.end_line or stmt.end_line or stmt.line))
        elif isinstance(stmt, Decorator) and any(_no_grad(d) for d in stmt.decorators):
            body = stmt.func.body
            found.append((body.line, body.end_line or stmt.func.end_line or body.line))
    return found


def _no_grad(e: Expression) -> bool:
    """`sd.no_grad()`, `no_grad()`, or (as a decorator) `sd.no_grad`."""
    if isinstance(e, CallExpr):
        e = e.callee
    return isinstance(e, RefExpr) and e.fullname == "shapedl.tape.no_grad"


def _untraced(ctx: FunctionContext | MethodContext, typ: Type) -> Type:
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        return UnionType.make_union([_untraced(ctx, i) for i in t.items], t.line, t.column)
    parts = tensor_parts(t)
    if parts is None or not isinstance(t, Instance) or t.type.fullname != TENSOR:
        return typ
    notape = checker_named(ctx.api)(f"{TYPES}.NoTape", [])
    return t.copy_modified(args=[parts[0], parts[1], notape])
