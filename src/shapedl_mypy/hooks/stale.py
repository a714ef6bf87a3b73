"""Returns and assignments of a name rebound in a loop: its stale members say nothing.

After `h = x` and `for layer in self.layers: h = layer(h)`, mypy types `h` as the union of
`x`'s shape (the loop never ran) and the loop's (`Tensor[tuple[B, Dyn]]` where the layers'
widths differ). The call hooks already check such a union member by member and leave out a
member that another one generalizes (`unions.stands_for`): the run has the general one. A
`return h` or `y: Tensor[...] = h` reaches no hook, though: mypy compares the whole union with
the declared type, and the stale `784` member was a false `[return-value]` against a declared
`Tensor[tuple[B, Const[10]]]`.

mypy's plugin interface has no hook at a return or an assignment, so one error filter (an
`ErrorWatcher` at the bottom of mypy's stack, put there by the first hook of a build) takes
such an error back when the type without its stale members fits the declared one; a member
that is not stale (a definitely wrong width) keeps the error. The same filter lets an attribute
whose type mypy inferred take new sizes (`_grown`: a KV cache grown with `concat`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mypy import errorcodes
from mypy.checker import TypeChecker
from mypy.errors import ErrorInfo, ErrorWatcher
from mypy.nodes import (
    AssignmentStmt,
    Block,
    ClassDef,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    Lvalue,
    MatchStmt,
    MemberExpr,
    NameExpr,
    ReturnStmt,
    Statement,
    TryStmt,
    Var,
    WhileStmt,
    WithStmt,
)
from mypy.subtypes import is_subtype
from mypy.type_visitor import TypeTranslator
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    TupleType,
    Type,
    TypeAliasType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from shapedl_mypy.convert import SIZE, TYPES, any_type, tensor_parts
from shapedl_mypy.hooks.nn import MODULE
from shapedl_mypy.hooks.unions import stands_for

__all__ = ["drop_stale", "watch"]

_CODES = (errorcodes.RETURN_VALUE, errorcodes.ASSIGNMENT)


class _DropStale(TypeTranslator):
    def visit_union_type(self, t: UnionType) -> Type:
        items = [i.accept(self) for i in t.items]
        if any(isinstance(get_proper_type(i), AnyType) for i in items):
            # NOTE: an unknown member (a loop over a Sequential's layers) may be any tensor
            return next(i for i in items if isinstance(get_proper_type(i), AnyType))
        tensors = [i for i in items if tensor_parts(i) is not None]
        kept = [i for i in items if not any(g is not i and _stale(g, i) for g in tensors)]
        return UnionType.make_union(kept, t.line, t.column)

    def visit_type_alias_type(self, t: TypeAliasType) -> Type:
        return get_proper_type(t).accept(self)


def _stale(general: Type, special: Type) -> bool:
    """Whether `special` is what a loop had before it ran: a shape `general` generalizes, or
    the untraced start of a sum the loop traces (`total = sd.zeros(())`, then `total = total +
    loss`: the tape's rule for `backward()` on such a union, `tape._maybe_traced`)."""
    if stands_for(general, special):
        return True
    g, s = tensor_parts(general), tensor_parts(special)
    assert g is not None and s is not None
    traced, untraced = _tape(g[2]) == f"{TYPES}.Traced", _tape(s[2]) == f"{TYPES}.NoTape"
    return (g[0], g[1]) == (s[0], s[1]) and traced and untraced


def _tape(typ: Type) -> str | None:
    t = get_proper_type(typ)
    return t.type.fullname if isinstance(t, Instance) else None


def drop_stale(typ: Type) -> Type:
    """`typ` with every union's stale tensor members left out (nested ones too)."""
    return typ.accept(_DropStale())


class _Filter:
    """The error filter: which checker is checking which file, and what it takes back."""

    def __init__(self) -> None:
        self.checker: TypeChecker | None = None
        self.dropped: tuple[str, int, int] | None = None

    def __call__(self, file: str, info: ErrorInfo) -> bool:
        try:
            return self._false_alarm(file, info)
        except Exception:  # noqa: BLE001 - never hide an error by accident
            return False

    def _false_alarm(self, file: str, info: ErrorInfo) -> bool:
        if info.code not in _CODES:
            return False
        if info.severity == "note":
            # NOTE: a note mypy adds to an error taken back goes with it
            return self.dropped == (file, info.line, info.column)
        checker = self.checker
        found = None if checker is None or checker.path != file else _declared(checker, info)
        if checker is None or found is None:
            return False
        got, expected, lvalue = found
        fixed = drop_stale(got)
        stale = fixed != got and is_subtype(fixed, expected, options=checker.options)
        if stale or (isinstance(lvalue, MemberExpr) and _grown(checker, lvalue, got)):
            self.dropped = (file, info.line, info.column)
            return True
        return False


def _declared(checker: TypeChecker, info: ErrorInfo) -> tuple[Type, Type, Lvalue | None] | None:
    """The returned or assigned expression's type, the type declared for it and the name
    assigned, for the statement the error is about, or None where there is no such statement."""
    for stmt in _statements(checker.tree.defs):
        if isinstance(stmt, ReturnStmt) and info.code == errorcodes.RETURN_VALUE:
            if stmt.expr is not None and _at(stmt.expr, info) and checker.return_types:
                got = checker.lookup_type_or_none(stmt.expr)
                return None if got is None else (got, checker.return_types[-1], None)
        elif isinstance(stmt, AssignmentStmt) and info.code == errorcodes.ASSIGNMENT:
            if _at(stmt.rvalue, info):
                return _assigned(checker, stmt)
    return None


def _assigned(checker: TypeChecker, stmt: AssignmentStmt) -> tuple[Type, Type, Lvalue] | None:
    got = checker.lookup_type_or_none(stmt.rvalue)
    lvalue = stmt.lvalues[-1]
    declared = checker.lookup_type_or_none(lvalue)
    if declared is None and isinstance(lvalue, NameExpr):
        declared = getattr(lvalue.node, "type", None)
    return None if got is None or declared is None else (got, declared, lvalue)


def _grown(checker: TypeChecker, lvalue: MemberExpr, got: Type) -> bool:
    """Whether `self.cache = sd.concat([self.cache, k], axis=1)` gives an attribute whose type
    was inferred (never written) a new size, then widened to `Dyn` where the sizes differ (so
    does a layer replaced by one of other sizes, `model.fc = nn.Linear(512, 10)`).

    NOTE: mypy infers an attribute's type from its first assignment, as it infers `int` from
    `self.n = 0`, but keeps literal sizes: a cache made empty (`sd.zeros((1, 0, 64))`) and
    grown, a buffer resized, kept their first sizes and every growth was an `[assignment]`
    error. An attribute the user annotated keeps its error; the widened type is what later
    reads see (those checked before the growth saw the first sizes).
    """
    owner = get_proper_type(checker.lookup_type_or_none(lvalue.expr))
    if isinstance(owner, TypeVarType):  # NOTE: `self` in a method that returns `Self`
        owner = get_proper_type(owner.upper_bound)
    if not isinstance(owner, Instance):
        return False
    sym = owner.type.get(lvalue.name)
    var = None if sym is None else sym.node
    if not isinstance(var, Var) or not var.is_inferred or var.explicit_self_type:
        return False
    if var.type is None:
        return False
    wide = _widened(var.type, got)
    if wide is None:
        return False
    var.type = wide
    return True


def _module(t: Instance) -> bool:
    return any(base.fullname == MODULE for base in t.type.mro)


def _widened(old: Type, new: Type) -> Type | None:
    """`old` with `Dyn` where `new`'s sizes differ, or None where they are no two tensors of one
    rank, dtype and tape, two layers of one class (the type arguments that differ are `Dyn`)
    or two sizes (`self.d = d` in a `resize`, a `Size[D]` given an int, is an `int` from then
    on)."""
    p, q = get_proper_type(old), get_proper_type(new)
    if isinstance(p, Instance) and isinstance(q, Instance) and p.type is q.type and _module(p):
        # NOTE: a layer replaced by one of other sizes (`model.fc = nn.Linear(512, 10)`)
        args = zip(p.args, q.args, strict=True)
        return p.copy_modified(args=[a if a == b else any_type() for a, b in args])
    if isinstance(p, Instance) and p.type.fullname == SIZE:
        q = q.fallback if isinstance(q, LiteralType) else q
        ints = [] if not isinstance(q, Instance) else q.type.mro
        return next((Instance(i, []) for i in ints if i.fullname == "builtins.int"), None)
    a, b = tensor_parts(old), tensor_parts(new)
    if a is None or b is None or a[1:] != b[1:]:
        return None
    sa, sb = get_proper_type(a[0]), get_proper_type(b[0])
    if not isinstance(sa, TupleType) or not isinstance(sb, TupleType):
        return None
    if len(sa.items) != len(sb.items):
        return None
    dims = [x if x == y else any_type() for x, y in zip(sa.items, sb.items, strict=True)]
    t = get_proper_type(old)
    assert isinstance(t, Instance)
    return t.copy_modified(args=[sa.copy_modified(items=dims), *t.args[1:]])


def _at(expr: Expression, info: ErrorInfo) -> bool:
    """Whether `expr` spans exactly the error's place."""
    span = (info.line, info.column, info.end_line, info.end_column)
    return (expr.line, expr.column, expr.end_line, expr.end_column) == span


def _statements(stmts: list[Statement]) -> Iterator[Statement]:
    """Every statement, nested ones (in blocks, functions and classes) included.

    NOTE: by hand: mypy's compiled `TraverserVisitor` cannot be subclassed from Python
    """
    for stmt in stmts:
        yield stmt
        for block in _blocks(stmt):
            yield from _statements(block.body)


def _blocks(stmt: Statement) -> list[Block]:
    if isinstance(stmt, Decorator):
        stmt = stmt.func
    if isinstance(stmt, IfStmt):
        found = [*stmt.body, stmt.else_body]
    elif isinstance(stmt, ForStmt | WhileStmt):
        found = [stmt.body, stmt.else_body]
    elif isinstance(stmt, TryStmt):
        found = [stmt.body, *stmt.handlers, stmt.else_body, stmt.finally_body]
    elif isinstance(stmt, WithStmt | FuncDef):
        found = [stmt.body]
    elif isinstance(stmt, MatchStmt):
        found = list(stmt.bodies)
    elif isinstance(stmt, ClassDef):
        found = [stmt.defs]
    else:
        found = [stmt] if isinstance(stmt, Block) else []
    return [b for b in found if b is not None]


_FILTER = _Filter()


def watch(api: Any) -> None:
    """Put the filter under mypy's error watchers (once per build) and note which checker
    checks the current file."""
    if not isinstance(api, TypeChecker):
        return
    _FILTER.checker = api
    watchers = api.msg.errors._watchers
    if not any(getattr(w, "_filter", None) is _FILTER for w in watchers):
        watchers.insert(0, ErrorWatcher(api.msg.errors, filter_errors=_FILTER))
