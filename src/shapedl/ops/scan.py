"""Scans along an axis: `cumsum` and `cumprod`.

Shape rule: the shape is kept; `axis=None` scans the flattened array, as NumPy does (PyTorch
requires a dim). The result keeps `x`'s dtype (PyTorch widens integers to int64). The
gradient of `cumsum` is the reversed cumulative sum of the output's gradient; that of
`cumprod` is computed by a backward recurrence that never divides by `x`, so it is exact
where `x` has zeros (as PyTorch's is).
"""

from __future__ import annotations

from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["cumprod", "cumsum"]


def scan_rule(op: str, x: Shape, axis: Any = None) -> Shape:
    """`x` kept for an axis (which must exist); the flattened size for `axis=None`."""
    if axis is None:
        return (dims.product(x),)
    if isinstance(axis, int):
        dims.normalize_axis(op, axis, x)
    return x


def _flat(op: str, x: Tensor[Any, Any, Any], axis: int | None) -> tuple[Array, int]:
    """The array to scan and the axis (0 of the flattened array for None); not booleans."""
    if x.data.dtype == bool:
        # NOTE: the result keeps x's dtype (as typed); a running count of booleans is not one
        raise TypeError(f"{op}: needs a numeric tensor, not bool; convert with .astype(sd.i64)")
    if axis is None:
        return x.data.reshape(-1), 0
    return x.data, axis % x.ndim


@register("cumsum", scan_rule, statics=("axis",))
@in_f32()
def cumsum(x: Tensor[Any, DT, TT], axis: int | None = None) -> Tensor[Any, DT, TT]:
    """Cumulative sum along `axis` (None: the flattened array, as NumPy's `cumsum`).

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S)`; `(*S) -> (prod(S),)` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.cumsum(sd.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1).tolist()
        [[1.0, 3.0], [3.0, 7.0]]
    """
    scan_rule("cumsum", x.shape, axis)
    xp = x.xp
    data, k = _flat("cumsum", x, axis)
    out = xp.cumsum(data, axis=k, dtype=data.dtype)

    def vjp(g: Array) -> tuple[Array]:
        back = xp.flip(xp.cumsum(xp.flip(g, k), axis=k, dtype=g.dtype), k)
        return (back.reshape(x.shape),)

    return record(out, (x,), vjp)


@register("cumprod", scan_rule, statics=("axis",))
@in_f32()
def cumprod(x: Tensor[Any, DT, TT], axis: int | None = None) -> Tensor[Any, DT, TT]:
    """Cumulative product along `axis` (None: the flattened array, as NumPy's `cumprod`).

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S)`; `(*S) -> (prod(S),)` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.cumprod(sd.tensor([1.0, 2.0, 3.0])).tolist()
        [1.0, 2.0, 6.0]
    """
    scan_rule("cumprod", x.shape, axis)
    xp = x.xp
    data, k = _flat("cumprod", x, axis)
    out = xp.cumprod(data, axis=k, dtype=data.dtype)

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
