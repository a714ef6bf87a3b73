"""Scans along an axis: `cumsum` and `cumprod`, and `diff`, the inverse of `cumsum`.

Shape rule: the shape is kept; `axis=None` scans the flattened array, as NumPy does (PyTorch
requires a dim). Integers and booleans count in int64, as PyTorch's scans and `sum` do
(`registry.counts`, which the plugin reads too); floats keep their dtype. The gradient of
`cumsum` is the reversed cumulative sum of the output's gradient; that of `cumprod` is
computed by a backward recurrence that never divides by `x`, so it is exact where `x` has
zeros (as PyTorch's is). `diff` shortens its axis by one; its gradient is the output's
gradient minus itself shifted by one.
"""

from __future__ import annotations

from typing import Any, Unpack

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import counts, register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["cumprod", "cumsum", "diff"]


def scan_rule(op: str, x: Shape, axis: Any = None) -> Shape:
    """`x` kept for an axis (which must exist); the flattened size for `axis=None`."""
    if axis is None:
        return (dims.product(x),)
    if dims.is_axis(axis):
        dims.normalize_axis(op, axis, x)
    return x


def _flat(x: Tensor[Any, Any, Any], axis: int | None) -> tuple[Array, int, str]:
    """The array to scan, the axis (0 of the flattened array for None) and the dtype of the
    result."""
    dtype = counts(x.data.dtype.name)
    if axis is None:
        return x.data.reshape(-1), 0, dtype
    return x.data, axis % x.ndim, dtype


def _running_dtype(backend: str, dtype: Any) -> Any:
    """The dtype a running sum of `dtype` is kept in: PyTorch's CPU kernel keeps float32's in
    float64 (its `acc_type`), so a long float32 `cumsum` drifts no further than one rounding
    per entry (10**5 entries: 1e-3 apart otherwise); its CUDA kernel keeps float32."""
    return "float64" if backend == "cpu" and dtype == "float32" else dtype


@register("cumsum", scan_rule, statics=("axis",), methods=("cumsum",), promote=counts)
@in_f32()
def cumsum(
    x: Tensor[Any, DT, TT], axis: int | None = None, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Cumulative sum along `axis` (None: the flattened array, as NumPy's `cumsum`).

    Integers and booleans give int64, as PyTorch's (and as `sum`).

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S)`; `(*S) -> (prod(S),)` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.cumsum(sd.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1).tolist()
        [[1.0, 3.0], [3.0, 7.0]]
    """
    if refused:
        raise refused_keywords("cumsum", refused)
    scan_rule("cumsum", x.shape, axis)
    xp = x.xp
    data, k, dtype = _flat(x, axis)
    backend = x.device.backend.name
    out = xp.cumsum(data, axis=k, dtype=_running_dtype(backend, dtype))
    out = out.astype(dtype, copy=False)

    def vjp(g: Array) -> tuple[Array]:
        back = xp.cumsum(xp.flip(g, k), axis=k, dtype=_running_dtype(backend, g.dtype))
        return (xp.flip(back.astype(g.dtype, copy=False), k).reshape(x.shape),)

    return record(out, (x,), vjp)


@register("cumprod", scan_rule, statics=("axis",), methods=("cumprod",), promote=counts)
@in_f32()
def cumprod(
    x: Tensor[Any, DT, TT], axis: int | None = None, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Cumulative product along `axis` (None: the flattened array, as NumPy's `cumprod`).

    Integers and booleans give int64, as PyTorch's (and as `prod`).

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S)`; `(*S) -> (prod(S),)` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.cumprod(sd.tensor([1.0, 2.0, 3.0])).tolist()
        [1.0, 2.0, 6.0]
    """
    if refused:
        raise refused_keywords("cumprod", refused)
    scan_rule("cumprod", x.shape, axis)
    xp = x.xp
    data, k, dtype = _flat(x, axis)
    out = xp.cumprod(data, axis=k, dtype=dtype)

    def vjp(g: Array) -> tuple[Array]:
        # NOTE: d out_j / d x_i = prod(x[:i]) * prod(x[i+1:j+1]) for j >= i; the sum over j
        # runs backwards as s_i = g_i + x_{i+1} * s_{i+1}, without a division by x_i
        v, gm = xp.moveaxis(data, k, 0), xp.moveaxis(g, k, 0)
        before = xp.concatenate([xp.ones_like(v[:1]), xp.cumprod(v[:-1], axis=0)])
        s = xp.empty_like(gm)
        if len(v):
            s[-1] = gm[-1]
        for i in range(len(v) - 2, -1, -1):
            s[i] = gm[i] + v[i + 1] * s[i + 1]
        return (xp.moveaxis(before * s, 0, k).reshape(x.shape),)

    return record(out, (x,), vjp)


# ---- diff -------------------------------------------------------------------------------
def diff_rule(op: str, x: Shape, axis: int = -1) -> Shape:
    """`x` with axis `axis` one shorter (an empty axis stays empty); every size unknown for an
    axis known only at run time."""
    if not x:
        raise shape_error(op, [x], "needs at least one axis, got a scalar")
    if not dims.is_static(axis):
        return (DYN,) * len(x)
    a = dims.normalize_axis(op, axis, x)
    d = x[a]
    return x[:a] + (0 if d == 0 else dims.sub(d, 1),) + x[a + 1 :]


@register("diff", diff_rule, statics=("axis",), methods=("diff",))
def diff(
    x: Tensor[Any, DT, TT], axis: int = -1, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Differences of neighbours along `axis`, `x[1:] - x[:-1]`, as NumPy's and PyTorch's
    `diff` with `n=1` (the last axis by default).

    Raises:
        ShapeError: when `x` is a scalar or `axis` is out of range.
        TypeError: for a bool tensor (NumPy refuses it; PyTorch's xor is no difference).

    Shape:
        `(N, T) -> (N, T - 1)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.diff(sd.tensor([1.0, 4.0, 9.0])).tolist()
        [3.0, 5.0]
    """
    if refused:
        raise refused_keywords("diff", refused)
    diff_rule("diff", x.shape, axis)
    a, xp = axis % x.ndim, x.xp
    if x.data.dtype == bool:
        raise TypeError("diff: needs a numeric tensor, not bool; convert with .astype(sd.i64)")
    head = (slice(None),) * a
    after, before = head + (slice(1, None),), head + (slice(None, -1),)

    def vjp(g: Array) -> tuple[Array]:
        grad = xp.zeros(x.shape, dtype=g.dtype)
        grad[after] += g
        grad[before] -= g
        return (grad,)

    return record(x.data[after] - x.data[before], (x,), vjp)
