"""Constant padding with NumPy's `pad_width`; the gradient is the unpadded middle."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, cast

from shapedl import dims
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error, show_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["pad"]

PadWidth = int | Sequence[int] | Sequence[Sequence[int]]


def _widths(op: str, x: Shape, pad_width: Any) -> list[tuple[Dim, Dim]]:
    """`pad_width` as one `(before, after)` pair per axis, as `numpy.pad` reads it."""
    spec = pad_width if isinstance(pad_width, Sequence) else (pad_width,)
    if not any(isinstance(p, Sequence) for p in spec):
        spec = (spec,)  # NOTE: a flat `(before, after)` or `(width,)` is for every axis
    pairs = [tuple(p) * (2 if len(p) == 1 else 1) for p in spec]
    if len(pairs) == 1:
        pairs = pairs * len(x)
    if len(pairs) != len(x) or any(len(p) != 2 for p in pairs):
        raise shape_error(
            op, [x], f"pad_width {pad_width!r} does not give (before, after) for rank {len(x)}"
        )
    for axis, p in enumerate(pairs):
        if any(isinstance(w, int) and w < 0 for w in p):
            raise shape_error(op, [x], f"pad_width {show_shape(p)} of axis {axis} is negative")
    return [(_dim(p[0]), _dim(p[1])) for p in pairs]


def _dim(w: Any) -> Dim:
    """A width as a dim (NumPy integers become ints)."""
    return w if isinstance(w, dims.Expr) or w is dims.DYN else operator.index(w)


def pad_rule(op: str, x: Shape, pad_width: PadWidth) -> Shape:
    """Each axis grows by its `before + after`."""
    return tuple(
        dims.add(d, dims.add(b, a)) for d, (b, a) in zip(x, _widths(op, x, pad_width), strict=True)
    )


@register("pad", pad_rule, statics=("pad_width",))
def pad(x: Tensor[Any, DT, TT], pad_width: PadWidth, value: float = 0.0) -> Tensor[Any, DT, TT]:
    """`x` surrounded by `value`, with NumPy's meaning of `pad_width`.

    Args:
        x: the tensor to pad.
        pad_width: an int (every side of every axis), a pair `(before, after)` for every
            axis, or one pair per axis `((before_0, after_0), (before_1, after_1), ...)`.
        value: the constant to pad with.

    Raises:
        ShapeError: when `pad_width` does not fit `x`'s rank or is negative.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.pad(sd.ones((2, 3)), ((0, 0), (1, 2))).shape
        (2, 6)
    """
    pad_rule("pad", x.shape, pad_width)
    widths = cast(list[tuple[int, int]], _widths("pad", x.shape, pad_width))
    out = x.xp.pad(x.data, widths, constant_values=value) if widths else x.data
    middle = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape, strict=True))
    return record(out, (x,), lambda g: (g[middle],))
