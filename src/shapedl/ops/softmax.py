"""Softmax and log-softmax along one axis, stable for logits of any size.

Shape rule: the shape is kept; `axis` must exist. Both subtract the max along `axis` before
exponentiating, so logits of +-1000 give no inf or nan, forward or backward.
"""

from __future__ import annotations

from typing import Any, Unpack

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import NoKeywords, refused_keywords
from shapedl.ops.elementwise import float_only
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, S

__all__ = ["log_softmax", "softmax"]


def softmax_rule(op: str, x: Shape, axis: int = -1) -> Shape:
    """The shape is kept; `axis` must be in range."""
    dims.normalize_axis(op, axis, x)
    return x


def _shifted(op: str, x: Tensor[Any, Any, Any], axis: int) -> tuple[int, Array]:
    """The axis as an index, and `x` minus its max along it (every entry <= 0)."""
    softmax_rule(op, x.shape, axis)
    float_only(op, x)  # NOTE: as torch; NumPy would compute it in float64
    ax = dims.normalize_axis(op, axis, x.shape)
    if not x.data.size:  # NOTE: an empty tensor's softmax is empty, as PyTorch's (no max)
        return ax, x.data.copy()
    return ax, x.data - x.data.max(axis=ax, keepdims=True)


@register("softmax", softmax_rule, statics=("axis",), methods=("softmax",))
@in_f32()
def softmax(
    x: Tensor[S, DT, TT], axis: int = -1, **refused: Unpack[NoKeywords]
) -> Tensor[S, DT, TT]:
    """`exp(x) / sum(exp(x))` along `axis` (the last by default).

    Raises:
        ShapeError: when `axis` is out of range.
        TypeError: for an integer or bool `x` (as PyTorch).

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([0.0, 0.0, 1000.0]).softmax().tolist()
        [0.0, 0.0, 1.0]
    """
    if refused:
        raise refused_keywords("softmax", refused)
    # NOTE: a row of -inf (fully masked) or with +inf is nan, quietly, as in PyTorch; exp and
    # the division run in place, in the fresh array `_shifted` made (softmax's cost is passes
    # over memory)
    with x.device.backend.quiet():
        ax, out = _shifted("softmax", x, axis)
        x.xp.exp(out, out=out)
        out /= out.sum(axis=ax, keepdims=True)
    xp = x.xp

    def vjp(g: Array) -> tuple[Array]:
        t = g * out
        xp.subtract(g, t.sum(axis=ax, keepdims=True), out=t)
        t *= out
        return (t,)

    return record(out, (x,), vjp)


@register("log_softmax", softmax_rule, statics=("axis",), methods=("log_softmax",))
@in_f32()
def log_softmax(
    x: Tensor[S, DT, TT], axis: int = -1, **refused: Unpack[NoKeywords]
) -> Tensor[S, DT, TT]:
    """`x - logsumexp(x)` along `axis` (the last by default), computed without overflow.

    Raises:
        ShapeError: when `axis` is out of range.
        TypeError: for an integer or bool `x` (as PyTorch).

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([0.0, 1000.0]).log_softmax().tolist()
        [-1000.0, 0.0]
    """
    if refused:
        raise refused_keywords("log_softmax", refused)
    xp = x.xp
    with x.device.backend.quiet():  # NOTE: see softmax
        ax, z = _shifted("log_softmax", x, axis)
        out = z - xp.log(xp.exp(z).sum(axis=ax, keepdims=True))
    return record(out, (x,), lambda g: (g - xp.exp(out) * g.sum(axis=ax, keepdims=True),))
