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
whose type mypy inferred take new sizes (`grown.grown`: a KV cache grown with `concat`).
"""

from __future__ import annotations

from typing import Any

from mypy import errorcodes
from mypy.checker import TypeChecker
from mypy.errors import ErrorInfo, ErrorWatcher
from mypy.nodes import (
    AssignmentStmt,
    Expression,
    Lvalue,
    MemberExpr,
    NameExpr,
    ReturnStmt,
    Statement,
)
from mypy.subtypes import is_subtype
from mypy.type_visitor import TypeTranslator
from mypy.types import (
    AnyType,
    Instance,
    Type,
    TypeAliasType,
    UnionType,
    get_proper_type,
)

from shapedl_mypy.convert import TYPES, tensor_parts
from shapedl_mypy.hooks.grown import grown
from shapedl_mypy.hooks.statements import statements
from shapedl_mypy.hooks.unions import stands_for
from shapedl_mypy.hooks.unroll import counted_at_run_time, unrolled

__all__ = ["drop_stale", "watch"]

_CODES = (errorcodes.RETURN_VALUE, errorcodes.ASSIGNMENT)
# NOTE: the type got, the type declared, the name assigned, the statement and its expression
_At = tuple[Statement, Expression]
_Found = tuple[Type, Type, Lvalue | None, _At]


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
        got, expected, lvalue, (stmt, expr) = found
        fixed = drop_stale(got)
        stale = fixed != got and is_subtype(fixed, expected, options=checker.options)
        last = None if stale else unrolled(checker, stmt, expr)
        stale = stale or (last is not None and is_subtype(last, expected, options=checker.options))
        stale = stale or _one_fits(checker, got, expected, (stmt, expr))
        if stale or (isinstance(lvalue, MemberExpr) and grown(checker, lvalue, got)):
            self.dropped = (file, info.line, info.column)
            return True
        return False


def _one_fits(checker: TypeChecker, got: Type, expected: Type, at: _At) -> bool:
    """Whether a member of the union `got` fits, the union being a name's that a loop run a
    run-time number of times rebound (`unroll.counted_at_run_time`)."""
    union = get_proper_type(got)
    if not isinstance(union, UnionType) or not counted_at_run_time(checker, *at):
        return False
    return any(is_subtype(m, expected, options=checker.options) for m in union.items)


def _declared(checker: TypeChecker, info: ErrorInfo) -> _Found | None:
    """The returned or assigned expression's type, the type declared for it, the name
    assigned, and the statement and expression, for the statement the error is about, or None
    where there is no such statement."""
    for stmt in statements(checker.tree.defs):
        if isinstance(stmt, ReturnStmt) and info.code == errorcodes.RETURN_VALUE:
            if stmt.expr is not None and _at(stmt.expr, info) and checker.return_types:
                got = checker.lookup_type_or_none(stmt.expr)
                expected = checker.return_types[-1]
                return None if got is None else (got, expected, None, (stmt, stmt.expr))
        elif isinstance(stmt, AssignmentStmt) and info.code == errorcodes.ASSIGNMENT:
            if _at(stmt.rvalue, info):
                return _assigned(checker, stmt)
    return None


def _assigned(checker: TypeChecker, stmt: AssignmentStmt) -> _Found | None:
    got = checker.lookup_type_or_none(stmt.rvalue)
    lvalue = stmt.lvalues[-1]
    declared = checker.lookup_type_or_none(lvalue)
    if declared is None and isinstance(lvalue, NameExpr):
        declared = getattr(lvalue.node, "type", None)
    if got is None or declared is None:
        return None
    return got, declared, lvalue, (stmt, stmt.rvalue)


def _at(expr: Expression, info: ErrorInfo) -> bool:
    """Whether `expr` spans exactly the error's place."""
    span = (info.line, info.column, info.end_line, info.end_column)
    return (expr.line, expr.column, expr.end_line, expr.end_column) == span


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
