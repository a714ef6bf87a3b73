"""Pooling: `max_pool2d` and `avg_pool2d` over `(N, C, H, W)`.

Shape rule: `conv_out` per spatial axis, `(H + 2P - K) // S + 1` (so a 2x2 pool of `H` is
`H // 2`), with the padding at most half the kernel, as in PyTorch. With `ceil_mode`, the
division rounds up, `ceil((H + 2P - K) / S) + 1`, less one where the last window would start
past the input and its left padding (PyTorch's rule); that window runs off the padded input,
and the cells it misses are neither maximal nor counted in a mean.

How it runs: a window of `KH x KW` is `KH*KW` strided slices of the (padded) input, one per
offset in the window, and every pass below is one array operation over such a slice; no loop
visits a pixel. NOTE: even for non-overlapping windows this beats `reshape` + `max(axis=(3, 5))`,
which NumPy reduces about 15x slower over such short axes. The maximum's backward sends each
gradient to the first maximum of its window in row-major order (PyTorch's choice on ties),
remembered in the forward as the offset index.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import inf
from typing import Any

from shapedl import dims
from shapedl.backend import Array, Backend, kernels
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT

__all__ = ["OPTIONS", "avg_pool2d", "checked_pool", "max_pool2d"]

Pair = int | tuple[int, int]


def _geometry(
    op: str, x: Shape, kernel_size: object, stride: object, padding: object, nd: int
) -> tuple[tuple[Dim, ...], tuple[Dim, ...], tuple[Dim, ...]]:
    k = dims.option_tuple(op, [x], "kernel_size", kernel_size, nd, 1)
    s = k if stride is None else dims.option_tuple(op, [x], "stride", stride, nd, 1)
    p = dims.option_tuple(op, [x], "padding", padding, nd, 0)
    halves = zip(p, k, strict=True)
    if any(isinstance(a, int) and isinstance(b, int) and a > b // 2 for a, b in halves):
        raise shape_error(op, [x], f"padding {padding!r} is more than half the kernel {k}")
    return k, s, p


def _flag(op: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be True or False, got {value!r}")
    return value


def pool_out(size: Dim, k: Dim, s: Dim, p: Dim, ceil_mode: bool | Dim) -> Dim:
    """The output size along one axis: `(size + 2p - k) // s + 1`, rounded up with
    `ceil_mode` unless the last window would start past `size + p` (PyTorch's rule);
    `ceil_mode` known only at run time (`DYN`) gives `DYN`."""
    if ceil_mode is dims.DYN:
        return dims.DYN
    if not ceil_mode:
        return dims.conv_out(size, k, s, p)
    if all(isinstance(v, int) for v in (size, k, s, p)):
        o = -(-(size + 2 * p - k) // s) + 1  # type: ignore[operator]
        return o - 1 if (o - 1) * s >= size + p else o  # type: ignore[operator]
    if all(isinstance(v, int) for v in (k, s, p)) and s <= k - p:  # type: ignore[operator]
        # NOTE: then the last window always starts inside: ceil(m / s) is (m + s - 1) // s
        return dims.conv_out(dims.add(size, s - 1), k, s, p)  # type: ignore[operator]
    return dims.DYN


def checked_pool(
    op: str,
    x: Shape,
    kernel_size: object,
    stride: object,
    padding: object,
    ceil_mode: object = False,
    nd: int = 2,
) -> tuple[Shape, tuple[tuple[Dim, ...], tuple[Dim, ...], tuple[Dim, ...]]]:
    """The output shape of an `nd`-d pool, and the options `(kernel, stride, padding)` as
    parsed to find it."""
    if len(x) != nd + 2:
        names = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
        raise shape_error(op, [x], f"the input must have rank {nd + 2} {names}, not {len(x)}")
    k, s, p = _geometry(op, x, kernel_size, stride, padding, nd)
    ceil = ceil_mode if ceil_mode is dims.DYN else _flag(op, "ceil_mode", ceil_mode)
    out: list[Dim] = [x[0], x[1]]
    for i in range(nd):
        o = pool_out(x[2 + i], k[i], s[i], p[i], ceil)
        if isinstance(o, int) and o < 1:
            raise shape_error(
                op,
                [x],
                f"output size {o} < 1 along axis {2 + i} "
                f"(input {x[2 + i]}, kernel {k[i]}, stride {s[i]}, padding {p[i]})",
            )
        out.append(o)
    return tuple(out), (k, s, p)


def pool_rule(
    op: str,
    x: Shape,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    ceil_mode: object = False,
) -> Shape:
    """`(N, C, H, W) -> (N, C, (H + 2P - KH) // S + 1, (W + 2P - KW) // S + 1)`, rounded up
    with `ceil_mode`."""
    return checked_pool(op, x, kernel_size, stride, padding, ceil_mode)[0]


def _ints(sizes: tuple[Dim, ...]) -> tuple[int, ...]:
    # NOTE: at run time every option is an int (the rule has checked them)
    return tuple(i for i in sizes if isinstance(i, int))


class _Windows:
    """The `KH*KW` strided slices of a padded input, one per offset inside the window; with
    `ceil_mode`, the input is padded further at its end (`extra`) for the last windows."""

    def __init__(self, x: Array, op: str, kernel: Any, stride: Any, pad: Any, ceil: Any) -> None:
        out, options = checked_pool(op, x.shape, kernel, stride, pad, ceil)
        self.k, self.s, self.p = map(_ints, options)
        self.out = _ints(out)
        self.extra = tuple(
            max(0, (o - 1) * s + k - (n + 2 * p))
            for o, s, k, n, p in zip(self.out[2:], self.s, self.k, x.shape[2:], self.p, strict=True)
        )

    def padded_shape(self, x: Array) -> tuple[int, ...]:
        (ph, pw), (eh, ew), (n, c, h, w) = self.p, self.extra, x.shape
        return (n, c, h + 2 * ph + eh, w + 2 * pw + ew)

    def any_padding(self) -> bool:
        return any(self.p) or any(self.extra)

    def overlaps(self) -> bool:
        return self.s[0] < self.k[0] or self.s[1] < self.k[1]

    def tiles(self, shape: tuple[int, ...]) -> bool:
        """Whether the windows cover every cell of the padded input exactly once."""
        (kh, kw), (ho, wo) = self.k, self.out[2:]
        return self.s == self.k and shape[2:] == (kh * ho, kw * wo)

    def padded(self, xp: Any, x: Array, fill: float) -> Array:
        (ph, pw), (h, w) = self.p, x.shape[2:]
        if not self.any_padding():
            return x
        out = xp.full(self.padded_shape(x), fill, x.dtype)
        out[:, :, ph : ph + h, pw : pw + w] = x
        return out

    def crop(self, xpad: Array) -> Array:
        (ph, pw), (eh, ew), (h, w) = self.p, self.extra, xpad.shape[2:]
        return xpad[:, :, ph : h - ph - eh, pw : w - pw - ew]

    def slices(self, a: Array) -> list[Array]:
        (kh, kw), (sh, sw), (ho, wo) = self.k, self.s, self.out[2:]
        return [
            a[:, :, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw]
            for i in range(kh)
            for j in range(kw)
        ]

    def separable(self) -> bool:
        """Whether a max runs along the rows, then down (see `_argmax`)."""
        return self.k[0] * self.k[1] > 4 or self.out[3] >= 16

    def across(self, a: Array) -> list[Array]:
        """The `KW` slices of a padded input along its rows: `(N, C, H + padding, WO)` each."""
        (_, kw), (_, sw), wo = self.k, self.s, self.out[3]
        return [a[..., j : j + sw * (wo - 1) + 1 : sw] for j in range(kw)]

    def down(self, a: Array) -> list[Array]:
        """The `KH` slices down the columns of what `across` reduced: `(N, C, HO, WO)` each."""
        (kh, _), (sh, _), ho = self.k, self.s, self.out[2]
        return [a[:, :, i : i + sh * (ho - 1) + 1 : sh] for i in range(kh)]


def _start(
    xp: Any, x: Array, op: str, options: tuple[Any, ...], fill: float
) -> tuple[_Windows, list[Array], Array]:
    """The windows of `x`, their slices of `x` padded with `fill`, and a copy of the first."""
    win = _Windows(x, op, *options)
    parts = win.slices(win.padded(xp, x, fill))
    return win, parts, parts[0].copy()


# NOTE: the window options the plugin reads as numbers (the 1-d pools' too)
OPTIONS = ("kernel_size", "stride", "padding", "ceil_mode")


@register("max_pool2d", pool_rule, statics=OPTIONS)
def max_pool2d(
    x: Tensor[Any, DT, Any],
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
    ceil_mode: bool = False,
) -> Tensor[Any, DT, Any]:
    """The maximum over each `kernel_size` window of `(N, C, H, W)` images.

    Args:
        x: the input `(N, C, H, W)`.
        kernel_size: `K` or `(KH, KW)`.
        stride: an int or a pair; the kernel size when None.
        padding: an int or a pair, at most half the kernel; padded cells never win.
        ceil_mode: round the output size up (PyTorch's `ceil_mode`; see the module).

    Raises:
        ShapeError: when `x` is not 4-d, the padding exceeds half the kernel, or the output
            would be empty.
        TypeError: when `ceil_mode` is not a bool.

    Shape:
        `(N, C, H, W) -> (N, C, (H + 2P - KH) // S + 1, (W + 2P - KW) // S + 1)`; with
        `ceil_mode`, `ceil((H + 2P - KH) / S) + 1` unless that window starts past the input

    Example:
        >>> import shapedl as sd
        >>> sd.ops.max_pool2d(sd.arange(16.0).reshape((1, 1, 4, 4)), 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    xp = x.xp
    options = (kernel_size, stride, padding, ceil_mode)
    fused = _fused_max_pool(x, options)
    if fused is not None:
        return fused
    win = _Windows(x.data, "max_pool2d", *options)
    xpad = win.padded(xp, x.data, -inf)
    if x.tape is None:  # NOTE: nothing will ask for the gradient, so no argmax
        parts = win.down(_max(xp, win.across(xpad))) if win.separable() else win.slices(xpad)
        return record(_max(xp, parts), (x,), lambda g: (None,))
    backend = x.device.backend
    out, best = _argmax(xp, xpad, win, x.data.shape, backend.reads_sync)
    return record(out, (x,), lambda g: (_max_grad(backend, win, x.data, best, g),))


def _max_grad(backend: Backend, win: _Windows, x: Array, best: Array, g: Array) -> Array:
    """The gradient of `max_pool2d` at `x`: each window's `g` to its cell `best` (and 0 to
    the others, even where `g` is infinite, as PyTorch's)."""
    xp, shape = backend.xp, win.padded_shape(x)
    gpad = xp.empty(shape, g.dtype) if win.tiles(shape) else xp.zeros(shape, g.dtype)
    # NOTE: where every g is finite, the product with the 0/1 mask is that select, and faster
    # into the strided slices on NumPy (18.6 against 24.2 ms on (32, 64, 56, 56)); asked only
    # where reading the answer does not wait for the device
    product = not backend.reads_sync and bool(xp.isfinite(g).all())
    for o, part in enumerate(win.slices(gpad)):
        hit = best == o
        if win.overlaps():
            part += g * hit if product else backend.zero_unless(hit, g)
        elif product:
            xp.multiply(g, hit, out=part)
        else:
            backend.zero_unless(hit, g, out=part)
    return win.crop(gpad)


def _fused_max_pool(
    x: Tensor[Any, Any, Any], options: tuple[Any, ...]
) -> Tensor[Any, Any, Any] | None:
    """`max_pool2d` through the fused kernels of `backend/kernels.py` (CUDA, float32 and
    float64: one kernel each way, where the slices make six per cell of the window), or None
    where there are none."""
    xp, a = x.xp, x.data
    forward = kernels.get(xp, "max_pool2d", a)
    if forward is None:
        return None
    win = _Windows(a, "max_pool2d", *options)
    a = xp.ascontiguousarray(a)
    sizes = (*a.shape[2:], *win.out[2:], *win.k, *win.s, *win.p)
    out, best = xp.empty(win.out, a.dtype), xp.empty(win.out, xp.int32)
    if kernels.run(forward, (a, *sizes, out, best)) is None:
        return None

    def vjp(g: Array) -> tuple[Array]:
        g = xp.ascontiguousarray(g)
        dx = xp.empty(a.shape, g.dtype)
        backward = kernels.get(xp, "max_pool2d_grad", g, a)
        args = (g, best, *sizes, dx)
        return (kernels.run(backward, args, lambda: _max_grad(x.device.backend, win, a, best, g)),)

    return record(out, (x,), vjp)


def _max(xp: Any, parts: list[Array]) -> Array:
    """The maximum of `parts`, in a copy of the first."""
    out = parts[0].copy()
    for part in parts[1:]:
        xp.maximum(out, part, out=out)
    return out


def _running_max(xp: Any, parts: list[Array], best: Array, offsets: Iterable[Any]) -> Array:
    """The maximum of `parts`; `best`, holding the first part's offset, becomes the offset of
    the first part holding it (where no NaN), the others' `offsets` growing one by one."""
    out = parts[0].copy()
    for part, o in zip(parts[1:], offsets, strict=True):
        # NOTE: the last offset that beat the running max is the largest such offset, so a
        # max of `o * better` finds it, 50x faster than a masked copyto
        xp.maximum(best, xp.multiply(part > out, o, dtype=best.dtype), out=best)
        xp.maximum(out, part, out=out)
    return out


def _argmax(
    xp: Any, xpad: Array, win: _Windows, shape: tuple[int, ...], reads_sync: bool
) -> tuple[Array, Array]:
    """The maximum of each window of the padded `xpad`, and the offset of its first maximum.

    Separable: the first maximum along each row of a window (its column), then down the
    window's rows, the first whose maximum is the largest; its offset, row * KW + column,
    grows with the row as the running max needs. That is the window's first maximum in
    row-major order, PyTorch's choice on ties.

    NOTE: `KW + KH` passes in place of `KH * KW`, but the first runs over every input row,
    and NumPy's cost here is more per row of `WO` cells than per cell. Measured in one
    process, alternating: 3x3 windows of stride 2 on (32, 64, 56, 56) 134 -> 68 ms, on
    (32, 8, 28, 28) 1.16 -> 1.04; of stride 1 on (32, 16, 14, 14) 2.0 -> 1.2; 2x2 windows
    on (16, 64, 56, 56) 21.7 -> 19.0, but on (32, 8, 28, 28) 0.34 -> 0.42. So small windows
    over short rows (`_Windows.separable`) take the `KH * KW` passes.

    Where reading a value waits for the device (`reads_sync`), PyTorch's loop always runs,
    rather than a branch on the values below."""
    kh, kw = win.k
    dtype = xp.uint8 if kh * kw < 256 else xp.int32
    if reads_sync:
        parts = win.slices(xpad)
        out, best = parts[0].copy(), xp.zeros(parts[0].shape, dtype)
        _torch_argmax(xp, parts, out, best, win, shape)
        return out, best
    if not win.separable():
        best = xp.zeros(win.out, dtype)
        out = _running_max(xp, win.slices(xpad), best, range(1, kh * kw))
    else:
        parts = win.across(xpad)
        column = xp.zeros(parts[0].shape, dtype)
        across = _running_max(xp, parts, column, range(1, kw))
        columns = win.down(column)
        best = columns[0].copy()
        offsets = (c + i * kw for i, c in enumerate(columns[1:], 1))
        out = _running_max(xp, win.down(across), best, offsets)
    # NOTE: rare, so the cheap passes above ignore PyTorch's rule for them: a NaN, or a window
    # whose max is -inf, where a padded cell (also -inf) must not win
    if xp.isnan(out).any() or (win.any_padding() and (out == -inf).any()):
        _torch_argmax(xp, win.slices(xpad), out, best, win, shape)
    return out, best


def _torch_argmax(
    xp: Any, parts: list[Array], out: Array, best: Array, win: _Windows, shape: tuple[int, ...]
) -> None:
    """PyTorch's loop: from the first real (unpadded) cell, a cell wins when it is greater
    than the max so far or NaN (so the last NaN of a window wins)."""
    real = xp.ones((1, 1, *shape[2:]), dtype=bool)
    valid = win.slices(win.padded(xp, real, False))
    for o in reversed(range(len(parts))):
        xp.copyto(best, o, where=valid[o])
    out.fill(-inf)
    for o, part in enumerate(parts):
        better = valid[o] & ((part > out) | xp.isnan(part))
        xp.copyto(out, part, where=better)
        xp.copyto(best, o, where=better)


@register("avg_pool2d", pool_rule, statics=OPTIONS)
@in_f32()
def avg_pool2d(
    x: Tensor[Any, DT, Any],
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor[Any, DT, Any]:
    """The mean over each `kernel_size` window. An integer input gives PyTorch's integer mean:
    the sum divided, truncated toward 0.

    Args, Raises and Shape as in `max_pool2d`, except that the padding is zeros (and a bool
    input is a `TypeError`), and:
        count_include_pad: whether the padded zeros count in the mean (PyTorch's default,
            True); a window's cells past the padding (`ceil_mode`) never count.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.avg_pool2d(sd.arange(16.0).reshape((1, 1, 4, 4)), 2).tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
        >>> sd.ops.avg_pool2d(sd.ones((1, 1, 3, 3)), 2, ceil_mode=True).tolist()
        [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    xp = x.xp
    options = (kernel_size, stride, padding, ceil_mode)
    if x.data.dtype.kind == "b":
        pool_rule("avg_pool2d", x.shape, *options)
        raise TypeError("avg_pool2d: x must be a number tensor, not bool")
    include = _flag("avg_pool2d", "count_include_pad", count_include_pad)
    win, parts, out = _start(xp, x.data, "avg_pool2d", options, 0)
    for part in parts[1:]:
        out += part
    count = _counts(xp, win, x.data.shape, include, len(parts))
    if out.dtype.kind in "iu":  # NOTE: torch's mean of integers: the sum, divided toward 0
        return record(xp.sign(out) * (xp.abs(out) // count), (x,), lambda g: (None,))
    scale = 1 / count if isinstance(count, int) else (1 / count).astype(out.dtype)
    out *= scale

    def vjp(g: Array) -> tuple[Array]:
        gpad = xp.zeros(win.padded_shape(x.data), g.dtype)
        share = g * scale
        for part in win.slices(gpad):
            part += share
        return (win.crop(gpad),)

    return record(out, (x,), vjp)


def _counts(xp: Any, win: _Windows, shape: tuple[int, ...], include: bool, full: int) -> Any:
    """How many cells each window's mean divides by: `full` (KH*KW) where every window lies
    in the counted cells, else an `(1, 1, HO, WO)` array of counts per window."""
    if not (any(win.extra) or (any(win.p) and not include)):
        return full
    (ph, pw), (eh, ew), (h, w) = win.p, win.extra, shape[2:]
    counted = xp.zeros((1, 1, h + 2 * ph + eh, w + 2 * pw + ew), "int64")
    if include:
        counted[:, :, : h + 2 * ph, : w + 2 * pw] = 1
    else:
        counted[:, :, ph : ph + h, pw : pw + w] = 1
    return sum(win.slices(counted))
