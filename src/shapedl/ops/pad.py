"""Padding with NumPy's `pad_width`: by a constant, or by copies of `x`'s own values.

`mode` is PyTorch's `F.pad` mode: `"constant"`, `"reflect"` (mirrored about the edge, the edge
not repeated; NumPy's `"reflect"`), `"replicate"` (the edge repeated; NumPy's `"edge"`) or
`"circular"` (wrapped around; NumPy's `"wrap"`). A constant pad's gradient is the unpadded
middle; the other modes read each padded position from one position of `x` (`_sources`), so
their gradient adds each position's gradient back to the one it was read from.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, Literal, cast

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error, show_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["pad"]

PadWidth = int | Sequence[int] | Sequence[Sequence[int]]
PadMode = Literal["constant", "reflect", "replicate", "circular"]
# NOTE: PyTorch's limits: a reflection repeats no edge, so it reaches at most size - 1 away;
# a wrap at most the whole axis; a replicated edge needs one value
_MOST = {"reflect": (1, "below"), "circular": (0, "at most"), "replicate": (None, "")}


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


def pad_rule(op: str, x: Shape, pad_width: PadWidth, mode: Any = "constant") -> Shape:
    """Each axis grows by its `before + after`; a copying `mode` reads within the axis."""
    widths = _widths(op, x, pad_width)
    if isinstance(mode, str) and mode != "constant":
        if mode not in _MOST:
            modes = ", ".join(repr(m) for m in ("constant", *_MOST))
            raise ValueError(f"{op}: unknown mode {mode!r}; use one of {modes}")
        for axis, (d, pair) in enumerate(zip(x, widths, strict=True)):
            _check_reach(op, x, mode, axis, d, pair)
    return tuple(dims.add(d, dims.add(b, a)) for d, (b, a) in zip(x, widths, strict=True))


def _check_reach(op: str, x: Shape, mode: str, axis: int, d: Dim, pair: tuple[Dim, Dim]) -> None:
    """A copying pad of axis `axis` (size `d`) reads no further than the axis holds."""
    if not isinstance(d, int) or pair == (0, 0):
        return
    less, words = _MOST[mode]
    if less is None:
        if d == 0:
            raise shape_error(op, [x], f"{mode} padding of axis {axis} needs a value to copy")
        return
    if any(isinstance(w, int) and w > d - less for w in pair):
        raise shape_error(
            op,
            [x],
            f"{mode} padding {show_shape(pair)} of axis {axis} must be {words} its size {d}, "
            "as PyTorch's",
            "pad in several steps, or use mode='replicate'",
        )


@register("pad", pad_rule, statics=("pad_width", "mode"))
def pad(
    x: Tensor[Any, DT, TT],
    pad_width: PadWidth,
    value: float = 0.0,
    mode: PadMode = "constant",
) -> Tensor[Any, DT, TT]:
    """`x` surrounded by `value`, or by copies of its own values, with NumPy's meaning of
    `pad_width` and PyTorch's names of the modes.

    Args:
        x: the tensor to pad.
        pad_width: an int (every side of every axis), a pair `(before, after)` for every
            axis, or one pair per axis `((before_0, after_0), (before_1, after_1), ...)`.
        value: the constant to pad with (`mode="constant"` only).
        mode: `"constant"`; `"reflect"` (`[1, 2, 3]` by 2 is `[3, 2, 1, 2, 3, 2, 1]`),
            `"replicate"` (`[1, 1, 1, 2, 3, 3, 3]`) or `"circular"` (`[2, 3, 1, 2, 3, 1, 2]`),
            as PyTorch's `F.pad`.

    Raises:
        ShapeError: when `pad_width` does not fit `x`'s rank or is negative, or a reflection
            reaches as far as the axis's size (a wrap: beyond it).
        ValueError: for an unknown `mode`, or a `value` with a mode that copies.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.pad(sd.ones((2, 3)), ((0, 0), (1, 2))).shape
        (2, 6)
        >>> sd.ops.pad(sd.tensor([1.0, 2.0, 3.0]), 2, mode="reflect").tolist()
        [3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]
    """
    pad_rule("pad", x.shape, pad_width, mode)
    widths = cast(list[tuple[int, int]], _widths("pad", x.shape, pad_width))
    if mode != "constant":
        if value != 0:
            raise ValueError(f"pad: value {value} is for mode='constant', not {mode!r}")
        return _copying(x, widths, mode)
    out = x.xp.pad(x.data, widths, constant_values=value) if widths else x.data
    middle = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape, strict=True))
    return record(out, (x,), lambda g: (g[middle],))


def _sources(xp: Any, mode: str, n: int, before: int, after: int) -> Array:
    """For each position of the padded axis, the position of `x` it copies."""
    i = xp.arange(-before, n + after)
    if mode == "reflect":
        return (n - 1) - xp.abs((n - 1) - xp.abs(i))
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    return i % n


def _copying(
    x: Tensor[Any, DT, TT], widths: list[tuple[int, int]], mode: str
) -> Tensor[Any, DT, TT]:
    xp, out = x.xp, x.data
    reads = [
        (axis, _sources(xp, mode, n, b, a))
        for axis, (n, (b, a)) in enumerate(zip(x.shape, widths, strict=True))
        if (b, a) != (0, 0)
    ]
    for axis, source in reads:
        out = xp.take(out, source, axis=axis)

    def vjp(g: Array) -> tuple[Array]:
        for axis, source in reversed(reads):
            moved = xp.moveaxis(g, axis, 0)
            grad = xp.zeros((x.shape[axis], *moved.shape[1:]), dtype=g.dtype)
            xp.add.at(grad, source, moved)  # NOTE: an edge read by several positions adds up
            g = xp.moveaxis(grad, 0, axis)
        return (g,)

    return record(out, (x,), vjp)
