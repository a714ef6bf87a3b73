"""Tests of sizes and ranks the types decide, where mypy's narrowing does not read them.

A test of a size the types know (`if x.shape[1] == 1: x = x.squeeze(1)`): `x.shape[1]` is a
`Size[Literal[5]]`, which mypy's narrowing does not read; `decided` gives its value, and
`sizes.size_test_hook` marks the branch the run never takes, as a rank test's is.

A test of the rank (or of a size) of a name whose type is a union of ranks, in a spelling
mypy's narrowing does not read (`if mask.dim() == 3:`, `assert mask.ndim > 2`, `if mask.dim()
== 2: return ...`): `excluded` says which members a call on the name where the test holds
leaves out (`plugin._left_out`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from mypy.checker import TypeChecker
from mypy.nodes import (
    AssertStmt,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ComparisonExpr,
    Context,
    ContinueStmt,
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
    RaiseStmt,
    ReturnStmt,
    SetExpr,
    StarExpr,
    Statement,
    TupleExpr,
    UnaryExpr,
    WhileStmt,
    WithStmt,
)
from mypy.subtypes import is_same_type
from mypy.types import (
    Instance,
    LiteralType,
    TupleType,
    Type,
    UnionType,
    UnpackType,
    get_proper_type,
)

from shapedl_mypy.convert import tensor_parts
from shapedl_mypy.hooks.statements import bodies, statements

__all__ = ["COMPARISONS", "decided", "excluded", "int_display", "rank_of", "rank_read"]

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
    """The size `e` reads (`x.shape[1]`, `x.size(1)`, or a name bound to one: `_, c, _ =
    x.shape`) where its type says it, of a name's tensor: an attribute's (`self.k.shape[1]`,
    a KV cache grown by `concat`) is typed by its first value, which later calls no longer
    have."""
    if not (_read(e) if not isinstance(e, NameExpr) else _kept_size(checker, e)):
        return None
    t = get_proper_type(checker.lookup_type_or_none(e))
    if not (isinstance(t, Instance) and t.type.fullname == SIZE and t.args):
        return None
    value = get_proper_type(t.args[0])
    return value.value if isinstance(value, LiteralType) and isinstance(value.value, int) else None


def _read(e: Expression) -> bool:
    """Whether `e` reads a name's sizes: `x.shape`, `x.shape[1]`, `x.size()`, `x.size(1)`."""
    if isinstance(e, IndexExpr):
        e = e.base
    if isinstance(e, CallExpr) and len(e.args) <= 1 and isinstance(e.callee, MemberExpr):
        return e.callee.name == "size" and isinstance(e.callee.expr, NameExpr)
    return isinstance(e, MemberExpr) and e.name == "shape" and isinstance(e.expr, NameExpr)


def _kept_size(checker: TypeChecker, name: NameExpr) -> bool:
    """Whether every statement that binds `name` in the function around reads it from a
    name's sizes (`c = x.shape[1]`, `b, c, _ = x.shape`)."""
    func = checker.scope.current_function()
    body = checker.tree.defs if func is None else func.body.body
    binds = [s for s in statements(body) if any(_same(t, name) for t in _targets(s))]
    return bool(binds) and all(isinstance(s, AssignmentStmt) and _reads(s.rvalue) for s in binds)


def _reads(e: Expression) -> bool:
    return all(map(_read, e.items)) if isinstance(e, TupleExpr) else _read(e)


# ---- a union's member that the tests of its name around a call leave out ---------------
# NOTE: a test, its value where the call is, and the statements from the test to the call
_Guard = tuple[Expression, bool, list[Statement]]


def excluded(checker: TypeChecker, name: NameExpr, member: Type, context: Context) -> bool:
    """Whether the code at `context` runs only where `name` is not of type `member`, by the
    tests of its rank or of one of its sizes around it, in the spellings mypy's narrowing does
    not read (`mask.dim() == 3`, `mask.ndim > 2`, `out.shape[1] == 1`): in a branch of an
    `if` on the test, after an `assert` of it, after an `if` whose body leaves (`if mask.dim()
    == 2: return ...`), the test kept in a name just before (`is_2d = mask.dim() == 2`)."""
    if name.node is None:
        return False
    # NOTE: the outermost function around only, not the whole module: this runs for each call
    # on a union's member
    outer = next((f for f in checker.scope.stack if isinstance(f, FuncDef)), None)
    body = checker.tree.defs if outer is None else outer.body.body
    if checker.scope.current_function() is not outer and _bound(body, name):
        return False  # NOTE: a closure runs later, where the name may be another tensor
    for stmts in bodies(body):
        for i in range(len(stmts)):
            for test, holds, region in _guards(stmts, i, context):
                value = _value(test, name, member, stmts[:i])
                if value is not None and value != holds and not _rebound(region, name, context):
                    return True
            if _passed_by(checker, stmts, i, name, member, context):
                return True
    return False


def _passed_by(
    checker: TypeChecker, stmts: list[Statement], i: int, name: NameExpr, member: Type, at: Context
) -> bool:
    """Whether `stmts[i]` is an `if` without an `else`, before `at`, whose test `member`
    makes true and whose body rebinds `name` (PyTorch's unbatched input: `if x.dim() == 2: x
    = x.unsqueeze(0)`): after it, a tensor of that type went through the body and is now what
    the body gave, so `member` is left only where the body itself gives it."""
    stmt, after = stmts[i], stmts[i + 1 :]
    if not isinstance(stmt, IfStmt) or len(stmt.expr) != 1 or stmt.else_body is not None:
        return False
    body = stmt.body[0]
    if _leaves(body) or not _inside(after, at) or _rebound(after, name, at):
        return False
    given = [s for s in body.body if isinstance(s, AssignmentStmt) and _assigns(s, name)]
    if not given or _value(stmt.expr[0], name, member, stmts[:i]) is not True:
        return False
    kept = [checker.lookup_type_or_none(s.rvalue) for s in given]
    return not any(k is None or _has(k, member) for k in kept)


def _assigns(stmt: AssignmentStmt, name: NameExpr) -> bool:
    return len(stmt.lvalues) == 1 and _same(stmt.lvalues[0], name)


def _has(typ: Type, member: Type) -> bool:
    """Whether `typ` is `member` or a union with it."""
    t = get_proper_type(typ)
    items = t.relevant_items() if isinstance(t, UnionType) else [t]
    return any(is_same_type(i, member) for i in items)


def sized(checker: TypeChecker, name: NameExpr, typ: Type, context: Context) -> Type:
    """`typ` with the sizes that the tests of `name`'s sizes around `context` fix: `(B, C)` is
    `(B, 1)` under `if x.shape[-1] == 1:` (or in the `else` of `!=`), where the run has C
    == 1, so `x = x.squeeze(-1)` there drops an axis of size 1."""
    t, parts = get_proper_type(typ), tensor_parts(typ)
    shape = None if parts is None else get_proper_type(parts[0])
    if not isinstance(t, Instance) or not isinstance(shape, TupleType) or name.node is None:
        return typ
    if any(isinstance(i, UnpackType) for i in shape.items):
        return typ
    items = list(shape.items)
    outer = next((f for f in checker.scope.stack if isinstance(f, FuncDef)), None)
    for stmts in bodies(checker.tree.defs if outer is None else outer.body.body):
        for i in range(len(stmts)):
            for test, holds, region in _guards(stmts, i, context):
                fixed = _fixed_size(test, name, len(items), stmts[:i])
                if fixed is None or fixed[2] != holds or _rebound(region, name, context):
                    continue
                axis, n, _ = fixed
                if not isinstance(get_proper_type(items[axis]), LiteralType):
                    items[axis] = LiteralType(n, checker.named_type("builtins.int"))
    if items == list(shape.items):
        return typ
    return t.copy_modified(args=[shape.copy_modified(items=items), *t.args[1:]])


def _fixed_size(
    test: Expression, name: NameExpr, rank: int, earlier: list[Statement]
) -> tuple[int, int, bool] | None:
    """The axis and size a comparison `name.shape[i] == n` (or `!=`, or `name.size(i)`, or a
    size read into a name just before: `_, c = name.shape`, then `c == 1`) speaks of, and
    whether it is `==`."""
    if not isinstance(test, ComparisonExpr) or test.operators not in (["=="], ["!="]):
        return None
    left, right = test.operands
    axis, n = _read_axis(left, name, rank, earlier), _int(right)
    if axis is None or n is None:
        axis, n = _read_axis(right, name, rank, earlier), _int(left)
    if axis is None or n is None or not -rank <= axis < rank:
        return None
    return axis % rank, n, test.operators == ["=="]


def _read_axis(e: Expression, name: NameExpr, rank: int, earlier: list[Statement]) -> int | None:
    """The axis of `name` whose size `e` reads: `_axis`'s, or that of a name the statements
    `earlier` last bound to it (`c = name.size(1)`, `_, c = name.shape`), `name` not rebound
    after."""
    axis = _axis(e, name)
    if axis is not None or not isinstance(e, NameExpr):
        return axis
    stmt = _last(e, name, earlier)
    if stmt is None:
        return None
    target, value = stmt.lvalues[0], stmt.rvalue
    if _same(target, e):
        return _axis(value, name)
    shape = isinstance(value, MemberExpr) and value.name == "shape" and _same(value.expr, name)
    if isinstance(target, TupleExpr) and shape and len(target.items) == rank:
        return next((k for k, t in enumerate(target.items) if _same(t, e)), None)
    return None


def _guards(stmts: list[Statement], i: int, context: Context) -> list[_Guard]:
    """The test `stmts[i]` makes hold at `context`: an `if`'s in its branches, and after it
    where one branch leaves; an `assert`'s after it."""
    stmt, after = stmts[i], stmts[i + 1 :]
    later = _inside(after, context)
    if isinstance(stmt, AssertStmt):
        return [(stmt.expr, True, after)] if later else []
    if not isinstance(stmt, IfStmt) or len(stmt.expr) != 1:
        return []
    test, body, orelse = stmt.expr[0], stmt.body[0], stmt.else_body
    if _inside(body.body, context):
        return [(test, True, body.body)]
    if orelse is not None and _inside(orelse.body, context):
        return [(test, False, orelse.body)]
    if later and _leaves(body) != _leaves(orelse):
        return [(test, _leaves(orelse), after)]
    return []


def _leaves(block: Block | None) -> bool:
    """Whether the block ends by leaving the statements it sits in."""
    last = block.body[-1] if block is not None and block.body else None
    return isinstance(last, ReturnStmt | RaiseStmt | BreakStmt | ContinueStmt)


def _rebound(region: list[Statement], name: NameExpr, context: Context) -> bool:
    """Whether `name` may be rebound between the start of `region` and `context`, so that its
    type there says nothing of the tested tensor: by a statement before `context`, a `for` or
    `with` around it, or any statement of a loop around it (its next round)."""
    at = _start(context)
    for stmt in statements(region):
        around = _start(stmt) <= at <= _end(stmt)
        binds = any(_same(t, name) for t in _targets(stmt))
        if binds and (_end(stmt) <= at or around and isinstance(stmt, ForStmt | WithStmt)):
            return True
        if around and isinstance(stmt, ForStmt | WhileStmt) and _bound(stmt.body.body, name):
            return True
    return False


def _bound(body: list[Statement], name: NameExpr) -> bool:
    return any(_same(t, name) for s in statements(body) for t in _targets(s))


def _inside(stmts: list[Statement], context: Context) -> bool:
    return bool(stmts) and _start(stmts[0]) <= _start(context) <= _end(stmts[-1])


def _start(node: Context) -> tuple[int, int]:
    return node.line, node.column


def _end(node: Context) -> tuple[int, int]:
    # NOTE: a node mypy made has no end: its line, whole
    return node.end_line or node.line, node.end_column if node.end_column is not None else 1 << 30


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


def _value(test: Expression, name: NameExpr, member: Type, earlier: list[Statement]) -> bool | None:
    """The value of `test` for a `name` of type `member`, where `test` compares `name`'s rank
    or one of its sizes with an int, negated or not, or is a name that `earlier` (the
    statements before the test) last bound to such a comparison of the same tensor."""
    if isinstance(test, UnaryExpr) and test.op == "not":
        inner = _value(test.expr, name, member, earlier)
        return None if inner is None else not inner
    if isinstance(test, NameExpr):
        kept = _kept(test, name, earlier)
        return None if kept is None else _value(kept, name, member, [])
    rank = rank_of(member)
    if rank is not None and (found := _rank_test_of(test, name, rank)) is not None:
        return found
    return _size_test_of(test, name, member)


def _kept(flag: NameExpr, name: NameExpr, earlier: list[Statement]) -> Expression | None:
    """The test `flag` holds: the value of the assignment in `earlier` that bound it last,
    where `name` is not rebound after it."""
    stmt = _last(flag, name, earlier)
    return None if stmt is None or not _same(stmt.lvalues[0], flag) else stmt.rvalue


def _last(bound: NameExpr, name: NameExpr, earlier: list[Statement]) -> AssignmentStmt | None:
    """The statement of `earlier` that bound `bound` last, where it is an assignment to one
    target (a name or a tuple) and `name` is not rebound after it; None otherwise."""
    for n in range(len(earlier) - 1, -1, -1):
        stmt = earlier[n]
        if not _bound([stmt], bound):
            continue
        if isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1:
            return None if _bound(earlier[n + 1 :], name) else stmt
        return None
    return None


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
    (`name.ndim`, `name.dim()`, `len(name.shape)`, `len(name.size())`) with an int, or looks
    it up in a display of ints (`name.ndim in (3, 4)`)."""
    if not isinstance(test, ComparisonExpr) or len(test.operators) != 1:
        return None
    (op,), (left, right) = test.operators, test.operands
    if op in ("in", "not in"):
        ints = int_display(right)
        found = None if ints is None or not _same(rank_read(left), name) else rank in ints
        return None if found is None else found == (op == "in")
    if op not in COMPARISONS:
        return None
    if _same(rank_read(left), name) and (n := _int(right)) is not None:
        return COMPARISONS[op](rank, n)
    if _same(rank_read(right), name) and (n := _int(left)) is not None:
        return COMPARISONS[op](n, rank)
    return None


def int_display(e: Expression) -> set[int] | None:
    """The ints of a tuple, list or set display of int literals (`(3, 4)`), else None."""
    if not isinstance(e, TupleExpr | ListExpr | SetExpr):
        return None
    ints = [_int(i) for i in e.items]
    return None if None in ints else {n for n in ints if n is not None}


def _size_test_of(test: Expression, name: NameExpr, member: Type) -> bool | None:
    """The value of `test` for a `name` of type `member`, where `test` compares one of its
    sizes (`name.shape[1]`, `name.size(-1)`) with an int by `==` or `!=`, and `member` says
    that size."""
    if not isinstance(test, ComparisonExpr) or test.operators not in (["=="], ["!="]):
        return None
    left, right = test.operands
    axis, n = _axis(left, name), _int(right)
    if axis is None or n is None:
        axis, n = _axis(right, name), _int(left)
    parts = tensor_parts(member)
    shape = None if parts is None else get_proper_type(parts[0])
    if axis is None or n is None or not isinstance(shape, TupleType) or rank_of(member) is None:
        return None
    if not -len(shape.items) <= axis < len(shape.items):
        return None
    size = get_proper_type(shape.items[axis])
    if not isinstance(size, LiteralType) or type(size.value) is not int:
        return None
    return (size.value == n) == (test.operators == ["=="])


def _axis(e: Expression, name: NameExpr) -> int | None:
    """The axis of `name` that `e` reads the size of: `name.shape[i]` or `name.size(i)`."""
    if isinstance(e, IndexExpr) and isinstance(e.base, MemberExpr) and e.base.name == "shape":
        return _int(e.index) if _same(e.base.expr, name) else None
    if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr) and len(e.args) == 1:
        return _int(e.args[0]) if e.callee.name == "size" and _same(e.callee.expr, name) else None
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
