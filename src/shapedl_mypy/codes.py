"""The plugin's error codes, so users can write `# type: ignore[shape]`; how it reports its
errors, and looks for or takes back mypy's own where the plugin says it better."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from mypy.errorcodes import ErrorCode
from mypy.nodes import (
    CallExpr,
    ComparisonExpr,
    Context,
    Expression,
    FuncItem,
    LambdaExpr,
    MemberExpr,
    OpExpr,
    RefExpr,
    TypeInfo,
    UnaryExpr,
)
from mypy.plugin import CheckerPluginInterface, FunctionContext, MethodContext
from mypy.subtypes import find_member
from mypy.typeops import get_all_type_vars
from mypy.types import CallableType, Instance, Overloaded, Type, TypeVarId, get_proper_type

__all__ = [
    "CANNOT_INFER",
    "CANNOT_INFER_ANY",
    "DTYPE",
    "LAYER_IMPORT",
    "SHAPE",
    "TAPE",
    "report",
    "said",
    "said_of_dtypes",
    "speculative",
    "errors_at",
    "take_back",
    "take_back_at",
    "take_back_these",
]

SHAPE = ErrorCode("shape", "Tensor shapes that cannot agree (shapedl)", "shapedl")
TAPE = ErrorCode("tape", "backward() on an untraced or non-scalar tensor (shapedl)", "shapedl")
DTYPE = ErrorCode("dtype", "Tensor dtypes an op refuses to mix (shapedl)", "shapedl")
# NOTE: a note, not an error: the layer's calls are only not checked, as without the plugin
LAYER_IMPORT = ErrorCode(
    "layer-import", "A registered layer whose module the plugin cannot import (shapedl)", "shapedl"
)
_DTYPE_CLASS = "shapedl.types.DType"
CANNOT_INFER = "Cannot infer value of type parameter"
CANNOT_INFER_ANY = "Cannot infer function type argument"


_quiet = [0]


@contextmanager
def speculative(api: CheckerPluginInterface, types: Sequence[Type]) -> Iterator[None]:
    """No `report` while a hook sees a type variable that no enclosing function or class
    binds: mypy is trying a lambda (`apply(lambda t: lin(t), x)`) against a generic callee's
    parameter types before solving them, and checks it again with the solution."""
    quiet = _unbound_type_vars(api, types)
    _quiet[0] += quiet
    try:
        yield
    finally:
        _quiet[0] -= quiet


def _unbound_type_vars(api: CheckerPluginInterface, types: Sequence[Type]) -> bool:
    found = [v for t in types for v in get_all_type_vars(t)]
    if not found:
        return False
    stack = getattr(getattr(api, "scope", None), "stack", None)
    if stack is None:
        return False
    bound: set[TypeVarId] = set()
    for e in stack:
        if isinstance(e, FuncItem) and isinstance(e.type, CallableType):
            bound.update(v.id for v in e.type.variables)
        elif isinstance(e, TypeInfo):
            bound.update(v.id for v in e.defn.type_vars)
    return any(v.id not in bound for v in found)


def _lambda_on_trial(api: CheckerPluginInterface) -> bool:
    """Whether the code checked is in a lambda whose parameters mypy typed with type variables
    it has not solved yet: what a hook finds there (in a list it reads from the source, as
    `sd.cat([t, u])`'s) speaks of the trial's `B`, not of the call's sizes."""
    stack = getattr(getattr(api, "scope", None), "stack", None) or []
    parameters = [
        a.variable.type
        for e in stack
        if isinstance(e, LambdaExpr)
        for a in e.arguments
        if a.variable.type is not None
    ]
    return _unbound_type_vars(api, parameters)


def report(api: CheckerPluginInterface, message: str, context: Context, code: ErrorCode) -> None:
    """Report `message`, past mypy's speculative error filters.

    For an operator (`a + b`) mypy first tries `a.__add__(b)` with errors filtered and takes
    any error as "this operator does not apply"; it would then report the wrong thing
    ("Unsupported operand types"). The shape error is the answer, whichever attempt finds
    it, so it goes straight to mypy's error list (duplicates are removed by mypy).
    """
    errors = api.msg.errors
    if _quiet[0] or _lambda_on_trial(api) or _already_said(errors, message, context, code):
        return
    if _trying_an_overload_with_a_lambda(api, context):
        _fail_the_trial(api, message, context, code)
        return
    watchers = errors._watchers
    errors._watchers = []
    try:
        api.fail(message, context, code=code)
    finally:
        errors._watchers = watchers
    if code in (SHAPE, DTYPE):
        places = _places(context)
        if code is DTYPE:
            _OPERANDS_OF_DTYPE_ERRORS[(errors.file, context.line, context.column)] = places
        _drop_argument_errors(errors, places, _OPERAND_CODES if code is DTYPE else ())


def _trying_an_overload_with_a_lambda(api: CheckerPluginInterface, context: Context) -> bool:
    """Whether mypy is trying a lambda against one overload of the call it is an argument of
    (`apply(lambda t: lin(t), x)`, `apply` overloaded): the error then only says "not this
    overload", so it goes to the trial's watcher, which moves on to the next. Where none
    fits, mypy checks the call once more without watchers, and the error is reported then.

    NOTE: mypy's overload trials are its only watchers that filter `reveal_type`; the op at
    `context` being overloaded itself accounts for one of them.
    """
    stack = getattr(getattr(api, "scope", None), "stack", None)
    if not stack or not any(isinstance(e, LambdaExpr) for e in stack):
        return False
    trials = sum(1 for w in api.msg.errors._watchers if getattr(w, "filter_revealed_type", False))
    return trials > (1 if _overloaded_call(api, context) else 0)


def _fail_the_trial(
    api: CheckerPluginInterface, message: str, context: Context, code: ErrorCode
) -> None:
    """Report to the watcher of the outermost overload trial, which then moves on to its
    next overload.

    NOTE: not to the innermost watcher: that may be the op's own trial (`sd.where`'s, which is
    overloaded), which would take the error as "not this overload of `where`" and, none
    fitting, check `where` once more past its overloads, where the error is no longer held.
    """
    errors = api.msg.errors
    watchers = errors._watchers
    trials = [i for i, w in enumerate(watchers) if getattr(w, "filter_revealed_type", False)]
    errors._watchers = watchers[: trials[0] + 1]
    try:
        api.fail(message, context, code=code)
    finally:
        errors._watchers = watchers


def _overloaded_call(api: CheckerPluginInterface, context: Context) -> bool:
    """Whether the call at `context` is to an overloaded function, method or `__call__`."""
    callee = getattr(context, "callee", None)
    lookup = getattr(api, "lookup_type_or_none", None)
    if not isinstance(callee, Expression) or lookup is None:
        return False
    called = get_proper_type(lookup(callee))
    if isinstance(called, Instance):
        called = get_proper_type(find_member("__call__", called, called, is_operator=True))
    return isinstance(called, Overloaded)


# NOTE: what mypy says of an argument the shape rule has already refused, in its own words (a
# tuple of 3 where `int | tuple[int, int]` goes, a matrix where `Tensor[tuple[Never, Never,
# Never]]` goes): one bug, one error, the plugin's, which says what to write instead
_ARGUMENT_CODES = frozenset(("arg-type", "call-overload"))


# NOTE: and what mypy says of operands whose dtypes no overload takes: `Unsupported operand
# types for +`, `Cannot infer value of type parameter "DT"`
_OPERAND_CODES = frozenset(("operator", "misc"))


# NOTE: the places of the operands of each `[dtype]` error's op (by the file, line and
# column of the error), for `said_of_dtypes` to know mypy's errors about them from the others
_OPERANDS_OF_DTYPE_ERRORS: dict[tuple[str, int, int], frozenset[tuple[int, int]]] = {}


def _places(context: Context) -> frozenset[tuple[int, int]]:
    """Where mypy puts its errors about the op at `context` and its operands: the op itself
    (`Unsupported operand types`, `Cannot infer value of type parameter`) and the start of
    each operand (`Argument 2 to "mm" has incompatible type`), not an error inside an
    operand (`head(x5)`'s own) or elsewhere on the line (`(emb * keep, head(x5))`)."""
    operands: list[Context] = [context]
    if isinstance(context, CallExpr):
        operands += context.args
        if isinstance(context.callee, MemberExpr):
            operands.append(context.callee.expr)
    elif isinstance(context, OpExpr):
        operands += [context.left, context.right]
    elif isinstance(context, ComparisonExpr):
        operands += context.operands
    elif isinstance(context, UnaryExpr):
        operands.append(context.expr)
    # NOTE: and an operand's own `dtype=` (`sd.randn(s, dtype=sd.f64)`, `.astype(sd.f64)`),
    # which mypy checks against the other operand's dtype
    asked = [a for o in operands[1:] for a in _dtype_arguments(o)]
    return frozenset((c.line, c.column) for c in operands + asked)


def _dtype_arguments(e: Context) -> list[Expression]:
    """The dtype arguments of the calls that make `e` (`x.astype(sd.f64).T` has one)."""
    found: list[Expression] = []
    while isinstance(e, CallExpr | MemberExpr):
        if isinstance(e, CallExpr):
            found += [
                a
                for a, name in zip(e.args, e.arg_names, strict=True)
                if name == "dtype"
                or isinstance(a, RefExpr)
                and isinstance(a.node, TypeInfo)
                and a.node.has_base(_DTYPE_CLASS)
            ]
        e = e.callee if isinstance(e, CallExpr) else e.expr
    return found


def _drop_argument_errors(
    errors: Any, places: frozenset[tuple[int, int]], more: Iterable[str] = ()
) -> None:
    """Take back mypy's errors of the operands at `places` (by `_places`) of the op whose
    error was just reported (and those of the codes `more`)."""
    for infos in _error_lists(errors):
        infos[:] = [i for i in infos if not _about_the_operands(i, places, more)]


def _about_the_operands(
    info: Any, places: frozenset[tuple[int, int]], more: Iterable[str] = ()
) -> bool:
    """Whether mypy's error `info` is one about the operands at `places` (by `_places`): of an
    argument code (with `more`, only one naming tensors), or of the codes `more` where it
    says no overload takes them (`Unsupported operand types`, `Cannot infer ...`)."""
    code = getattr(info.code, "code", None)
    if info.severity != "error" or (info.line, info.column) not in places:
        return False
    if code in _OPERAND_CODES:
        return code in more and _about_operands(info.message)
    return code in _ARGUMENT_CODES and (not more or _about_tensors(info))


def _about_tensors(info: Any) -> bool:
    """Whether mypy's error is about tensors (not a Python value given with them)."""
    # NOTE: and a tensor operand's own `dtype=`, which mypy checks against the other's
    return "Tensor[" in info.message or info.message.startswith('Argument "dtype" to ')


def said_of_dtypes(errors: Any, file: str, info: Any) -> bool:
    """Whether mypy's error `info` is about operands of a call whose dtypes the plugin has
    refused already (`[dtype]`), or an operator's refusal of an operand whose own call mypy
    has refused already (`_refuses_tensors`): one bug, one error.

    NOTE: mypy reports its own after the hook too (the call checked again against an erased
    overload), so `stale.py`'s filter asks this of each error as it comes."""
    said = errors.error_info_map.get(file, [])
    refused = [
        _OPERANDS_OF_DTYPE_ERRORS.get((file, i.line, i.column), frozenset())
        for i in said
        if i.code is DTYPE
    ]
    if any(_about_the_operands(info, places, _OPERAND_CODES) for places in refused):
        return True
    return _refuses_tensors(info) and any(_inside(i, info) for i in said)


# NOTE: an operator's refusal of tensor operands in mypy's words: `Unsupported operand types
# for + ("Tensor[...]" and "Tensor[...]")`, or, as some operators say it, of its operand
_OPERATOR_REFUSAL = re.compile(
    r'Unsupported operand types for \S+ \("Tensor\[.*" and "Tensor\[|'
    r'Argument \d+ has incompatible type "Tensor\['
)


def _refuses_tensors(info: Any) -> bool:
    """Whether mypy's error `info` is an operator's refusal of tensor operands.

    NOTE: where an operand's own call has an error (`head(emb) + head(x5)`, `head(x5)`
    refused), mypy, trying each overload of `__add__`, checks the operand again, meets its
    error again and takes it for "no overload fits": the operand's error is the bug.
    """
    code = getattr(info.code, "code", None)
    if info.severity != "error" or code not in ("operator", "arg-type"):
        return False
    return _OPERATOR_REFUSAL.match(info.message) is not None


def _inside(inner: Any, outer: Any) -> bool:
    """Whether mypy's error `inner` is placed within `outer`'s place (an operand's own error
    within the operator's expression), not at its start."""
    if min(inner.column, inner.end_column, outer.column, outer.end_column) < 0:
        return False
    start, end = (outer.line, outer.column), (outer.end_line, outer.end_column)
    place = (inner.line, inner.column)
    return inner.severity == "error" and start < place and (inner.end_line, inner.end_column) <= end


def _about_operands(message: str) -> bool:
    return message.startswith((CANNOT_INFER, CANNOT_INFER_ANY, "Unsupported operand"))


def _already_said(errors: Any, message: str, context: Context, code: ErrorCode) -> bool:
    """Whether this op already has a `code` error on this line: one bug, one error.

    NOTE: mypy checks `x @ w` once per member of a union `x` (a name rebound in a loop), and
    each member that does not fit would say so again in other words.
    """
    op = message.split(":", 1)[0] + ":"
    return any(
        info.line == context.line and info.code == code and info.message.startswith(op)
        for info in errors.error_info_map.get(errors.file, [])
    )


def _error_lists(errors: Any) -> list[list[Any]]:
    """mypy's errors of this file, and those its watchers hold to add later.

    NOTE: mypy may hold an error in a watcher, to add it later (an assignment's right side is
    checked that way), so looking for one, or taking it back, looks there too.
    """
    held = [getattr(watcher, "_filtered", None) for watcher in errors._watchers]
    return [errors.error_info_map.get(errors.file, []), *(h for h in held if h)]


def _within(info: Any, ctx: FunctionContext | MethodContext, whole: bool) -> bool:
    """Whether an error is on this call's line (`whole`: on any line the call spans)."""
    line = ctx.context.line
    return bool(line <= info.line <= (ctx.context.end_line or line) if whole else info.line == line)


def take_back(
    ctx: FunctionContext | MethodContext, unwanted: Callable[[str], bool], whole: bool = False
) -> None:
    """Take back mypy's errors of this call's line that `unwanted` picks by their message
    (`whole`: on any line of the call, where an argument's error is reported)."""
    for infos in _error_lists(ctx.api.msg.errors):
        infos[:] = [i for i in infos if not (_within(i, ctx, whole) and unwanted(i.message))]


def take_back_at(ctx: FunctionContext | MethodContext, code: ErrorCode, at: Context) -> None:
    """Take back mypy's `code` errors reported at `at` (an argument of this call)."""
    take_back_these(ctx, errors_at(ctx, code, at))


def errors_at(ctx: FunctionContext | MethodContext, code: ErrorCode, at: Context) -> list[Any]:
    """mypy's `code` errors reported at `at` (an argument of this call), held ones too."""
    place = (at.line, at.column)
    return [
        i
        for infos in _error_lists(ctx.api.msg.errors)
        for i in infos
        if i.code == code and (i.line, i.column) == place
    ]


def take_back_these(ctx: FunctionContext | MethodContext, these: list[Any]) -> None:
    """Take back these errors (found by `errors_at`)."""
    ids = {id(i) for i in these}
    for infos in _error_lists(ctx.api.msg.errors):
        infos[:] = [i for i in infos if id(i) not in ids]


def said(
    ctx: FunctionContext | MethodContext, wanted: Callable[[Any], bool], whole: bool = False
) -> bool:
    """Whether mypy reported an error that `wanted` picks (by its `message` or `code`) on this
    call's line (`whole`: on any line of the call, where an argument's error is reported)."""
    return any(
        _within(i, ctx, whole) and wanted(i)
        for infos in _error_lists(ctx.api.msg.errors)
        for i in infos
    )
