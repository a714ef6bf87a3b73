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
that is not stale (a definitely wrong width) keeps the error. The same holds for the name as
an item of a list, set or dict display (`return {"logits": h}`), assigned to a key, or
yielded: the type it must fit is read off the context down to the item (`_item`). The same
filter lets an attribute whose type mypy inferred take new sizes (`grown.grown`: a KV cache
grown with `concat`), and takes back a rank test always false for this tensor (`_rank_test`).
"""

from __future__ import annotations

import gc
import re
from typing import Any

from mypy import errorcodes
from mypy.checker import TypeChecker
from mypy.errors import ErrorInfo, ErrorWatcher
from mypy.nodes import (
    ARG_POS,
    AssertStmt,
    AssignmentStmt,
    AwaitExpr,
    CallExpr,
    CastExpr,
    ComparisonExpr,
    ConditionalExpr,
    DictExpr,
    DictionaryComprehension,
    Expression,
    ExpressionStmt,
    GeneratorExpr,
    IfStmt,
    IndexExpr,
    LambdaExpr,
    ListComprehension,
    ListExpr,
    Lvalue,
    MemberExpr,
    NameExpr,
    Node,
    OperatorAssignmentStmt,
    OpExpr,
    ReturnStmt,
    SetComprehension,
    SetExpr,
    StarExpr,
    Statement,
    TupleExpr,
    UnaryExpr,
    WhileStmt,
    YieldExpr,
)
from mypy.subtypes import is_subtype
from mypy.type_visitor import TypeTranslator
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    TupleType,
    Type,
    TypeAliasType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from shapedl import dims
from shapedl_mypy.codes import said_of_dtypes
from shapedl_mypy.convert import TYPES, Converter, checker_named, tensor_parts
from shapedl_mypy.hooks.grown import grown
from shapedl_mypy.hooks.size_tests import excluded
from shapedl_mypy.hooks.statements import statements
from shapedl_mypy.hooks.unions import stands_for
from shapedl_mypy.hooks.unroll import counted_at_run_time, unrolled

__all__ = ["drop_stale", "parent_of", "watch"]

_CODES = (errorcodes.RETURN_VALUE, errorcodes.ASSIGNMENT)
# NOTE: `stride: Size[S] = 1`: an int default of a size generic in its parameter, which a call
# that leaves it out binds (`generic.bind_sizes`), as a call that gives it binds `Size[S]`
_SIZE_DEFAULT = re.compile(
    r'Incompatible default for (parameter|argument) "\w+" \(default has type "int", '
    r'(parameter|argument) has type "Size\[[A-Za-z_]\w*\]"\)$'
)
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
    the untraced start of a sum or a state the loop traces (`total = sd.zeros(())`, then
    `total = total + loss`; an RNN's `h = sd.zeros(...)`, then `h = cell(x[:, t], h)`: the
    tape's rule for `backward()` on such a union, `tape._maybe_traced`), traced or of the
    input's tape `TT` (the same as the start where `TT` is `NoTape`)."""
    if stands_for(general, special):
        return True
    g, s = tensor_parts(general), tensor_parts(special)
    assert g is not None and s is not None
    tape = get_proper_type(g[2])
    traced = _tape(tape) == f"{TYPES}.Traced" or isinstance(tape, TypeVarType)
    return (g[0], g[1]) == (s[0], s[1]) and traced and _tape(s[2]) == f"{TYPES}.NoTape"


def undecided(checker: TypeChecker, got: Type, expected: Type) -> bool:
    """Whether `got` fits `expected` but for sizes with a floor division that no type decides
    (`Mul[2, FloorDiv[K, 2]]`, rotary's two halves joined, against `K`: `K` for an even width,
    `K - 1` for an odd kernel's `padding=k // 2`): the plugin accepts what it cannot decide,
    as each op does (`dims.same`), and the runtime checks the sizes.

    NOTE: mypy compares the types as written, so where each op accepted them, the return or
    the annotated assignment would not. A tuple (`return q, k`) is undecided where each item
    fits or is; an optional or other union declared takes it where one member does."""
    have_t, want_t = get_proper_type(got), get_proper_type(expected)
    if isinstance(have_t, TupleType) and isinstance(want_t, TupleType):
        if len(have_t.items) != len(want_t.items):
            return False
        return _each_fits(checker, list(zip(have_t.items, want_t.items, strict=True)))
    if isinstance(have_t, UnionType):
        return _each_fits(checker, [(m, expected) for m in have_t.relevant_items()])
    if isinstance(want_t, UnionType):
        return any(undecided(checker, got, m) for m in want_t.relevant_items())
    g, e = tensor_parts(got), tensor_parts(expected)
    t = get_proper_type(got)
    if g is None or e is None or not isinstance(t, Instance):
        return False
    conv = Converter(checker_named(checker))
    have, want = conv.shape(g[0]), conv.shape(e[0])
    if have is None or want is None or len(have) != len(want):
        return False
    verdicts = [dims.same(a, b) for a, b in zip(have, want, strict=True)]
    if False in verdicts or None not in verdicts:
        return False
    if any(_differ_everywhere(a, b) for a, b in zip(have, want, strict=True)):
        return False
    as_wanted = t.copy_modified(args=[e[0], *t.args[1:]])
    return is_subtype(as_wanted, expected, options=checker.options)


def _passed(checker: TypeChecker, got: Type, expected: Type, expr: Expression) -> bool:
    """Whether a name's union fits without the members the tests before it leave out (`if
    x.dim() == 2: x = x.unsqueeze(0)`, then `return x`: `size_tests.excluded`)."""
    union = get_proper_type(got)
    if not isinstance(union, UnionType) or not isinstance(expr, NameExpr):
        return False
    kept = [m for m in union.relevant_items() if not excluded(checker, expr, m, expr)]
    if not kept or len(kept) == len(union.relevant_items()):
        return False
    return is_subtype(make_simplified_union(kept), expected, options=checker.options)


def _each_fits(checker: TypeChecker, pairs: list[tuple[Type, Type]]) -> bool:
    """Whether each pair's first fits its second or is undecided against it, one at least."""
    fit = [is_subtype(h, w, options=checker.options) for h, w in pairs]
    open_ = [not f and undecided(checker, h, w) for f, (h, w) in zip(fit, pairs, strict=True)]
    return any(open_) and all(f or o for f, o in zip(fit, open_, strict=True))


def _differ_everywhere(a: dims.Dim, b: dims.Dim) -> bool:
    """Whether two sizes differ at every size their symbols are tried at: a pool's `(H - 1)
    // 2 + 1` against `H // 4` is wrong for every `H`, against `H // 2` only for an odd one,
    which the runtime tells.

    Each symbol is tried at twelve sizes in a row from a base of its own, far from the others'
    and from the small sizes where floor divisions meet (`H // 2` and `H // 4` are both 0 at
    1): `H // 2` against `W // 2` differs everywhere, `2 * (K // 2)` against `K` meets it at
    every even `K`. NOTE: a size prints as the Python expression it is (`(H + 1)//2`)."""
    if a is dims.DYN or b is dims.DYN:
        return False
    names = sorted(set(re.findall(r"[A-Za-z_]\w*", f"{a} {b}")))
    bases = {name: 97 + 131 * i for i, name in enumerate(names)}
    for step in range(12):
        at = {name: base + step for name, base in bases.items()}
        if eval(str(a), {}, at) == eval(str(b), {}, at):  # noqa: S307
            return False
    return True


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
        self.errors: Any = None

    def checker_of(self, file: str) -> TypeChecker | None:
        """The checker of `file`: the one the last hook saw, or, where no hook has run in
        `file` yet (a function at its top that calls only callables it was given), the one
        that holds the build's `Errors` and checks `file`.

        NOTE: found through the garbage collector's referrers, a scan of the heap: only for an
        error the filter may take back, once per file that has had no hook yet."""
        if self.checker is not None and self.checker.path == file:
            return self.checker
        if self.errors is None:
            return None
        found = [
            r
            for r in gc.get_referrers(self.errors)
            if isinstance(r, TypeChecker) and r.path == file
        ]
        if len(found) == 1:
            self.checker = found[0]
        return self.checker if self.checker is not None and self.checker.path == file else None

    def __call__(self, file: str, info: ErrorInfo) -> bool:
        try:
            return self._false_alarm(file, info)
        except Exception:  # noqa: BLE001 - never hide an error by accident
            return False

    def _false_alarm(self, file: str, info: ErrorInfo) -> bool:
        if self.errors is not None and said_of_dtypes(self.errors, file, info):
            return True
        if info.code == errorcodes.COMPARISON_OVERLAP:
            return _rank_test(self.checker_of(file), file, info)
        if info.code not in _CODES and not _item_error(info):
            return False
        if info.code == errorcodes.ASSIGNMENT and _SIZE_DEFAULT.match(str(info.message)):
            return True
        if info.severity == "note":
            # NOTE: a note mypy adds to an error taken back goes with it
            return self.dropped == (file, info.line, info.column)
        checker = self.checker_of(file)
        found = None if checker is None else _declared(checker, info)
        if checker is None or found is None:
            return False
        got, expected, lvalue, (stmt, expr) = found
        fixed = drop_stale(got)
        stale = fixed != got and is_subtype(fixed, expected, options=checker.options)
        last = None if stale else unrolled(checker, stmt, expr)
        stale = stale or (last is not None and is_subtype(last, expected, options=checker.options))
        stale = stale or _one_fits(checker, got, expected, (stmt, expr))
        stale = stale or undecided(checker, got, expected)
        stale = stale or _passed(checker, got, expected, expr)
        if stale or (isinstance(lvalue, MemberExpr) and grown(checker, lvalue, got)):
            self.dropped = (file, info.line, info.column)
            return True
        return False


def _rank_test(checker: TypeChecker | None, file: str, info: ErrorInfo) -> bool:
    """Whether the error is mypy's `[comparison-overlap]` on a tensor's rank (`x.ndim == 3`,
    `x.dim() != 4`), which the plugin types as a literal (`sizes.rank_hook`): code written
    for several ranks tests it, and is no error where this tensor's rank makes it false,
    wherever the test sits (a display, a comprehension's condition, a lambda)."""
    stmt = None if checker is None or checker.path != file else _statement_on(checker, info.line)
    if checker is None or stmt is None:
        return False
    found = _comparison(_children(stmt), info)
    return found is not None and any(_is_rank(checker, e) for e in found.operands)


def _comparison(exprs: list[Expression], info: ErrorInfo) -> ComparisonExpr | None:
    for e in exprs:
        if isinstance(e, ComparisonExpr) and _at(e, info):
            return e
        inner = _comparison(_children(e), info)
        if inner is not None:
            return inner
    return None


def _is_rank(checker: TypeChecker, e: Expression) -> bool:
    """Whether `e` is `t.ndim` or `t.dim()` of a tensor `t`."""
    if isinstance(e, CallExpr) and not e.args:
        e = e.callee
        name = "dim"
    else:
        name = "ndim"
    if not isinstance(e, MemberExpr) or e.name != name:
        return False
    return tensor_parts(checker.lookup_type_or_none(e.expr) or AnyType(0)) is not None


def _item_error(info: ErrorInfo) -> bool:
    """Whether the error is about an item of a display or a yielded value."""
    if info.code == errorcodes.MISC:
        return info.message.startswith('Incompatible types in "yield"')
    if info.code == errorcodes.ARG_TYPE:
        return " to <set> " in info.message
    return info.code in (errorcodes.LIST_ITEM, errorcodes.DICT_ITEM)


def _one_fits(checker: TypeChecker, got: Type, expected: Type, at: _At) -> bool:
    """Whether a member of the union `got` fits, the union being a name's that a loop run a
    run-time number of times rebound (`unroll.counted_at_run_time`); in a tuple display
    (`return h, n`), each item fits or is such a union."""
    union, stmt, expr = get_proper_type(got), *at
    want = get_proper_type(expected)
    if isinstance(expr, TupleExpr) and isinstance(union, TupleType):
        if not isinstance(want, TupleType) or not (
            len(union.items) == len(want.items) == len(expr.items)
        ):
            return False
        return any(isinstance(get_proper_type(g), UnionType) for g in union.items) and all(
            is_subtype(g, w, options=checker.options) or _one_fits(checker, g, w, (stmt, e))
            for g, w, e in zip(union.items, want.items, expr.items, strict=True)
        )
    if not isinstance(union, UnionType) or not counted_at_run_time(checker, stmt, expr):
        return False
    return any(is_subtype(m, expected, options=checker.options) for m in union.items)


def _declared(checker: TypeChecker, info: ErrorInfo) -> _Found | None:
    """The returned or assigned expression's type, the type declared for it, the name
    assigned, and the statement and expression, for the statement the error is about, or None
    where there is no such statement."""
    if _item_error(info):
        return _item(checker, info)
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


def _item(checker: TypeChecker, info: ErrorInfo) -> _Found | None:
    """As `_declared`, for an item of a display or a `yield` at the error's place.

    NOTE: the type the item must fit is read off the context (a return's declared type, an
    assignment's, taken down through the displays around the item): when the error is
    reported, mypy has not yet stored the display's type."""
    stmt = _statement_on(checker, info.line)
    if stmt is None:
        return None
    context: Type | None = None
    if isinstance(stmt, ReturnStmt) and checker.return_types:
        context = checker.return_types[-1]
    elif isinstance(stmt, AssignmentStmt):
        # NOTE: the declared type alone: the display's own type is not stored yet
        context = stmt.type or _declared_type(checker, stmt.lvalues[-1])
    elif isinstance(stmt, OperatorAssignmentStmt):  # NOTE: `outs += [h]`
        context = checker.lookup_type_or_none(stmt.lvalue)
    roots = [stmt.rvalue] if isinstance(stmt, OperatorAssignmentStmt) else _children(stmt)
    hit = _find_item([(e, context) for e in roots], info, checker)
    if hit is None:
        return None
    item, expected = hit
    got = checker.lookup_type_or_none(item)
    if got is None and isinstance(item, NameExpr):
        got = checker.binder.get(item)  # NOTE: a dict's values are typed in a map not yet kept
    return None if got is None or expected is None else (got, expected, None, (stmt, item))


def _statement_on(checker: TypeChecker, line: int) -> Statement | None:
    """The innermost statement that spans `line`."""
    found = [s for s in statements(checker.tree.defs) if s.line <= line <= (s.end_line or s.line)]
    return found[-1] if found else None


def _children(node: Node) -> list[Expression]:
    """The expressions directly under a statement or an expression, where a display or a
    comparison may sit.

    NOTE: by hand: mypy is compiled (mypyc), and a plugin cannot subclass its visitors."""
    if isinstance(node, ReturnStmt | ExpressionStmt | YieldExpr | AwaitExpr | UnaryExpr):
        return [] if node.expr is None else [node.expr]
    if isinstance(node, StarExpr | MemberExpr | CastExpr):
        return [node.expr]
    if isinstance(node, IfStmt | WhileStmt | AssertStmt):
        return list(node.expr) if isinstance(node, IfStmt) else [node.expr]
    if isinstance(node, ComparisonExpr):
        return list(node.operands)
    if isinstance(node, AssignmentStmt | OperatorAssignmentStmt):
        return [node.rvalue]
    if isinstance(node, CallExpr):
        return [node.callee, *node.args]
    if isinstance(node, OpExpr):
        return [node.left, node.right]
    if isinstance(node, ConditionalExpr):
        return [node.cond, node.if_expr, node.else_expr]
    if isinstance(node, ListExpr | SetExpr | TupleExpr):
        return list(node.items)
    if isinstance(node, DictExpr):
        return [e for kv in node.items for e in kv if e is not None]
    if isinstance(node, IndexExpr):
        return [node.base, node.index]
    if isinstance(node, ListComprehension | SetComprehension):
        return [node.generator]
    if isinstance(node, GeneratorExpr | DictionaryComprehension):
        left = [node.left_expr] if isinstance(node, GeneratorExpr) else [node.key, node.value]
        return [*node.sequences, *(c for cs in node.condlists for c in cs), *left]
    return [node.expr()] if isinstance(node, LambdaExpr) else []


def parent_of(checker: TypeChecker, e: Expression) -> Node | None:
    """The statement or expression `e` sits directly under, in the code `checker` checks."""
    stmt = _statement_on(checker, e.line)
    found: list[Node] = [] if stmt is None else [stmt]
    while found:
        node = found.pop()
        below = _children(node)
        if any(c is e for c in below):
            return node
        found += below
    return None


def _arg(context: Type | None, index: int) -> Type | None:
    """Type argument `index` of an instance context (`list[T]`'s `T`), else None."""
    t = get_proper_type(context)
    return t.args[index] if isinstance(t, Instance) and len(t.args) > index else None


def _find_item(
    exprs: list[tuple[Expression, Type | None]], info: ErrorInfo, checker: TypeChecker
) -> tuple[Expression, Type | None] | None:
    """The item of a display (or the value of a `yield`) among `exprs`, or under them, that
    spans the error's place, and the type it must fit (each expression with its context)."""
    for e, context in exprs:
        hit: tuple[Expression, Type | None] | None = None
        if isinstance(e, ListExpr | SetExpr | TupleExpr):
            t = get_proper_type(context)
            items: list[tuple[Expression, Type | None]] = (
                [(i, t.items[n]) for n, i in enumerate(e.items)]
                if isinstance(t, TupleType) and len(t.items) == len(e.items)
                else [(i, _arg(context, 0)) for i in e.items]
            )
            code = {ListExpr: errorcodes.LIST_ITEM, SetExpr: errorcodes.ARG_TYPE}.get(type(e))
            # NOTE: by where the item starts: the error ends where it starts
            hit = next(((i, c) for i, c in items if info.code == code and _starts(i, info)), None)
            hit = hit or _find_item(items, info, checker)
        elif isinstance(e, DictExpr):
            values = [(v, _arg(context, 1)) for k, v in e.items]
            for key, value in e.items if info.code == errorcodes.DICT_ITEM else ():
                end = (value.end_line, value.end_column) == (info.end_line, info.end_column)
                if key is not None and (key.line, key.column) == (info.line, info.column) and end:
                    hit = (value, _arg(context, 1))
            hit = hit or _find_item(values, info, checker)
        elif isinstance(e, YieldExpr) and e.expr is not None:
            if info.code == errorcodes.MISC and _at(e, info) and checker.return_types:
                returns = checker.return_types[-1]
                hit = (e.expr, checker.get_generator_yield_type(returns, False))
        elif isinstance(e, CallExpr):  # NOTE: `outs.extend([h])`: each argument its formal's
            callee = get_proper_type(checker.lookup_type_or_none(e.callee))
            plain = isinstance(callee, CallableType) and all(k == ARG_POS for k in e.arg_kinds)
            formals = callee.arg_types if isinstance(callee, CallableType) and plain else []
            contexts = [formals[i] if i < len(formals) else None for i in range(len(e.args))]
            hit = _find_item(list(zip(e.args, contexts, strict=True)), info, checker)
        else:
            hit = _find_item([(c, None) for c in _children(e)], info, checker)
        if hit is not None:
            return hit
    return None


def _declared_type(checker: TypeChecker, lvalue: Lvalue) -> Type | None:
    """The type an assignment's target declares: a name's, or a list's or dict's items'."""
    declared = checker.lookup_type_or_none(lvalue)
    if declared is None and isinstance(lvalue, NameExpr):
        declared = getattr(lvalue.node, "type", None)
    if declared is None and isinstance(lvalue, IndexExpr):  # NOTE: `outputs["logits"] = h`
        base = get_proper_type(checker.lookup_type_or_none(lvalue.base))
        ok = isinstance(base, Instance) and base.type.fullname in _SETS_ITEMS and base.args
        declared = base.args[-1] if isinstance(base, Instance) and ok else None
    return declared


def _assigned(checker: TypeChecker, stmt: AssignmentStmt) -> _Found | None:
    got = checker.lookup_type_or_none(stmt.rvalue)
    lvalue = stmt.lvalues[-1]
    declared = _declared_type(checker, lvalue)
    if got is None or declared is None:
        return None
    return got, declared, lvalue, (stmt, stmt.rvalue)


# NOTE: whose `__setitem__` takes the last type argument
_SETS_ITEMS = frozenset(("builtins.list", "builtins.dict", "collections.OrderedDict"))


def _starts(expr: Expression, info: ErrorInfo) -> bool:
    return (expr.line, expr.column) == (info.line, info.column)


def _at(expr: Expression, info: ErrorInfo) -> bool:
    """Whether `expr` spans exactly the error's place."""
    span = (info.line, info.column, info.end_line, info.end_column)
    return (expr.line, expr.column, expr.end_line, expr.end_column) == span


_FILTER = _Filter()


def watch(api: Any) -> None:
    """Put the filter under mypy's error watchers (once per build) and note which checker
    checks the current file."""
    if isinstance(api, TypeChecker):
        _FILTER.checker = api
        errors = api.msg.errors
    else:
        # NOTE: the semantic analyser's (a class statement): the build's one `Errors`
        errors = getattr(api, "errors", None)
        if errors is None:
            return
    watchers = errors._watchers
    _FILTER.errors = errors
    if not any(getattr(w, "_filter", None) is _FILTER for w in watchers):
        watchers.insert(0, ErrorWatcher(errors, filter_errors=_FILTER))
