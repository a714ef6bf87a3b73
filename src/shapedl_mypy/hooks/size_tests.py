"""A test of a size the types know (`if x.shape[1] == 1: x = x.squeeze(1)`), decided.

Code written for several shapes tests a size and adapts the tensor; for a tensor whose type
says the size, one branch never runs. mypy decides a rank test (`x.ndim` is a literal) but
not a size test (`x.shape[1]` is a `Size[Literal[5]]`, which mypy's narrowing does not read),
so it checked the branch that never runs (a `[shape]` error there), and after the `if` the
name is a union of what each branch left. Here the plugin decides it: no `[shape]` error in
the branch that never runs (`codes.report` asks `never_runs`), and after an `if` without an
`else` that rebinds the name, a call fits where one member of its union does
(`unroll.counted_at_run_time` asks `size_test`).
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import Block, ComparisonExpr, Context, Expression, IfStmt, IntExpr, UnaryExpr
from mypy.types import Instance, LiteralType, get_proper_type

from shapedl_mypy.hooks.statements import statements

__all__ = ["decided", "never_runs", "size_test"]

SIZE = "shapedl.types.Size"


def decided(checker: TypeChecker, test: Expression) -> bool | None:
    """The value of `size == n` or `size != n` (either side), where the size's type says it
    (`Size[Literal[5]]`: `x.shape[1]`, `x.size(1)`); None for any other test."""
    if not isinstance(test, ComparisonExpr) or test.operators not in (["=="], ["!="]):
        return None
    left, right = test.operands
    n, size = (_int(right), _size(checker, left))
    if n is None or size is None:
        n, size = _int(left), _size(checker, right)
    if n is None or size is None:
        return None
    return (size == n) == (test.operators == ["=="])


def _int(e: Expression) -> int | None:
    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, UnaryExpr) and e.op == "-" and isinstance(e.expr, IntExpr):
        return -e.expr.value
    return None


def _size(checker: TypeChecker, e: Expression) -> int | None:
    t = get_proper_type(checker.lookup_type_or_none(e))
    if not (isinstance(t, Instance) and t.type.fullname == SIZE and t.args):
        return None
    value = get_proper_type(t.args[0])
    return value.value if isinstance(value, LiteralType) and isinstance(value.value, int) else None


def never_runs(checker: TypeChecker, context: Context) -> bool:
    """Whether `context` is in a branch of an `if` that a decided size test never takes."""
    for stmt in statements(checker.tree.defs):
        if not isinstance(stmt, IfStmt) or len(stmt.expr) != 1:
            continue
        value = decided(checker, stmt.expr[0])
        if value is None:
            continue
        branch = stmt.else_body if value else stmt.body[0]
        if branch is not None and _within(branch, context):
            return True
    return False


def _within(block: Block, context: Context) -> bool:
    if not block.body:
        return False
    first, last = block.body[0], block.body[-1]
    return first.line <= context.line <= (last.end_line or last.line)


def size_test(checker: TypeChecker, stmt: IfStmt) -> bool:
    """Whether `stmt` is an `if` on a decided size test, without an `else`."""
    return (
        len(stmt.expr) == 1
        and stmt.else_body is None
        and decided(checker, stmt.expr[0]) is not None
    )
