"""Ops that move or copy values without arithmetic: `roll`, `flip`, `repeat`, `tile`,
`pixel_shuffle` and `pixel_unshuffle`.

`roll` and `flip` keep the shape; their gradients roll and flip back. `repeat` and `tile`
follow NumPy (where PyTorch's names differ: `repeat` is `torch.repeat_interleave`, `tile` is
`torch.tile`, which is `Tensor.repeat`): `repeat` multiplies one axis (or the flattened
array), `tile` every axis, and their gradients add the copies back up. An option that is not
a literal int (`DYN`) never raises in a rule: the dims it decides become `DYN`.
`pixel_shuffle` and `pixel_unshuffle` (PyTorch's) are a reshape, a permute and a reshape, so
their gradient is those ops'; their rules serve the layers `nn.PixelShuffle` and
`nn.PixelUnshuffle`.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index
from typing import Any, Unpack, cast

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error, show_shape
from shapedl.ops.movement import permute, reshape, spread_ints
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, S

__all__ = ["flip", "pixel_shuffle", "pixel_unshuffle", "repeat", "roll", "tile"]

Axes = int | Sequence[int] | None


def _axes(op: str, axis: Any, x: Shape) -> tuple[int, ...] | None:
    """Normalized axes (None: every axis), or None where some axis is not a literal int."""
    items = axis if isinstance(axis, tuple | list) else (axis,)
    if axis is not None and not all(dims.is_axis(a) for a in items):
        return None
    return dims.normalize_axes(op, axis, x)


# ---- roll -------------------------------------------------------------------------------
def roll_rule(op: str, x: Shape, shifts: Any = 0, axis: Any = None) -> Shape:
    """The shape is kept; `shifts` and `axis` broadcast (NumPy): an int goes with every axis
    (or shift), two sequences have one length."""
    if isinstance(shifts, tuple | list) and isinstance(axis, tuple | list):
        if len(shifts) != len(axis):
            raise shape_error(op, [x], f"{len(shifts)} shifts for {len(axis)} axes {tuple(axis)}")
    for a in axis if isinstance(axis, tuple | list) else (axis,):
        if dims.is_axis(a):
            dims.normalize_axis(op, a, x)
    if axis is None and isinstance(shifts, tuple | list):
        raise shape_error(op, [x], "several shifts need an axis for each", "pass axis=(...)")
    return x


@register("roll", roll_rule, statics=("shifts", "axis"), methods=("roll",))
def roll(
    x: Tensor[S, DT, TT],
    shifts: int | Sequence[int],
    axis: Axes = None,
    **refused: Unpack[NoKeywords],
) -> Tensor[S, DT, TT]:
    """Values shifted cyclically by `shifts` along `axis` (None: the flattened array).

    NumPy's `roll` (PyTorch's `torch.roll` with `dims=axis`).

    Raises:
        ShapeError: when an axis is out of range, or `shifts` and `axis` differ in length.

    Shape:
        `(*S) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.roll(sd.tensor([1.0, 2.0, 3.0]), 1).tolist()
        [3.0, 1.0, 2.0]
    """
    if refused:
        raise refused_keywords("roll", refused)
    roll_rule("roll", x.shape, shifts, axis)
    xp = x.xp
    back = tuple(-s for s in shifts) if isinstance(shifts, Sequence) else -shifts
    out = xp.roll(x.data, shifts, axis=axis)
    return record(out, (x,), lambda g: (xp.roll(g, back, axis=axis),))


# ---- flip -------------------------------------------------------------------------------
def flip_rule(op: str, x: Shape, axis: Any = None) -> Shape:
    """The shape is kept; the axes must exist and not repeat."""
    _axes(op, axis, x)
    return x


@register("flip", flip_rule, statics=("axis",), methods=("flip",))
def flip(
    x: Tensor[S, DT, TT], axis: Axes = None, **refused: Unpack[NoKeywords]
) -> Tensor[S, DT, TT]:
    """The order of the values reversed along `axis` (None: every axis, as NumPy's `flip`).

    Raises:
        ShapeError: when an axis is out of range or repeats.

    Shape:
        `(*S) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.flip(sd.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1).tolist()
        [[2.0, 1.0], [4.0, 3.0]]
    """
    if refused:
        raise refused_keywords("flip", refused)
    axes = dims.normalize_axes("flip", axis, x.shape)
    xp = x.xp
    # NOTE: a copy, as PyTorch's: NumPy's view would see a later `x -= 1`
    flipped = xp.flip(x.data, axes).copy()
    return record(flipped, (x,), lambda g: (xp.flip(g, axes),))


# ---- repeat -----------------------------------------------------------------------------
def _repeated(op: str, x: Shape, n: Dim, repeats: Any, where: str) -> Dim:
    """The size `n` takes when each of its entries is repeated `repeats` times."""
    if isinstance(repeats, tuple | list):
        if any(isinstance(r, int) and r < 0 for r in repeats):
            raise shape_error(op, [x], f"repeats {show_shape(tuple(repeats))} has a negative count")
        if dims.same(n, len(repeats)) is False:
            raise shape_error(
                op, [x], f"{len(repeats)} repeats for {n} values {where}", "give one per value"
            )
        total: Dim = 0
        for r in repeats:
            total = dims.add(total, _count(r))
        return total
    if isinstance(repeats, int) and repeats < 0:
        raise shape_error(op, [x], f"repeats {repeats} is negative")
    return dims.mul(n, _count(repeats))


def _count(r: Any) -> Dim:
    """A count as a dim: a literal int or a symbol stays, anything else is `DYN`."""
    return r if isinstance(r, int | dims.Expr) else DYN


def repeat_rule(op: str, x: Shape, repeats: Any = 1, axis: Any = None) -> Shape:
    """Axis `axis` times `repeats` (or the sum of a list of counts, one per value); with
    `axis=None` the flattened array, as NumPy's `repeat`."""
    if axis is None:
        return (_repeated(op, x, dims.product(x), repeats, "in the flattened array"),)
    if not dims.is_axis(axis):
        return tuple(DYN for _ in x)
    a = dims.normalize_axis(op, axis, x)
    n = _repeated(op, x, x[a], repeats, f"at axis {axis}")
    return (*x[:a], n, *x[a + 1 :])


@register("repeat", repeat_rule, statics=("repeats", "axis"), methods=("repeat_interleave",))
def repeat(
    x: Tensor[Any, DT, TT], repeats: int | Sequence[int], axis: int | None = None
) -> Tensor[Any, DT, TT]:
    """Each value repeated `repeats` times along `axis`, as NumPy's `repeat`.

    `repeats` is one count, or one count per value along the axis; `axis=None` repeats the
    flattened array. PyTorch calls this `repeat_interleave` (its `Tensor.repeat` is `tile`):
    `sd.ops.repeat_interleave` and `x.repeat_interleave(...)` are this op under that name.

    Raises:
        ShapeError: when the axis is out of range, a count is negative, or a list of counts
            does not have one count per value.

    Shape:
        `(N, C) -> (N * r, C)` with `axis=0`; `(*S) -> (prod(S) * r,)` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.repeat(sd.tensor([1.0, 2.0]), 2).tolist()
        [1.0, 1.0, 2.0, 2.0]
    """
    repeat_rule("repeat", x.shape, repeats, axis)
    xp = x.xp
    flat = x.data.reshape(-1) if axis is None else x.data
    a = 0 if axis is None else axis % x.ndim
    # NOTE: a Python int or list, which every backend's `repeat` takes (CuPy no array)
    counts = [int(r) for r in repeats] if isinstance(repeats, Sequence) else index(repeats)
    out = xp.repeat(flat, counts, axis=a)
    source = xp.repeat(xp.arange(flat.shape[a]), counts)

    def vjp(g: Array) -> tuple[Array]:
        moved = xp.moveaxis(g, a, 0)
        grad = xp.zeros((flat.shape[a], *moved.shape[1:]), dtype=g.dtype)
        xp.add.at(grad, source, moved)
        return (xp.moveaxis(grad, 0, a).reshape(x.shape),)

    return record(out, (x,), vjp)


# ---- tile -------------------------------------------------------------------------------
def _aligned(x: Shape, reps: Sequence[Any]) -> tuple[Shape, tuple[Any, ...]]:
    """Shape and reps padded with leading 1s to one length, as NumPy's `tile` does."""
    d = max(len(x), len(reps))
    return (1,) * (d - len(x)) + tuple(x), (1,) * (d - len(reps)) + tuple(reps)


def tile_rule(op: str, x: Shape, reps: Any = 1) -> Shape:
    """Every axis times its count in `reps` (aligned from the right, missing counts are 1)."""
    items = tuple(reps) if isinstance(reps, tuple | list) else (reps,)
    for r in items:
        if isinstance(r, int) and r < 0:
            raise shape_error(op, [x], f"reps {show_shape(items)} has a negative count")
    shape, counts = _aligned(x, items)
    return tuple(dims.mul(n, _count(r)) for n, r in zip(shape, counts, strict=True))


@register("tile", tile_rule, statics=("reps",), methods=("tile",))
def tile(x: Tensor[Any, DT, TT], *reps: int | Sequence[int]) -> Tensor[Any, DT, TT]:
    """`x` copied `reps[i]` times along axis `i`, as NumPy's `tile` (PyTorch's `tile`, and
    what PyTorch's `Tensor.repeat` does: port `x.repeat(2, 1)` as `x.tile(2, 1)`, since
    NumPy's `repeat`, `sd.ops.repeat`, repeats each value).

    `reps` and the shape are aligned from the right: missing counts are 1, and a longer
    `reps` adds leading axes. The counts come as one tuple or as separate ints, as in
    PyTorch: `x.tile(2, 1)` and `x.tile((2, 1))` are the same call.

    Raises:
        ShapeError: when a count is negative.

    Shape:
        `(N, C) -> (N * r0, C * r1)` with `reps=(r0, r1)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.tile(sd.tensor([1.0, 2.0]), (2, 2)).tolist()
        [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
    """
    items = spread_ints("tile", reps)
    tile_rule("tile", x.shape, items)
    shape, counts = _aligned(x.shape, items)
    xp = x.xp
    out = xp.tile(x.data, counts)
    # NOTE: axis i of the result is (copy, value) = (counts[i], shape[i]) in row-major order
    split = tuple(v for pair in zip(counts, shape, strict=True) for v in pair)
    copies = tuple(range(0, 2 * len(shape), 2))
    return record(out, (x,), lambda g: (g.reshape(split).sum(axis=copies).reshape(x.shape),))


# ---- pixel_shuffle / pixel_unshuffle ----------------------------------------------------
def _factor(op: str, x: Shape, name: str, r: Any) -> None:
    if len(x) < 3:
        raise shape_error(op, [x], f"needs (*, C, H, W), not rank {len(x)}")
    if isinstance(r, int) and r < 1:
        raise shape_error(op, [x], f"{name} must be at least 1, got {r}")


def _divides(op: str, x: Shape, axis: int, d: Dim, by: Dim, what: str) -> None:
    """`by` divides size `d` of axis `axis` (where both are known, or can never)."""
    fails = isinstance(d, int) and isinstance(by, int) and d % by != 0
    if fails or dims.never_divides(d, by):
        raise shape_error(op, [x], f"size {d} of axis {axis} is not a multiple of {what} {by}")


def pixel_shuffle_rule(op: str, x: Shape, upscale_factor: Any) -> Shape:
    """`(*, C * r * r, H, W) -> (*, C, H * r, W * r)`."""
    r = upscale_factor
    _factor(op, x, "upscale_factor", r)
    *lead, c, h, w = x
    rr = dims.mul(r, r)
    _divides(op, x, len(x) - 3, c, rr, "upscale_factor ** 2 =")
    return (*lead, dims.floordiv(c, rr), dims.mul(h, r), dims.mul(w, r))


def pixel_unshuffle_rule(op: str, x: Shape, downscale_factor: Any) -> Shape:
    """`(*, C, H * r, W * r) -> (*, C * r * r, H, W)`."""
    r = downscale_factor
    _factor(op, x, "downscale_factor", r)
    *lead, c, h, w = x
    _divides(op, x, len(x) - 2, h, r, "downscale_factor")
    _divides(op, x, len(x) - 1, w, r, "downscale_factor")
    return (*lead, dims.mul(c, dims.mul(r, r)), dims.floordiv(h, r), dims.floordiv(w, r))


def pixel_shuffle(x: Tensor[Any, DT, TT], upscale_factor: int) -> Tensor[Any, DT, TT]:
    """Channels moved into space: each group of `r * r` channels becomes an `r x r` block of
    pixels (PyTorch's `pixel_shuffle`, ESPCN's sub-pixel convolution; `r = upscale_factor`).

    Raises:
        ShapeError: when `x` has rank below 3, or its channels are not a multiple of `r * r`.

    Shape:
        `(*, C * r * r, H, W) -> (*, C, H * r, W * r)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.pixel_shuffle(sd.ones((1, 8, 3, 5)), 2).shape
        (1, 2, 6, 10)
    """
    out = cast(tuple[int, ...], pixel_shuffle_rule("pixel_shuffle", x.shape, upscale_factor))
    r, k = upscale_factor, x.ndim - 3
    *lead, c, h, w = x.shape
    blocks = reshape(x, (*lead, c // (r * r), r, r, h, w))
    lead_axes = tuple(range(k))
    return reshape(permute(blocks, (*lead_axes, k, k + 3, k + 1, k + 4, k + 2)), out)


def pixel_unshuffle(x: Tensor[Any, DT, TT], downscale_factor: int) -> Tensor[Any, DT, TT]:
    """Space moved into channels, `pixel_shuffle` undone: each `r x r` block of pixels
    becomes `r * r` channels (PyTorch's `pixel_unshuffle`; `r = downscale_factor`).

    Raises:
        ShapeError: when `x` has rank below 3, or its height or width is not a multiple of `r`.

    Shape:
        `(*, C, H * r, W * r) -> (*, C * r * r, H, W)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.pixel_unshuffle(sd.ones((1, 2, 6, 10)), 2).shape
        (1, 8, 3, 5)
    """
    out = cast(tuple[int, ...], pixel_unshuffle_rule("pixel_unshuffle", x.shape, downscale_factor))
    r, k = downscale_factor, x.ndim - 3
    *lead, c, h, w = x.shape
    blocks = reshape(x, (*lead, c, h // r, r, w // r, r))
    lead_axes = tuple(range(k))
    return reshape(permute(blocks, (*lead_axes, k, k + 2, k + 4, k + 1, k + 3)), out)
