"""The plugin's error codes, so users can write `# type: ignore[shape]`."""

from __future__ import annotations

from typing import Any

from mypy.errorcodes import ErrorCode
from mypy.nodes import Context
from mypy.plugin import CheckerPluginInterface

__all__ = ["SHAPE", "TAPE", "report"]

SHAPE = ErrorCode("shape", "Tensor shapes that cannot agree (shapedl)", "shapedl")
TAPE = ErrorCode("tape", "backward() on an untraced or non-scalar tensor (shapedl)", "shapedl")


def report(api: CheckerPluginInterface, message: str, context: Context, code: ErrorCode) -> None:
    """Report `message`, past mypy's speculative error filters.

    For an operator (`a + b`) mypy first tries `a.__add__(b)` with errors filtered and takes
    any error as "this operator does not apply"; it would then report the wrong thing
    ("Unsupported operand types"). The shape error is the answer, whichever attempt finds
    it, so it goes straight to mypy's error list (duplicates are removed by mypy).
    """
    errors = api.msg.errors
    if _already_said(errors, message, context, code):
        return
    watchers = errors._watchers
    errors._watchers = []
    try:
        api.fail(message, context, code=code)
    finally:
        errors._watchers = watchers


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
