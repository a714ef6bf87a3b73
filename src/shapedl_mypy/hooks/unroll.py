"""A name rebound in a loop over a tuple of layers, typed by running the loop once per layer.

`for layer in (self.fc1, self.fc2): x = layer(x)`, then `return x`: mypy types `x` as the
union of every shape it takes (`784 | 128 | 10`), each layer seeing the union. The tuple is
fixed and the loop has no `break`, so after it `x` is what the last layer gave: the error
filter (`stale.py`) asks `unrolled` for that type, checking the body once per item in order
(mypy's binder holding the item and the names the body assigned), and takes back a
`[return-value]` or `[assignment]` that type fits. A step that is itself wrong (a width that
fits no layer) leaves the error as it was.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    ComparisonExpr,
    Expression,
    ExpressionStmt,
    ForStmt,
    IfStmt,
    IndexExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    ReturnStmt,
    Statement,
    TupleExpr,
    WhileStmt,
)
from mypy.typeops import make_simplified_union
from mypy.types import Instance, TupleType, Type, UnionType, get_proper_type

from shapedl_mypy.convert import MODULE
from shapedl_mypy.hooks.statements import bodies, statements

__all__ = ["counted_at_run_time", "unrolled"]


def unrolled(
    checker: TypeChecker, stmt: Statement | int, expr: object, depth: int = 0
) -> Type | None:
    """The type of `expr` just after the loop over a tuple that precedes `stmt` (or the simple
    statement on that line) and rebinds the name it reads (`x`, `x.relu()`, `x + 1`, or `out`
    given as `out = x.relu()` after the loop), or None where there is no such loop (or its body
    is more than assignments)."""
    if depth > _MAX_ALIASES:
        return None
    if isinstance(expr, Expression) and not isinstance(expr, NameExpr):
        root = _read(expr)
        last = None if root is None else unrolled(checker, stmt, root, depth + 1)
        return None if root is None or last is None else _evaluate(checker, expr, root, last)
    if not isinstance(expr, NameExpr):
        return None
    loop = _loop_or_source(checker, stmt, expr)
    if isinstance(loop, tuple):
        given = loop[0].rvalue
        return unrolled(checker, loop[0], given, depth + 1) if loop[1] else None
    if not isinstance(loop, ForStmt) or not isinstance(loop.index, NameExpr) or loop.else_body:
        return None
    steps = [s for s in loop.body.body if isinstance(s, AssignmentStmt)]
    if len(steps) != len(loop.body.body) or not all(_simple(s) for s in steps):
        return None
    if not any(_name(s).node is expr.node for s in steps):
        return None
    items = get_proper_type(checker.lookup_type_or_none(loop.expr))
    if not isinstance(items, TupleType) or not items.items:
        return None
    start = _before(checker, expr, steps)
    return None if start is None else _run(checker, loop.index, items.items, steps, expr, start)


def counted_at_run_time(
    checker: TypeChecker, stmt: Statement | int, expr: Expression, depth: int = 0
) -> bool:
    """Whether `expr` (or the name it is read from: `x` of `x.flatten(1)`) was last rebound
    before `stmt` by a `while` loop or a `for` loop over no fixed tuple.

    How many times such a loop ran is known at run time only (`while x.shape[-1] > 4: x =
    pool(x)`), so any member of the union mypy gives the name may be the one the run has: a
    call is right if it fits one of them (the runtime checks which), wrong if it fits none.

    A name given from such a name after the loop (`flat = x.flatten(1)`, `y = x`, `y =
    pool(x)`) is counted too: its union has a member per member of the name it came from; so
    is an operator's (`out * 2`).
    """
    if _configured(checker, expr):
        return True
    name = _read(expr)
    found = None if name is None else _loop_or_source(checker, stmt, name)
    if name is None or found is None:
        return False
    if isinstance(found, IfStmt):
        return True
    if isinstance(found, ForStmt | WhileStmt):
        return _counted(checker, found, name)
    given, sources = found
    if _configured(checker, given.rvalue):
        return True
    return depth < _MAX_ALIASES and any(
        counted_at_run_time(checker, given, n, depth + 1) for n in sources
    )


def _configured(checker: TypeChecker, expr: Expression) -> bool:
    """Whether `expr` reads the result of a part the model's configuration chose: a call of
    an attribute or name typed as a union of modules (`self.proj = nn.Linear(c, d) if c != d
    else nn.Identity()`, ResNet's `self.shortcut` made a convolution or an `Identity` by the
    stride), or a tensor method or operator on one's result (`self.proj(x).relu() * 2`).

    As with an optional part (`_optional_part`), which member the run has was fixed when
    `__init__` made the part where the shapes need it, which no type says: one member that
    fits is enough. A loop's index (`for layer in (fc1, fc2)`) is not a part: the loop is
    typed step by step (`unrolled`).
    """
    if isinstance(expr, OpExpr):
        return _configured(checker, expr.left) or _configured(checker, expr.right)
    if not isinstance(expr, CallExpr):
        return False
    callee = expr.callee
    if isinstance(callee, MemberExpr) and _configured(checker, callee.expr):
        return True
    if not isinstance(callee, MemberExpr | NameExpr):
        return False
    union = get_proper_type(checker.lookup_type_or_none(callee))
    if not isinstance(union, UnionType):
        return False
    members = [get_proper_type(m) for m in union.relevant_items()]
    modules = len(members) > 1 and all(
        isinstance(m, Instance) and m.type.has_base(MODULE) for m in members
    )
    # NOTE: the module's loops are walked last, only for a union of modules
    return modules and not _loop_index(checker, callee)


def _loop_index(checker: TypeChecker, callee: MemberExpr | NameExpr) -> bool:
    if not isinstance(callee, NameExpr):
        return False
    return any(
        isinstance(s, ForStmt) and _binds(s.index, callee) for s in statements(checker.tree.defs)
    )


def _binds(target: Expression, name: NameExpr) -> bool:
    if isinstance(target, TupleExpr):
        return any(_binds(t, name) for t in target.items)
    return isinstance(target, NameExpr) and target.node is name.node


# NOTE: how far back `counted_at_run_time` follows names given from names (`y = x`, `z = f(y)`)
_MAX_ALIASES = 8


def _counted(checker: TypeChecker, loop: ForStmt | WhileStmt, name: NameExpr) -> bool:
    if isinstance(loop, ForStmt):
        if isinstance(get_proper_type(checker.lookup_type_or_none(loop.expr)), TupleType):
            return False
    return any(_assigns(s, name) for s in statements(loop.body.body))


def _optional_part(stmt: IfStmt, name: NameExpr) -> bool:
    """Whether `stmt` is `if X is not None:` (or `is None`), with no `else`, rebinding `name`:
    an optional part of a model, torchvision's `if self.downsample is not None: identity =
    self.downsample(x)`. Which way it goes is the model's configuration, fixed per instance at
    run time: `__init__` made the part where the shapes need it, which no type says, so one
    member of the name's union that fits is enough (a configuration that has none is caught at
    its first call)."""
    if len(stmt.expr) != 1 or stmt.else_body is not None:
        return False
    test = stmt.expr[0]
    if not isinstance(test, ComparisonExpr) or test.operators not in (["is not"], ["is"]):
        return False
    none = any(isinstance(o, NameExpr) and o.name == "None" for o in test.operands)
    return none and any(_assigns(s, name) for s in statements(stmt.body[0].body))


def _loop_or_source(
    checker: TypeChecker, stmt: Statement | int, name: NameExpr
) -> ForStmt | WhileStmt | IfStmt | tuple[AssignmentStmt, list[NameExpr]] | None:
    """The loop that last rebound `name` before `stmt`, in the same block, with only simple
    statements between them; or instead the simple assignment that last gave `name`, with the
    names its value is read from: the root of `x.flatten(1)`, or those of a call's receiver
    and arguments (`pool(x)`, `self.fc(x)`)."""
    for body in bodies(checker.tree.defs):
        for at, this in enumerate(body):
            if this is stmt or (isinstance(stmt, int) and _on(this, stmt)):
                for prev in reversed(body[:at]):
                    if isinstance(prev, ForStmt | WhileStmt):
                        return prev
                    if isinstance(prev, IfStmt) and _optional_part(prev, name):
                        return prev
                    if not _on(prev, prev.line) or _updates(prev, name):
                        return None
                    if isinstance(prev, AssignmentStmt) and _assigns(prev, name):
                        return (prev, _sources(prev.rvalue)) if len(prev.lvalues) == 1 else None
                return None
    return None


def _sources(expr: Expression) -> list[NameExpr]:
    """The names a value is read from: its root, or a call's receiver's and arguments'."""
    if not isinstance(expr, CallExpr):
        root = _root(expr)
        return [] if root is None else [root]
    callee = expr.callee.expr if isinstance(expr.callee, MemberExpr) else None
    roots = [_root(e) for e in ([callee] if callee is not None else []) + list(expr.args)]
    return [r for r in roots if r is not None]


def _read(expr: Expression) -> NameExpr | None:
    """The name an expression's value comes from: `_root`'s, or an operator's left operand's
    (`x.relu() * 2 + 1`), else its right one's (`1 - x`), or a tuple's first item's that has
    one (`return x, x.relu()`)."""
    if isinstance(expr, OpExpr):
        return _read(expr.left) or _read(expr.right)
    if isinstance(expr, TupleExpr):
        return next((n for n in map(_read, expr.items) if n is not None), None)
    return _root(expr)


def _root(expr: Expression) -> NameExpr | None:
    """The name an expression reads its tensor from: `x` of `x`, `x.mT`, `x[0]`, `x.sum(1)`."""
    if isinstance(expr, CallExpr) and isinstance(expr.callee, MemberExpr):
        return _root(expr.callee.expr)
    if isinstance(expr, MemberExpr):
        return _root(expr.expr)
    if isinstance(expr, IndexExpr):
        return _root(expr.base)
    return expr if isinstance(expr, NameExpr) else None


def _assigns(stmt: Statement, name: NameExpr) -> bool:
    if not isinstance(stmt, AssignmentStmt):
        return False
    return any(isinstance(lv, NameExpr) and lv.node is name.node for lv in stmt.lvalues)


def _updates(stmt: Statement, name: NameExpr) -> bool:
    """Whether `stmt` is an augmented assignment to `name` (`out += identity`)."""
    if not isinstance(stmt, OperatorAssignmentStmt):
        return False
    return isinstance(stmt.lvalue, NameExpr) and stmt.lvalue.node is name.node


def _on(stmt: Statement, line: int) -> bool:
    """Whether `stmt` is a simple statement (no block of its own) that spans `line`."""
    simple = isinstance(stmt, AssignmentStmt | OperatorAssignmentStmt | ReturnStmt | ExpressionStmt)
    return simple and stmt.line <= line <= (stmt.end_line or stmt.line)


def _simple(stmt: AssignmentStmt) -> bool:
    return len(stmt.lvalues) == 1 and isinstance(stmt.lvalues[0], NameExpr)


def _name(stmt: AssignmentStmt) -> NameExpr:
    lvalue = stmt.lvalues[0]
    assert isinstance(lvalue, NameExpr)
    return lvalue


def _before(checker: TypeChecker, expr: NameExpr, steps: list[AssignmentStmt]) -> Type | None:
    """The name's type before the loop: the members of its type after the loop that no
    assignment in the body gave (None where there are none, or no union to take them from)."""
    # NOTE: the binder's where the type is not stored yet: an item of a display being checked
    after = get_proper_type(checker.lookup_type_or_none(expr) or checker.binder.get(expr))
    if not isinstance(after, UnionType):
        return None
    given: list[Type] = []
    for s in steps:
        t = checker.lookup_type_or_none(s.rvalue)
        if _name(s).node is expr.node and t is not None:
            p = get_proper_type(t)
            given += p.items if isinstance(p, UnionType) else [p]
    left = [m for m in after.items if m not in given]
    return make_simplified_union(left) if left else None


def _evaluate(checker: TypeChecker, expr: Expression, name: NameExpr, given: Type) -> Type | None:
    """The type of `expr` where `name` has the type `given`; None where that is an error."""
    checker._type_maps.append({})  # NOTE: as in `_run`
    try:
        with checker.msg.filter_errors() as watcher, checker.binder.frame_context(can_skip=True):
            checker.binder.put(name, given)
            out = checker.expr_checker.accept(expr)
    finally:
        checker._type_maps.pop()
    return None if watcher.has_new_errors() else out


def _run(
    checker: TypeChecker,
    index: NameExpr,
    items: list[Type],
    steps: list[AssignmentStmt],
    expr: NameExpr,
    start: Type,
) -> Type | None:
    binder = checker.binder
    # NOTE: a map of its own, so that the types the body had stay what later lookups see
    checker._type_maps.append({})
    try:
        with checker.msg.filter_errors() as watcher, binder.frame_context(can_skip=True):
            binder.put(expr, start)
            for item in items:
                binder.put(index, item)
                for s in steps:
                    binder.put(_name(s), checker.expr_checker.accept(s.rvalue))
            out = binder.get(expr)
    finally:
        checker._type_maps.pop()
    return None if watcher.has_new_errors() else out
