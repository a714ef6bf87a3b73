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

import operator
from collections.abc import Callable

from mypy.checker import TypeChecker
from mypy.nodes import (
    Block,
    CallExpr,
    ComparisonExpr,
    Context,
    Expression,
    IfStmt,
    IntExpr,
    MemberExpr,
    NameExpr,
    UnaryExpr,
)
from mypy.types import Instance, LiteralType, TupleType, Type, UnpackType, get_proper_type

from shapedl_mypy.convert import tensor_parts
from shapedl_mypy.hooks.statements import statements

__all__ = ["decided", "excluded", "never_runs", "size_test"]

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


# ---- a union's member that a rank test on its name leaves out ---------------------------
def excluded(checker: TypeChecker, name: NameExpr, member: Type, context: Context) -> bool:
    """Whether the branch `context` is in runs only for ranks `member` does not have, by the
    tests of `name`'s rank around it (`if mask.dim() == 3: ... elif mask.dim() == 2: ...`,
    PyTorch's spelling, which mypy's narrowing does not read, as it reads `mask.ndim == 3`)."""
    rank = _rank(member)
    if rank is None or name.node is None:
        return False
    for stmt in statements(checker.tree.defs):
        if not isinstance(stmt, IfStmt) or len(stmt.expr) != 1:
            continue
        inside = _within(stmt.body[0], context)
        if not inside and not (stmt.else_body is not None and _within(stmt.else_body, context)):
            continue
        value = _rank_test_of(stmt.expr[0], name, rank)
        if value is not None and value != inside:
            return True
    return False


_TESTS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _rank_test_of(test: Expression, name: NameExpr, rank: int) -> bool | None:
    """The value of `test` for a `name` of rank `rank`, where `test` compares `name`'s rank
    with an int (`name.ndim`, `name.dim()`, `len(name.shape)`, `len(name.size())`)."""
    if isinstance(test, UnaryExpr) and test.op == "not":
        inner = _rank_test_of(test.expr, name, rank)
        return None if inner is None else not inner
    if not isinstance(test, ComparisonExpr) or len(test.operators) != 1:
        return None
    (op,), (left, right) = test.operators, test.operands
    if op not in _TESTS:
        return None
    if _is_rank_of(left, name) and (n := _int(right)) is not None:
        return _TESTS[op](rank, n)
    if _is_rank_of(right, name) and (n := _int(left)) is not None:
        return _TESTS[op](n, rank)
    return None


def _is_rank_of(e: Expression, name: NameExpr) -> bool:
    if isinstance(e, CallExpr) and isinstance(e.callee, NameExpr) and len(e.args) == 1:
        if e.callee.fullname != "builtins.len":
            return False
        e = e.args[0]
        if isinstance(e, CallExpr) and not e.args and isinstance(e.callee, MemberExpr):
            return e.callee.name == "size" and _same(e.callee.expr, name)
        return isinstance(e, MemberExpr) and e.name == "shape" and _same(e.expr, name)
    if isinstance(e, CallExpr) and not e.args and isinstance(e.callee, MemberExpr):
        return e.callee.name == "dim" and _same(e.callee.expr, name)
    return isinstance(e, MemberExpr) and e.name == "ndim" and _same(e.expr, name)


def _same(e: Expression, name: NameExpr) -> bool:
    return isinstance(e, NameExpr) and e.node is not None and e.node is name.node


def _rank(typ: Type) -> int | None:
    parts = tensor_parts(typ)
    s = None if parts is None else get_proper_type(parts[0])
    if not isinstance(s, TupleType) or any(
        isinstance(get_proper_type(i), UnpackType) for i in s.items
    ):
        return None
    return len(s.items)
