"""Tests of sizes and ranks the types decide, where mypy's narrowing does not read them.

A test of a size the types know (`if x.shape[1] == 1: x = x.squeeze(1)`): `x.shape[1]` is a
`Size[Literal[5]]`, which mypy's narrowing does not read; `decided` gives its value, and
`sizes.size_test_hook` marks the branch the run never takes, as a rank test's is.

A rank test of a name whose type is a union of ranks, in PyTorch's spelling (`if
mask.dim() == 3:`, a call mypy's narrowing does not read): `excluded` says which members a
call on the name in that branch leaves out (`plugin._left_out`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from mypy.checker import TypeChecker
from mypy.nodes import (
    AssignmentStmt,
    Block,
    CallExpr,
    ComparisonExpr,
    Context,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    IndexExpr,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    StarExpr,
    Statement,
    TupleExpr,
    UnaryExpr,
    WithStmt,
)
from mypy.types import Instance, LiteralType, TupleType, Type, UnpackType, get_proper_type

from shapedl_mypy.convert import tensor_parts
from shapedl_mypy.hooks.statements import statements

__all__ = ["COMPARISONS", "decided", "excluded", "rank_of", "rank_read"]

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
    """The size `e` reads (`x.shape[1]`, `x.size(1)`) where its type says it, of a name's
    tensor: an attribute's (`self.k.shape[1]`, a KV cache grown by `concat`) is typed by its
    first value, which later calls no longer have."""
    tensor = (
        e.base.expr
        if isinstance(e, IndexExpr) and isinstance(e.base, MemberExpr)
        else e.callee.expr
        if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr)
        else None
    )
    if not isinstance(tensor, NameExpr):
        return None
    t = get_proper_type(checker.lookup_type_or_none(e))
    if not (isinstance(t, Instance) and t.type.fullname == SIZE and t.args):
        return None
    value = get_proper_type(t.args[0])
    return value.value if isinstance(value, LiteralType) and isinstance(value.value, int) else None


def _within(block: Block, context: Context) -> bool:
    if not block.body:
        return False
    first, last = block.body[0], block.body[-1]
    return first.line <= context.line <= (last.end_line or last.line)


# ---- a union's member that a rank test on its name leaves out ---------------------------
def excluded(checker: TypeChecker, name: NameExpr, member: Type, context: Context) -> bool:
    """Whether the branch `context` is in runs only for ranks `member` does not have, by the
    tests of `name`'s rank around it (`if mask.dim() == 3: ... elif mask.dim() == 2: ...`,
    PyTorch's spelling, which mypy's narrowing does not read, as it reads `mask.ndim == 3`)."""
    rank = rank_of(member)
    if rank is None or name.node is None:
        return False
    # NOTE: the outermost function around only, not the whole module: this runs for each call
    # on a union's member
    outer = next((f for f in checker.scope.stack if isinstance(f, FuncDef)), None)
    for stmt in statements(checker.tree.defs if outer is None else outer.body.body):
        if not isinstance(stmt, IfStmt) or len(stmt.expr) != 1:
            continue
        inside = _within(stmt.body[0], context)
        branch = stmt.body[0] if inside else stmt.else_body
        if branch is None or not _within(branch, context):
            continue
        value = _rank_test_of(stmt.expr[0], name, rank)
        if value is not None and value != inside:
            return not _rebound(checker, name)
    return False


def _rebound(checker: TypeChecker, name: NameExpr) -> bool:
    """Whether the function around (or the module) ever rebinds `name`: then its union may
    be another than the one declared, in a loop's next round too, and no member is left out."""
    func = checker.scope.current_function()
    body = checker.tree.defs if func is None else func.body.body
    return any(_same(t, name) for s in statements(body) for t in _targets(s))


def _targets(stmt: Statement) -> list[Expression]:
    """The names a statement binds: assignments (tuple targets too), `for`, `with ... as`
    (not a walrus inside an expression)."""
    found: list[Expression] = []
    if isinstance(stmt, AssignmentStmt):
        found += stmt.lvalues
    elif isinstance(stmt, OperatorAssignmentStmt):
        found.append(stmt.lvalue)
    elif isinstance(stmt, ForStmt):
        found.append(stmt.index)
    elif isinstance(stmt, WithStmt):
        found += [t for t in stmt.target if t is not None]
    out: list[Expression] = []
    while found:
        t = found.pop()
        if isinstance(t, TupleExpr | ListExpr):
            found += t.items
        elif isinstance(t, StarExpr):
            found.append(t.expr)
        else:
            out.append(t)
    return out


# NOTE: the comparisons a rank test is made of (also `sizes.RANK_TESTS`, the hooked ones)
COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def rank_read(e: Expression) -> Expression | None:
    """The expression whose rank `e` reads: `t` of `t.ndim`, `t.dim()`, `len(t.shape)` or
    `len(t.size())`; None for anything else."""
    if isinstance(e, CallExpr) and isinstance(e.callee, NameExpr):
        if e.callee.fullname != "builtins.len" or len(e.args) != 1:
            return None
        shape = e.args[0]
        if isinstance(shape, CallExpr) and not shape.args and isinstance(shape.callee, MemberExpr):
            return shape.callee.expr if shape.callee.name == "size" else None
        return shape.expr if isinstance(shape, MemberExpr) and shape.name == "shape" else None
    if isinstance(e, CallExpr) and not e.args and isinstance(e.callee, MemberExpr):
        return e.callee.expr if e.callee.name == "dim" else None
    return e.expr if isinstance(e, MemberExpr) and e.name == "ndim" else None


def _rank_test_of(test: Expression, name: NameExpr, rank: int) -> bool | None:
    """The value of `test` for a `name` of rank `rank`, where `test` compares `name`'s rank
    with an int (`name.ndim`, `name.dim()`, `len(name.shape)`, `len(name.size())`)."""
    if isinstance(test, UnaryExpr) and test.op == "not":
        inner = _rank_test_of(test.expr, name, rank)
        return None if inner is None else not inner
    if not isinstance(test, ComparisonExpr) or len(test.operators) != 1:
        return None
    (op,), (left, right) = test.operators, test.operands
    if op not in COMPARISONS:
        return None
    if _same(rank_read(left), name) and (n := _int(right)) is not None:
        return COMPARISONS[op](rank, n)
    if _same(rank_read(right), name) and (n := _int(left)) is not None:
        return COMPARISONS[op](n, rank)
    return None


def _same(e: Expression | None, name: NameExpr) -> bool:
    return isinstance(e, NameExpr) and e.node is not None and e.node is name.node


def rank_of(typ: Type) -> int | None:
    """The rank a tensor type says (None for another type, or a shape of unknown length)."""
    parts = tensor_parts(typ)
    s = None if parts is None else get_proper_type(parts[0])
    if not isinstance(s, TupleType) or any(
        isinstance(get_proper_type(i), UnpackType) for i in s.items
    ):
        return None
    return len(s.items)
