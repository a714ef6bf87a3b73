"""Masks: tril, triu and masked_fill, with PyTorch's meaning.

Each keeps its input's shape; the gradient flows where the value was kept and is zero where
it was replaced.
"""

from __future__ import annotations

from typing import Any

from shapedl import dims
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, S, bool_

__all__ = ["masked_fill", "tril", "triu"]


def matrix_rule(op: str, x: Shape, diagonal: int = 0) -> Shape:
    """The shape is kept; the last two axes are the matrix."""
    if len(x) < 2:
        raise shape_error(op, [x], f"needs at least 2 axes (a matrix), got rank {len(x)}")
    return x


@register("tril", matrix_rule, statics=("diagonal",), methods=("tril",))
def tril(x: Tensor[S, DT, TT], diagonal: int = 0) -> Tensor[S, DT, TT]:
    """The lower triangle of the last two axes: zero above diagonal `diagonal`.

    `diagonal=0` keeps the main diagonal, `1` one more above it, `-1` one fewer.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 2)).tril().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    matrix_rule("tril", x.shape, diagonal)
    xp = x.xp
    return record(xp.tril(x.data, diagonal), (x,), lambda g: (xp.tril(g, diagonal),))


@register("triu", matrix_rule, statics=("diagonal",), methods=("triu",))
def triu(x: Tensor[S, DT, TT], diagonal: int = 0) -> Tensor[S, DT, TT]:
    """The upper triangle of the last two axes: zero below diagonal `diagonal`.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 2)).triu(1).tolist()
        [[0.0, 1.0], [0.0, 0.0]]
    """
    matrix_rule("triu", x.shape, diagonal)
    xp = x.xp
    return record(xp.triu(x.data, diagonal), (x,), lambda g: (xp.triu(g, diagonal),))


def masked_fill_rule(op: str, x: Shape, mask: Shape) -> Shape:
    """`x`'s shape; `mask` must broadcast to it (without making it larger)."""
    out = dims.broadcast(op, x, mask)
    if len(out) != len(x) or any(d == 1 and o != 1 for d, o in zip(x, out, strict=True)):
        raise shape_error(
            op, [x, mask], "the mask is larger than the tensor", "the mask must broadcast to x"
        )
    return x


@register("masked_fill", masked_fill_rule, tensors=("x", "mask"), methods=("masked_fill",))
def masked_fill(
    x: Tensor[S, DT, TT], mask: Tensor[Any, bool_, Any], value: float
) -> Tensor[S, DT, TT]:
    """`x` with `value` where the boolean `mask` (broadcast to `x`) is True.

    The gradient is zero where the value was filled.

    Raises:
        ShapeError: when `mask` does not broadcast to `x`'s shape.

    Example:
        >>> import shapedl as sd
        >>> x = sd.zeros((2, 2))
        >>> x.masked_fill(sd.ones((2, 2)).triu(1) > 0, -1.0).tolist()
        [[0.0, -1.0], [0.0, 0.0]]
    """
    masked_fill_rule("masked_fill", x.shape, mask.shape)
    check_devices("masked_fill", x, mask)
    if mask.data.dtype.kind != "b":
        raise TypeError(f"masked_fill: the mask must be boolean, not {mask.data.dtype}")
    xp, keep = x.xp, mask.data
    fill = x.device.backend.asarray(value, dtype=str(x.data.dtype))  # NOTE: no upload when recorded
    out = xp.where(keep, fill, x.data)
    return record(out, (x, mask), lambda g: (xp.where(keep, 0, g), None))
