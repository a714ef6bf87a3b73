"""The plugin's error codes, so users can write `# type: ignore[shape]`; how it reports its
errors, and looks for or takes back mypy's own where the plugin says it better."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from mypy import errorcodes
from mypy.errorcodes import ErrorCode
from mypy.nodes import Context, Expression, FuncItem, LambdaExpr, TypeInfo
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
        api.fail(message, context, code=code)
        return
    watchers = errors._watchers
    errors._watchers = []
    try:
        api.fail(message, context, code=code)
    finally:
        errors._watchers = watchers
    if code in (SHAPE, DTYPE):
        _drop_argument_errors(errors, context, _OPERAND_CODES if code is DTYPE else ())


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


def _drop_argument_errors(errors: Any, context: Context, more: Iterable[str] = ()) -> None:
    """Take back mypy's errors of the arguments of the call at `context` (and those of the
    codes `more`)."""
    first, last = context.line, context.end_line or context.line
    codes = _ARGUMENT_CODES | frozenset(more)
    for infos in _error_lists(errors):
        infos[:] = [
            i
            for i in infos
            if not (
                first <= i.line <= last
                and getattr(i.code, "code", None) in codes
                and i.severity == "error"
                and (i.code is not errorcodes.MISC or _about_operands(i.message))
                and (not more or _about_tensors(i))
            )
        ]


def _about_tensors(info: Any) -> bool:
    """Whether mypy's error is about tensors (not another call's arguments on the same
    line, `(emb * keep, f("s"))`)."""
    # NOTE: and a tensor operand's own `dtype=`, which mypy checks against the other's
    return "Tensor[" in info.message or info.message.startswith('Argument "dtype" to ')


def said_of_dtypes(errors: Any, file: str, info: Any) -> bool:
    """Whether mypy's error `info` is about operands of a call whose dtypes the plugin has
    refused already (`[dtype]`): one bug, one error.

    NOTE: mypy reports its own after the hook too (the call checked again against an erased
    overload), so `stale.py`'s filter asks this of each error as it comes."""
    code = getattr(info.code, "code", None)
    if code not in _ARGUMENT_CODES | _OPERAND_CODES or info.severity != "error":
        return False
    if code == "misc" and not _about_operands(info.message):
        return False
    return _about_tensors(info) and any(
        i.code is DTYPE and i.line <= info.line <= max(i.end_line, i.line)
        for i in errors.error_info_map.get(file, [])
    )


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
