"""Resampling the spatial axes: `adaptive_avg_pool2d`, `adaptive_max_pool2d`, `interpolate`.

Shape rule: the batch and channel axes are kept and each spatial axis gets its output size
(`output_size`, `size`, or `floor(size * scale_factor)`); `None` in an adaptive
`output_size` keeps that axis. All three are separable, so each runs as one pass per spatial
axis (`_along`): a pass maps axis `n -> m` by windows (adaptive pools, PyTorch's
`[floor(i*n/m), ceil((i+1)*n/m))`) or by source indices and weights (`interpolate`, with
PyTorch's index arithmetic), and its gradient sends each output's gradient back to the
entries it read. Max pooling through two passes picks the maximum of each window, as a
direct 2-d max does (ties may pick another of the equal entries).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, cast

from shapedl import dims
from shapedl.backend import Array
from shapedl.backend.numpy import NUMPY
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import float_only
from shapedl.ops.pool import avg_pool2d, max_pool2d
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate"]

Pass = Callable[[Array], tuple[Array, Callable[[Array], Array]]]
Size2 = int | None | Sequence[int | None]


# ---- one pass along one axis ------------------------------------------------------------
def _along(x: Tensor[Any, Any, Any], axis: int, run: Pass) -> Tensor[Any, Any, Any]:
    """`run` on `x` with `axis` moved first; `run` returns the result and its backward."""
    xp = x.xp
    out, back = run(xp.moveaxis(x.data, axis, 0))
    return record(
        xp.moveaxis(out, 0, axis),
        (x,),
        lambda g: (xp.moveaxis(back(xp.moveaxis(g, axis, 0)), 0, axis),),
    )


def _key(xp: Any, index: Array) -> tuple[Array, ...]:
    """`(index, r...)`: for each position `r` after axis 0, the entry of axis 0 it names."""
    rest = tuple(
        xp.arange(n).reshape((-1,) + (1,) * (index.ndim - k - 2))
        for k, n in enumerate(index.shape[1:])
    )
    return (index, *rest)


def _windows(n: int, m: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows of an axis of `n` into `m`: `[floor(i*n/m), ceil((i+1)*n/m))`."""
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


def _avg_pass(xp: Any, m: int) -> Pass:
    def run(a: Array) -> tuple[Array, Callable[[Array], Array]]:
        wins = _windows(a.shape[0], m)
        out = xp.stack([a[s:e].mean(axis=0) for s, e in wins])

        def back(g: Array) -> Array:
            grad = xp.zeros(a.shape, dtype=g.dtype)
            for i, (s, e) in enumerate(wins):
                grad[s:e] += g[i] / (e - s)
            return grad

        return out, back

    return run


def _max_pass(xp: Any, m: int) -> Pass:
    def run(a: Array) -> tuple[Array, Callable[[Array], Array]]:
        wins = _windows(a.shape[0], m)
        key = _key(xp, xp.stack([a[s:e].argmax(axis=0) + s for s, e in wins]))

        def back(g: Array) -> Array:
            grad = xp.zeros(a.shape, dtype=g.dtype)
            xp.add.at(grad, key, g)  # NOTE: overlapping windows may pick one entry twice
            return grad

        return a[key], back

    return run


def _weighted_pass(xp: Any, index: Array, weight: Array | None) -> Pass:
    """Output `i` is `sum_k weight[i, k] * a[index[i, k]]` (or `a[index[i, 0]]`, no weight)."""

    def run(a: Array) -> tuple[Array, Callable[[Array], Array]]:
        m, n = index.shape[0], a.shape[0]
        if weight is None:
            out, w = a[index[:, 0]], xp.ones(index.shape, dtype=a.dtype)
        else:
            w = weight.astype(a.dtype)
            out = w[:, 0].reshape((m,) + (1,) * (a.ndim - 1)) * a[index[:, 0]]
            out += w[:, 1:].reshape((m,) + (1,) * (a.ndim - 1)) * a[index[:, 1]]
        # NOTE: the backward as one (m, n) matrix product, several times faster than add.at
        # over the whole gradient; the forward gathers, so a non-finite input stays local
        spread = xp.zeros((m, n), dtype=a.dtype)
        xp.add.at(spread, (xp.arange(m)[:, None], index), w)

        def back(g: Array) -> Array:
            return (spread.T @ g.reshape(m, -1)).reshape(a.shape)

        return out, back

    return run


# ---- adaptive pools ---------------------------------------------------------------------
def _pair(v: Any) -> tuple[Any, Any]:
    return (v[0], v[1]) if isinstance(v, tuple | list) else (v, v)


def adaptive_pool2d_rule(op: str, x: Shape, output_size: Any) -> Shape:
    """`(N, C, H, W) -> (N, C, h, w)` (or without `N`); `None` in `output_size` keeps an axis."""
    if len(x) not in (3, 4):
        raise shape_error(op, [x], f"needs (N, C, H, W) or (C, H, W), not rank {len(x)}")
    if isinstance(output_size, tuple | list) and len(output_size) != 2:
        raise shape_error(op, [x], f"output_size {tuple(output_size)} must have 2 sizes")
    sizes: list[Dim] = []
    for d, o in zip(x[-2:], _pair(output_size), strict=True):
        if isinstance(o, int) and o <= 0:
            raise shape_error(op, [x], f"output_size {output_size!r} must be positive sizes")
        if isinstance(o, int) and d == 0:
            raise shape_error(op, [x], f"cannot pool an empty axis to size {o}")
        sizes.append(d if o is None else o if isinstance(o, int | dims.Expr) else DYN)
    return (*x[:-2], *sizes)


def _adaptive(
    op: str, x: Tensor[Any, Any, Any], output_size: Size2, make: Callable[[Any, int], Pass]
) -> Tensor[Any, Any, Any]:
    shape = adaptive_pool2d_rule(op, x.shape, output_size)
    h, w = cast(int, shape[-2]), cast(int, shape[-1])
    tiled = _tiled(op, x, h, w)
    if tiled is not None:
        return tiled
    # NOTE: along W, then H: of tied maxima the first row's first wins, as in PyTorch's
    # row-major scan of the window (H first picked the first column's first)
    return _along(_along(x, x.ndim - 1, make(x.xp, w)), x.ndim - 2, make(x.xp, h))


def _tiled(op: str, x: Tensor[Any, Any, Any], h: int, w: int) -> Tensor[Any, Any, Any] | None:
    """Where `h` and `w` divide the input's sizes, PyTorch's adaptive windows are the tiles
    of a plain pool (kernel = stride), and the pool ops run it: the window maximum then goes
    to the first maximum in row-major order, as PyTorch's adaptive max pool does.

    NOTE: measured (16,32,56,56) -> 7x7, 1 thread: max 18.9 -> 4.3 ms; a global average
    (`output_size=1`) as a mean over both axes, 1.6 -> 0.5 ms.
    """
    big_h, big_w = x.shape[-2:]
    if not (h and w) or big_h % h or big_w % w:
        return None
    kernel = (big_h // h, big_w // w)
    if (h, w) == (1, 1) and op == "adaptive_avg_pool2d":
        return x.mean(axis=(-2, -1), keepdims=True)
    if kernel[0] * kernel[1] > 64:  # NOTE: the pools take one pass per window offset
        return None
    pool = max_pool2d if op == "adaptive_max_pool2d" else avg_pool2d
    if x.ndim == 3:
        return pool(x.unsqueeze(0), kernel).squeeze(0)
    return pool(x, kernel)


@register("adaptive_avg_pool2d", adaptive_pool2d_rule, statics=("output_size",))
@in_f32()
def adaptive_avg_pool2d(x: Tensor[Any, DT, TT], output_size: Size2) -> Tensor[Any, DT, TT]:
    """Average over PyTorch's adaptive windows, so the spatial size becomes `output_size`.

    `output_size=1` is global average pooling; `None` keeps an axis's size.

    Raises:
        ShapeError: when `x` is not 3-d or 4-d, a size is not positive, or an empty axis is
            pooled.
        TypeError: for an integer or bool `x` (as PyTorch).

    Shape:
        `(N, C, H, W) -> (N, C, h, w)` with `output_size=(h, w)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.adaptive_avg_pool2d(sd.ones((2, 3, 7, 5)), (2, 1)).shape
        (2, 3, 2, 1)
    """
    float_only("adaptive_avg_pool2d", x)
    return _adaptive("adaptive_avg_pool2d", x, output_size, _avg_pass)


@register("adaptive_max_pool2d", adaptive_pool2d_rule, statics=("output_size",))
def adaptive_max_pool2d(x: Tensor[Any, DT, TT], output_size: Size2) -> Tensor[Any, DT, TT]:
    """Maximum over PyTorch's adaptive windows, so the spatial size becomes `output_size`.

    `output_size=1` is global max pooling; `None` keeps an axis's size. The gradient goes to
    the maximum of each window.

    Raises:
        ShapeError: when `x` is not 3-d or 4-d, a size is not positive, or an empty axis is
            pooled.

    Shape:
        `(N, C, H, W) -> (N, C, h, w)` with `output_size=(h, w)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.adaptive_max_pool2d(sd.tensor([[[1.0, 5.0], [3.0, 2.0]]]), 1).tolist()
        [[[5.0]]]
    """
    return _adaptive("adaptive_max_pool2d", x, output_size, _max_pass)


# ---- interpolate ------------------------------------------------------------------------
_MODES = {"nearest": (3, 4), "bilinear": (4,)}


def _per_axis(v: Any, n: int) -> tuple[Any, ...]:
    return tuple(v) if isinstance(v, tuple | list) else (v,) * n


def _scaled(d: Dim, f: Any) -> Dim:
    """`floor(d * f)`: exact for an int size or an integral factor, else `DYN`."""
    if not isinstance(f, int | float):
        return DYN
    if isinstance(d, int):
        return math.floor(float(d) * f)
    return dims.mul(d, int(f)) if float(f).is_integer() else DYN


def interpolate_rule(
    op: str,
    x: Shape,
    size: Any = None,
    scale_factor: Any = None,
    mode: Any = "nearest",
    align_corners: Any = False,
) -> Shape:
    """`(N, C, *S) -> (N, C, *size)`, or each spatial size times `scale_factor`, floored."""
    ranks = _MODES.get(mode, (3, 4))
    if len(x) not in ranks:
        want = " or ".join(f"{r}-d" for r in ranks)
        raise shape_error(op, [x], f"mode {mode!r} needs a {want} input, not rank {len(x)}")
    if (size is None) == (scale_factor is None):
        raise shape_error(op, [x], "give exactly one of size and scale_factor")
    k = len(x) - 2
    label, value = ("size", size) if size is not None else ("scale_factor", scale_factor)
    given = _per_axis(value, k)
    if len(given) != k:
        raise shape_error(op, [x], f"{label} {value!r} has {len(given)} sizes for {k} spatial axes")
    if any(isinstance(v, int | float) and v <= 0 for v in given):
        raise shape_error(op, [x], f"{label} {value!r} must be positive")
    if size is not None:
        out = tuple(v if isinstance(v, int | dims.Expr) else DYN for v in given)
    else:
        out = tuple(_scaled(d, f) for d, f in zip(x[2:], given, strict=True))
    for axis, d in enumerate(out, 2):
        if isinstance(d, int) and d < 1:  # NOTE: a factor that floors a size to 0, as PyTorch
            problem = f"{label} {value!r} gives size {d} at axis {axis}"
            raise shape_error(op, [x], problem, "every output size must be at least 1")
    return (*x[:2], *out)


def _nearest(xp: Any, n: int, m: int, scale: float | None, rank: int) -> Array:
    """PyTorch's `nearest_idx`, in its float32 arithmetic.

    NOTE: PyTorch's 2-d kernel copies or halves the index where the sizes are equal or
    doubled whatever the factor; its 1-d kernel always scales by the factor (`scale_factor`
    1.03 of 5 entries picks `[0, 0, 1, 2, 3]`)."""
    if (m == n or m == 2 * n) and (rank == 4 or scale is None):
        return (xp.arange(m) >> (m != n))[:, None]
    f32 = xp.float32
    s = f32(1.0 / scale) if scale else f32(n) / f32(m)
    src = xp.floor(xp.arange(m).astype(f32) * s).astype("int64")
    return xp.minimum(src, n - 1)[:, None]


def _linear(
    xp: Any, n: int, m: int, scale: float | None, align: bool, dtype: Any
) -> tuple[Array, Array]:
    """PyTorch's bilinear source indices and weights, `(m, 2)` each, in its arithmetic."""
    if m == n:
        return xp.stack([xp.arange(m)] * 2, 1), xp.asarray([[1.0, 0.0]] * m, dtype=dtype)
    t = dtype.type  # NOTE: PyTorch computes in float32 for float32 inputs
    if align:
        s = t(n - 1) / t(m - 1) if m > 1 else t(0)
    else:
        s = t(1.0 / scale) if scale else t(n) / t(m)
    i = xp.arange(m).astype(dtype)
    src = s * i if align else xp.maximum(s * (i + t(0.5)) - t(0.5), t(0))
    i0 = xp.minimum(xp.floor(src).astype("int64"), n - 1)
    lam = xp.clip(src - i0.astype(dtype), 0, 1)
    i1 = i0 + (i0 < n - 1)
    return xp.stack([i0, i1], 1), xp.stack([1 - lam, lam], 1)


@register(
    "interpolate",
    interpolate_rule,
    statics=("size", "scale_factor", "mode", "align_corners"),
)
@in_f32()
def interpolate(
    x: Tensor[Any, DT, TT],
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool = False,
) -> Tensor[Any, DT, TT]:
    """Resize the spatial axes to `size`, or by `scale_factor` (PyTorch's `interpolate`).

    `mode="nearest"` (3-d or 4-d input) picks the source entry PyTorch picks;
    `mode="bilinear"` (4-d) weighs the four nearest entries, with PyTorch's
    `align_corners` meaning. With `scale_factor` the output size is
    `floor(size * scale_factor)` and the factor itself sets the spacing, as in PyTorch
    (`recompute_scale_factor=False`).

    Raises:
        ShapeError: when the input's rank does not suit `mode`, both or neither of `size` and
            `scale_factor` are given, or a size or factor is not positive.
        ValueError: for another mode, or `align_corners` with `mode="nearest"`.
        TypeError: for an integer or bool `x` with `mode="bilinear"` (as PyTorch).

    Shape:
        `(N, C, H, W) -> (N, C, h, w)` with `size=(h, w)`; `(N, C, L) -> (N, C, l)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.interpolate(sd.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
        [[[1.0, 1.0, 2.0, 2.0]]]
    """
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode {mode!r} is not one of {sorted(_MODES)}")
    if align_corners and mode == "nearest":
        raise ValueError("interpolate: align_corners applies to mode='bilinear' only")
    shape = interpolate_rule("interpolate", x.shape, size, scale_factor, mode, align_corners)
    if mode == "bilinear":
        float_only("interpolate", x, how=" with mode='bilinear'")
    scales = _per_axis(scale_factor, x.ndim - 2)
    if mode == "nearest":
        factors = _repeats(x, cast(tuple[int, ...], shape), scales)
        if factors is not None:
            return _repeated(x, factors)
    out = x
    for axis in range(2, x.ndim):
        n, m, sf = x.shape[axis], cast(int, shape[axis]), scales[axis - 2]
        if mode == "nearest":
            run = _weighted_pass(x.xp, _nearest(x.xp, n, m, sf, x.ndim), None)
        else:
            run = _weighted_pass(x.xp, *_linear(x.xp, n, m, sf, align_corners, x.data.dtype))
        out = _along(out, axis, run)
    return out


def _repeats(x: Tensor[Any, Any, Any], shape: tuple[int, ...], scales: tuple[Any, ...]) -> Any:
    """The whole factor of every spatial axis, where nearest picks `i // factor` on each."""
    factors = []
    for axis in range(2, x.ndim):
        n, m = x.shape[axis], shape[axis]
        if n == 0 or m % n:
            return None
        # NOTE: on the host: the indices follow from the sizes alone, and reading the
        # device's would wait for the device
        picked = _nearest(NUMPY.xp, n, m, scales[axis - 2], x.ndim)[:, 0]
        if not (picked == NUMPY.xp.arange(m) // (m // n)).all():
            return None
        factors.append(m // n)
    return tuple(factors)


def _repeated(x: Tensor[Any, DT, TT], factors: tuple[int, ...]) -> Tensor[Any, DT, TT]:
    """Nearest upsampling by whole factors: `repeat` along each axis, last axis first, and
    the gradient the sum of the strided slices `g[..., i::f, j::f]` over the factors' grid.

    NOTE: U-Nets' `scale_factor=2` took the general gather passes and their matrix-product
    backward: (16,32,56,56), 1 thread, went from 17 to 10 ms forward and 76 to 16 ms forward
    and backward (`repeat` beat strided writes, 21 ms, and a 6-d broadcast copy, 18 ms).
    """
    xp, out = x.xp, x.data
    for axis in range(x.ndim - 1, 1, -1):
        if factors[axis - 2] > 1:
            out = xp.repeat(out, factors[axis - 2], axis=axis)
    grid = [tuple(slice(o, None, f) for o, f in zip(offset, factors, strict=True))
            for offset in itertools.product(*map(range, factors))]  # fmt: skip

    def vjp(g: Array) -> tuple[Array]:
        grad = g[(..., *grid[0])].copy()
        for at in grid[1:]:
            grad += g[(..., *at)]
        return (grad,)

    return record(out if out is not x.data else out.copy(), (x,), vjp)
