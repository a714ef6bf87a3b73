"""The plugin's error codes, so users can write `# type: ignore[shape]`."""

from __future__ import annotations

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
    watchers = errors._watchers
    errors._watchers = []
    try:
        api.fail(message, context, code=code)
    finally:
        errors._watchers = watchers
