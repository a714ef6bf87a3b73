"""`Size[X]` values: `x.shape` names its dims, and int arithmetic on them stays symbolic.

`B, T, C = x.shape` gives `Size[B]`, `Size[T]`, `Size[C]`; `B * T` is `Size[Mul[B, T]]`,
`C // H` is `Size[FloorDiv[C, H]]`, and literal ints fold (`8 * 13 * 13` is `Literal[1352]`).
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.checker import TypeChecker
from mypy.nodes import (
    AssertStmt,
    AssignmentStmt,
    Block,
    CallExpr,
    ComparisonExpr,
    ConditionalExpr,
    Context,
    Expression,
    IfStmt,
    NameExpr,
    Node,
    OpExpr,
    UnaryExpr,
    WhileStmt,
)
from mypy.operators import op_methods
from mypy.plugin import AttributeContext, FunctionContext, MethodContext
from mypy.typeops import make_simplified_union
from mypy.types import (
    Instance,
    LiteralType,
    TupleType,
    Type,
    UnionType,
    UnpackType,
    get_proper_type,
)

from shapedl import dims
from shapedl.dims import Dim
from shapedl_mypy.convert import SIZE, Converter, checker_named, int_dim, tensor_parts
from shapedl_mypy.hooks import size_tests, stale
from shapedl_mypy.hooks.statements import statements

__all__ = [
    "INT_OPS",
    "RANK_METHODS",
    "int_op_hook",
    "rank_hook",
    "rank_test_hook",
    "size_test_hook",
    "root_hook",
    "shape_attribute_hook",
    "size_method_hook",
    "size_new",
]

INT_OPS: dict[str, Callable[[Dim, Dim], Dim]] = {
    "__add__": dims.add,
    "__sub__": dims.sub,
    "__mul__": dims.mul,
    "__floordiv__": dims.floordiv,
}


def int_type(conv: Converter, d: Dim) -> Type | None:
    """The int type that carries the dim `d`: a literal, a `Size[...]`, or None for `DYN`."""
    if isinstance(d, int):
        return conv.named("builtins.int", []).copy_modified(
            last_known_value=LiteralType(d, conv.named("builtins.int", []))
        )
    if d is dims.DYN:
        return None
    return conv.named(SIZE, [conv.dim_type(d)])


def int_op_hook(op: Callable[[Dim, Dim], Dim]) -> Callable[[MethodContext], Type]:
    def hook(ctx: MethodContext) -> Type:
        if len(ctx.arg_types) != 1 or len(ctx.arg_types[0]) != 1:
            return ctx.default_return_type
        conv = Converter(checker_named(ctx.api))
        a = int_dim(conv, ctx.type)
        b = int_dim(conv, ctx.arg_types[0][0])
        if a is None or b is None or (a is dims.DYN and b is dims.DYN):
            return ctx.default_return_type
        return int_type(conv, op(a, b)) or ctx.default_return_type

    return hook


def root_hook(ctx: MethodContext) -> Type:
    """`d ** -0.5` for a size `d` is a float: typeshed's `int ** float` is `Any` (a negative
    base gives a complex), and `x * Any` is `Any`, which `--strict` refuses to return; a
    dimension is never negative."""
    if not ctx.arg_types or len(ctx.arg_types[0]) != 1 or any(ctx.arg_types[1:]):
        return ctx.default_return_type
    base = get_proper_type(ctx.arg_types[0][0])
    if isinstance(base, Instance) and base.type.fullname == SIZE:
        return checker_named(ctx.api)("builtins.float", [])
    return ctx.default_return_type


def shape_attribute_hook(ctx: AttributeContext) -> Type:
    """`x.shape` is `tuple[Size[D1], Size[D2], ...]` for `x: Tensor[tuple[D1, D2, ...]]`."""
    if isinstance(ctx.api, TypeChecker):
        _decide_in(ctx.api, ctx.context)  # NOTE: `len(x.shape) in (3, 4)`
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_attr_type
    conv = Converter(checker_named(ctx.api))
    if conv.shape(parts[0]) is None:
        return ctx.default_attr_type
    s = get_proper_type(parts[0])
    assert isinstance(s, TupleType)
    return _sizes(conv, s)


def _sizes(conv: Converter, shape: TupleType) -> TupleType:
    """`tuple[Size[D1], Size[D2], ...]` of the shape `tuple[D1, D2, ...]`."""
    items: list[Type] = [conv.named(SIZE, [d]) for d in shape.items]
    return TupleType(items, conv.named("builtins.tuple", [conv.named("builtins.int", [])]))


def rank_hook(ctx: AttributeContext | MethodContext) -> Type:
    """`x.ndim` (and `x.dim()`) is `Literal[2]` for a 2-d `x`: `if img.ndim == 3: img =
    img.unsqueeze(0)` then leaves no 3-d member that the run never has (mypy narrows the
    literal, and the branch not taken is not checked). `stale.py` takes back mypy's
    `[comparison-overlap]` for a rank test that is always false here (a helper's `if x.ndim
    == 3` meeting a 2-d `x`), which the same code on other ranks needs."""
    if isinstance(ctx, AttributeContext):
        default = ctx.default_attr_type
    else:
        default = ctx.default_return_type
    if isinstance(ctx.api, TypeChecker):
        _decide_in(ctx.api, ctx.context)
    receiver = get_proper_type(ctx.type)
    # NOTE: mypy gives the hook a union receiver whole (`mask: (B, T) | (B, T, T)`): its ranks
    # are the union of each member's, so that `if mask.ndim == 2:` narrows `mask` to a member
    members = receiver.items if isinstance(receiver, UnionType) else [receiver]
    ranks = [size_tests.rank_of(m) for m in members]
    if any(r is None for r in ranks):
        return default
    int_type = checker_named(ctx.api)("builtins.int", [])
    return make_simplified_union([LiteralType(r, int_type) for r in ranks if r is not None])


def size_method_hook(ctx: MethodContext) -> Type:
    """`x.size()` is `x.shape`'s tuple and `x.size(i)` for a literal `i` is `x.shape[i]`'s
    `Size`, so PyTorch's `x.view(x.size(0), -1)` keeps the batch dim as `x.shape[0]` does."""
    if isinstance(ctx.api, TypeChecker):
        _decide_in(ctx.api, ctx.context)  # NOTE: `len(x.size()) in (3, 4)`
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_return_type
    conv = Converter(checker_named(ctx.api))
    s = get_proper_type(parts[0])
    if conv.shape(parts[0]) is None or not isinstance(s, TupleType):
        return ctx.default_return_type
    given = [t for ts in ctx.arg_types for t in ts]
    if not given:
        return _sizes(conv, s)
    axis = int_dim(conv, given[0]) if len(given) == 1 else None
    if not isinstance(axis, int) or not -len(s.items) <= axis < len(s.items):
        return ctx.default_return_type  # NOTE: an axis out of range is the runtime's IndexError
    return conv.named(SIZE, [s.items[axis]])


def size_new(ctx: FunctionContext) -> Type:
    """`Size(12)` is `Size[Const[12]]` (so `Size[Const[11]]` refuses it); `Size(n)` keeps `n`'s
    dim, and a plain `int` is `Size[Dyn]`."""
    if len(ctx.arg_types) != 1 or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    conv = Converter(checker_named(ctx.api))
    d = int_dim(conv, ctx.arg_types[0][0])
    if d is None:
        return ctx.default_return_type
    return conv.named(SIZE, [conv.dim_type(d)])


RANK_TESTS = size_tests.COMPARISONS
# NOTE: `int`'s methods mypy calls for them, whose hook is `rank_test_hook`
RANK_METHODS = [op_methods[o] for o in RANK_TESTS]


def rank_test_hook(ctx: MethodContext) -> Type:
    """A comparison of a tensor's known rank with an int (`x.ndim > 2`, `x.dim() == 3`,
    `len(x.size()) == 3`) is `Literal[True]` or `Literal[False]`, so a test kept in a name
    (`is3d = x.ndim == 3`, then `if is3d:`) decides the branch, and `if` on the comparison
    itself checks only the branch the run takes (`_decide`)."""
    checker, e = ctx.api, ctx.context
    if not isinstance(checker, TypeChecker) or not isinstance(e, ComparisonExpr):
        return ctx.default_return_type
    found = _rank_test(checker, e)
    _decide(checker, e, found)
    return ctx.default_return_type if found is None else _test_type(checker, e, found)


def size_test_hook(ctx: MethodContext) -> Type:
    """`if x.shape[1] == 1: x = x.squeeze(1)` (or `x.size(1) != 1`) for an `x` whose type says
    that size: the branch the run never takes is marked as `rank_test_hook` marks one, so it
    is not checked and leaves nothing in the name's type after the `if`."""
    checker, e = ctx.api, ctx.context
    if not isinstance(checker, TypeChecker) or not isinstance(e, ComparisonExpr):
        return ctx.default_return_type
    found = size_tests.decided(checker, e)
    _decide(checker, e, found)
    return ctx.default_return_type if found is None else _test_type(checker, e, found)


def _test_type(checker: TypeChecker, e: ComparisonExpr, value: bool) -> Type:
    """`Literal[True]` (or `False`) for a decided test where it decides (an `if`'s or an
    `assert`'s test, a conditional expression's, under `not`, `and`, `or`, or kept in a name);
    elsewhere `bool` with that literal as its last known value, as mypy types `True`: an item
    of a display or an argument (`flags = [x.ndim == 3]`) is then a `list[bool]`, which a later
    `flags.append(False)` fits."""
    literal = LiteralType(value, checker.named_type("builtins.bool"))
    parent = stale.parent_of(checker, e)
    if parent is None or _decides(parent, e):
        return literal
    return checker.named_type("builtins.bool").copy_modified(last_known_value=literal)


def _decides(parent: Node, e: ComparisonExpr) -> bool:
    """Whether the test `e`, directly under `parent`, decides a branch or is kept in a name."""
    if isinstance(parent, IfStmt | WhileStmt | AssertStmt | UnaryExpr):
        return True
    if isinstance(parent, ConditionalExpr):
        return parent.cond is e
    if isinstance(parent, OpExpr):
        return parent.op in ("and", "or")
    return isinstance(parent, AssignmentStmt) and all(
        isinstance(t, NameExpr) for t in parent.lvalues
    )


def _decide_in(checker: TypeChecker, read: Context) -> None:
    """Decides the `if` whose test looks up the rank `read` gives in a display of ints (`if
    x.ndim in (3, 4):`, `len(x.shape) not in [3]`). NOTE: mypy types `in` as a call of the
    display's `__contains__`, whose hook would be the tuple's, and keeps `bool` as its type;
    the hook of the rank read (`x.ndim`, `x.dim()`, `x.shape`, `x.size()`) decides it."""
    test = _in_test(checker, read)
    tensor = None if test is None else size_tests.rank_read(test.operands[0])
    ints = None if test is None else size_tests.int_display(test.operands[1])
    if test is None or tensor is None or ints is None:
        return
    ranks = [size_tests.rank_of(t) for t in _members(checker, tensor)]
    found = {r in ints for r in ranks if r is not None} if None not in ranks else set()
    value = found.pop() == (test.operators == ["in"]) if len(found) == 1 else None
    _decide(checker, test, value)


def _in_test(checker: TypeChecker, read: Context) -> ComparisonExpr | None:
    """The test of an `if` that looks up the rank `read` gives by `in` or `not in`."""
    func = checker.scope.current_function()
    for stmt in statements(checker.tree.defs if func is None else func.body.body):
        test = stmt.expr[0] if isinstance(stmt, IfStmt) and len(stmt.expr) == 1 else None
        if isinstance(test, UnaryExpr) and test.op == "not":
            test = test.expr
        if not isinstance(test, ComparisonExpr) or test.operators not in (["in"], ["not in"]):
            continue
        left = test.operands[0]
        if left is read or (_is_len(left) and isinstance(left, CallExpr) and left.args[0] is read):
            return test
    return None


def _rank_test(checker: TypeChecker, e: ComparisonExpr) -> bool | None:
    """The value of `e`, a rank compared with an int, where the types decide it."""
    if len(e.operators) != 1 or e.operators[0] not in RANK_TESTS:
        return None
    if not any(_is_rank(checker, x) for x in e.operands):
        return None
    left, right = (_ints(checker, x) for x in e.operands)
    test = RANK_TESTS[e.operators[0]]
    found = {test(a, b) for a in left for b in right}
    return found.pop() if len(found) == 1 else None


def _is_rank(checker: TypeChecker, e: Expression) -> bool:
    """Whether `e` is `t.ndim`, `t.dim()`, `len(t.shape)` or `len(t.size())` of a tensor `t`."""
    read = size_tests.rank_read(e)
    return read is not None and _tensor(checker, read)


def _is_len(e: Expression) -> bool:
    return (
        isinstance(e, CallExpr)
        and isinstance(e.callee, NameExpr)
        and e.callee.fullname == "builtins.len"
        and len(e.args) == 1
    )


def _tensor(checker: TypeChecker, e: Expression) -> bool:
    t = get_proper_type(checker.lookup_type_or_none(e))
    members = t.items if isinstance(t, UnionType) else [t]
    return all(m is not None and tensor_parts(m) is not None for m in members)


def _ints(checker: TypeChecker, e: Expression) -> set[int]:
    """The ints `e` may be by its type: a literal's, a rank's; empty where the type says no
    int (`int`, `tuple[int, ...]`)."""
    if _is_len(e):
        assert isinstance(e, CallExpr)
        lengths = _members(checker, e.args[0])
        if all(isinstance(t, TupleType) and _fixed(t) for t in lengths):
            return {len(t.items) for t in lengths if isinstance(t, TupleType)}
        return set()
    found: set[int] = set()
    for t in _members(checker, e):
        if isinstance(t, Instance) and t.last_known_value is not None:
            t = t.last_known_value
        if not isinstance(t, LiteralType) or type(t.value) is not int:
            return set()
        found.add(t.value)
    return found


def _members(checker: TypeChecker, e: Expression) -> list[Type]:
    t = get_proper_type(checker.lookup_type_or_none(e))
    items = t.items if isinstance(t, UnionType) else [t]
    return [get_proper_type(i) for i in items if i is not None]


def _fixed(t: TupleType) -> bool:
    return not any(isinstance(get_proper_type(i), UnpackType) for i in t.items)


# NOTE: the branches `_decide` marked dead, so that a test checked again (a loop's next round,
# a deferred function) where it no longer decides them gives them back
_DEAD: set[Block] = set()


def _decide(checker: TypeChecker, e: ComparisonExpr, value: bool | None) -> None:
    """Marks the branch the run never takes of the `if` whose test is `e` (or `not e`) as
    mypy's own `if TYPE_CHECKING:` marks its other branch: not checked, and no name rebound
    there leaves its type behind. mypy narrows `x.ndim == 3` by itself, but not a call
    (`x.dim()`, `len(x.size())`) nor an ordering (`x.ndim > 2`).

    NOTE: the hook runs as mypy types the test, just before it checks the branches; a plugin
    has no hook at an `if`. With `warn_unreachable` the branch is reported as mypy reports a
    branch its narrowing leaves out."""
    found = _if_testing(checker, e)
    if found is None:
        return
    stmt, negated = found
    taken = None if value is None else value != negated
    if taken and stmt.else_body is None:
        stmt.else_body = Block([])  # NOTE: the way round the body, which the run never takes
    for block, live in ((stmt.body[0], True), (stmt.else_body, False)):
        if block is None or (block.is_unreachable and block not in _DEAD):
            continue  # NOTE: left out by mypy itself (`if sys.version_info ...`)
        dead = taken is not None and taken != live
        block.is_unreachable = dead
        if dead:
            _DEAD.add(block)
            _report_unreachable(checker, block)
        else:
            _DEAD.discard(block)


def _if_testing(checker: TypeChecker, e: ComparisonExpr) -> tuple[IfStmt, bool] | None:
    """The `if` statement whose test is `e`, and whether it tests `not e`."""
    func = checker.scope.current_function()
    body = checker.tree.defs if func is None else func.body.body
    for stmt in statements(body):
        if not isinstance(stmt, IfStmt) or len(stmt.expr) != 1:
            continue
        test = stmt.expr[0]
        if test is e:
            return stmt, False
        if isinstance(test, UnaryExpr) and test.op == "not" and test.expr is e:
            return stmt, True
    return None


def _report_unreachable(checker: TypeChecker, block: Block) -> None:
    if not checker.should_report_unreachable_issues():
        return
    first = next((s for s in block.body if not checker.is_noop_for_reachability(s)), None)
    if first is not None:
        checker.msg.unreachable_statement(first)
