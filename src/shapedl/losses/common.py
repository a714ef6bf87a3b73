"""What every loss shares: the reduction, the float and dtype checks, a typed `where`."""

from __future__ import annotations

from typing import Any, Literal, cast

from shapedl.ops.compare import where
from shapedl.ops.elementwise import float_only, same_dtype
from shapedl.tensor import Tensor
from shapedl.types import DT, TT

__all__ = [
    "LOGITS",
    "REDUCTION",
    "TWO",
    "Reduction",
    "check_reduction",
    "choose",
    "floats",
    "reduce",
    "target_dtype",
]

# NOTE: any `str`, as PyTorch types it, so that a reduction kept in a config type-checks; the
# runtime refuses another value (`check_reduction`), and the plugin reads a literal one for
# the result's shape. The literals are spelled for the reader and an editor's completion.
Reduction = Literal["mean", "sum", "none"] | str
TWO = ("input", "target")
LOGITS = ("logits", "target")
REDUCTION = ("reduction",)


def reduce(op: str, loss: Tensor[Any, DT, Any], reduction: str) -> Tensor[Any, DT, Any]:
    """The per-sample `loss` reduced as `reduction` says: its mean, its sum, or itself."""
    check_reduction(op, reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def check_reduction(op: str, reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'{op}: invalid reduction {reduction!r}; expected "mean", "sum" or "none"')


def floats(op: str, **named: Tensor[Any, Any, Any]) -> None:
    """A `TypeError` naming the first of `named` that is not a float tensor: torch has no
    integer kernels for its losses (an integer cross entropy here was truncated silently)."""
    for name, t in named.items():
        float_only(op, t, name)


def target_dtype(op: str, output: Tensor[Any, Any, Any], target: Tensor[Any, Any, Any]) -> None:
    """The dtype rule with the target as the data: the fix converts the target."""
    floats(op, input=output)
    same_dtype(op, output, target, data=1, name="target")


def choose(cond: Tensor[Any, Any, Any], a: Tensor[Any, DT, TT], b: Any) -> Tensor[Any, DT, TT]:
    """`where(cond, a, b)`, typed as `a`."""
    # NOTE: the cast because the plugin gives `where` the condition's dtype (bool), not `a`'s
    return cast("Tensor[Any, DT, TT]", where(cond, a, b))
