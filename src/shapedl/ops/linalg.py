"""`norm(x, ord=2, axis=None, keepdims=False)`: the vector norm over axes.

Shape rule: the reduced axes (`axis` an int, a tuple, or None for all) disappear, or stay as
size 1 with `keepdims`, as for the reductions; a non-literal axis keeps the rank and makes
the dims it could remove `DYN`. The norm is a vector norm over the reduced axes together,
as `torch.linalg.vector_norm` and NumPy's `norm(x.ravel())` (matrix norms are not here). The
gradient of `|x|_p` is `sign(x) |x|^(p-1) / |x|_p^(p-1)`; at a zero norm it is 0, and the
`inf`/`-inf` norms share it evenly among tied extremes, as PyTorch does.

NOTE: `sd.ops.norm` is this function; the module of `layer_norm` and `batch_norm` is
`shapedl.ops.norm`, reached by its full name (ops/__init__ binds the function last).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Unpack

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error
from shapedl.ops.elementwise import sgn
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["norm"]

Axis = int | Sequence[int] | None


def norm_rule(op: str, x: Shape, ord: Any = 2, axis: Any = None, keepdims: Any = False) -> Shape:
    """The shape after reducing `axis` (all for None), kept as size 1 with `keepdims`."""
    if ord is not DYN and (not isinstance(ord, int | float) or isinstance(ord, bool)):
        raise shape_error(op, [x], f"ord must be a number (2, 1, inf...), not {ord!r}")
    items = axis if isinstance(axis, tuple | list) else (axis,)
    if axis is not None and not all(dims.is_axis(a) for a in items):
        return tuple(DYN for _ in range(len(x) if keepdims else len(x) - len(items)))
    axes = dims.normalize_axes(op, axis, x)
    empty = next((i for i in axes if x[i] == 0), None)
    if isinstance(ord, int | float) and math.isinf(ord) and empty is not None:
        raise shape_error(op, [x], f"axis {empty} has size 0, and an empty axis has no {ord} norm")
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def _forward(xp: Any, a: Array, p: float, axes: tuple[int, ...]) -> Array:
    """`|a|_p` over `axes`, kept as size-1 axes."""
    m = xp.abs(a)
    if p == math.inf:
        return m.max(axis=axes, keepdims=True)
    if p == -math.inf:
        return m.min(axis=axes, keepdims=True)
    if p == 0:
        return (m != 0).sum(axis=axes, keepdims=True).astype(a.dtype)
    if p == 2:
        return xp.sqrt((m * m).sum(axis=axes, keepdims=True))
    return ((m**p).sum(axis=axes, keepdims=True)) ** (1 / p)


def _local(xp: Any, a: Array, n: Array, p: float, axes: tuple[int, ...]) -> Array:
    """`d|a|_p / da`, broadcast against `a` (`n` is the kept norm)."""
    if p == 0:
        return xp.zeros_like(a)
    s = sgn(a)  # NOTE: 0 at nan, as PyTorch's sign (NumPy's is nan)
    if math.isinf(p):
        hit = (xp.abs(a) == n).astype(a.dtype)
        # NOTE: no hit (a nan norm) gives 0 everywhere, as PyTorch, not 0 / 0
        count = hit.sum(axis=axes, keepdims=True)
        return s * hit / xp.where(count == 0, 1, count)
    safe = xp.where(n == 0, 1, n)
    if p == 1:
        return s
    if p == 2:
        return xp.where(n == 0, 0, a / safe)
    # NOTE: 0 at a zero entry, as PyTorch, where p < 1 would give 0 * |0| ** (p - 1) = nan
    scaled = xp.where(a == 0, 0, s * xp.abs(a) ** (p - 1))
    return xp.where(n == 0, 0, scaled / safe ** (p - 1))


@register("norm", norm_rule, statics=("ord", "axis", "keepdims"), methods=("norm",))
@in_f32()
def norm(
    x: Tensor[Any, DT, TT],
    ord: float = 2,
    axis: Axis = None,
    keepdims: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, DT, TT]:
    """The vector `ord`-norm of `x` over `axis` (None: every axis), as `torch.linalg.vector_norm`.

    Args:
        x: the input, a float tensor.
        ord: the order: `2` (Euclidean), `1`, `math.inf` (largest absolute value),
            `-math.inf` (smallest), `0` (count of nonzeros), or any other `p`.
        axis: the axes reduced together: an int, a tuple, or None for all.
        keepdims: keep the reduced axes as size 1.

    Raises:
        ShapeError: when an axis is out of range or repeats, or `ord` is not a number.

    Shape:
        `(N, D) -> (N,)` with `axis=-1`; `(*S) -> ()` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.norm(sd.tensor([[3.0, 4.0], [6.0, 8.0]]), axis=1).tolist()
        [5.0, 10.0]
    """
    if refused:
        raise refused_keywords("norm", refused, names={"p": "ord"})
    shape = norm_rule("norm", x.shape, ord, axis, keepdims)
    xp, p = x.xp, float(ord)
    axes = dims.normalize_axes("norm", axis, x.shape)
    kept = _forward(xp, x.data, p, axes)

    def vjp(g: Array) -> tuple[Array]:
        g = g.reshape(kept.shape)
        return ((g * _local(xp, x.data, kept, p, axes)).astype(g.dtype),)

    return record(kept.reshape(shape), (x,), vjp)
