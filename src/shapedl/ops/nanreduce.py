"""Reductions that skip nan: `nansum` and `nanmean`, as PyTorch's and NumPy's.

Shape rule: `reduce_rule`, as `sum`'s and `mean`'s (`axis` an int, a tuple, or None for all;
`keepdims` keeps the reduced axes as size 1). A nan counts as 0 in `nansum` and is left out of
`nanmean`'s count, so a slice of nans only has the mean 0 / 0 = nan, as PyTorch's. The
gradient is PyTorch's: the output's gradient (divided by the count for `nanmean`) where `x`
is not nan, times 0 where it is (so nan where that gradient is inf or the count 0, as
PyTorch's). Integers have no nan: `nansum` is then `sum` (int64, as PyTorch's) and `nanmean`
is `mean` (float64, NumPy's; PyTorch refuses integers). f16 and bf16 are summed in f32.
"""

from __future__ import annotations

from typing import Any, Literal, Unpack, overload

from shapedl import dims
from shapedl.backend import Array, is_float
from shapedl.errors import NoKeywords, refused_keywords
from shapedl.ops.precision import in_f32
from shapedl.ops.reduce import _AXIS, Axis, _expand, reduce_rule
from shapedl.ops.reduce import mean as _mean
from shapedl.ops.reduce import sum as _sum
from shapedl.ops.registry import counts, floats, register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, S

__all__ = ["nanmean", "nansum"]


@overload
def nansum(
    x: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
) -> Tensor[tuple[()], DT, TT]: ...
@overload
def nansum(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
) -> Tensor[Any, DT, TT]: ...
@register("nansum", reduce_rule, methods=("nansum",), statics=_AXIS, promote=counts)
@in_f32()
def nansum(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Sum over `axis` (an int, a tuple, or None for all), a nan counted as 0, as PyTorch's
    `torch.nansum`; the gradient is 0 where `x` is nan.

    Raises:
        ShapeError: when an axis is out of range or repeated.

    Shape:
        `reduce_rule`: the reduced axes dropped, or kept as size 1 with `keepdims`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.nansum(sd.tensor([[1.0, float("nan")], [2.0, 3.0]]), axis=1).tolist()
        [1.0, 5.0]
    """
    if refused:
        raise refused_keywords("nansum", refused)
    axes = dims.normalize_axes("nansum", axis, x.shape)
    if not is_float(x.data.dtype):
        return _sum(x, axes, keepdims)
    xp, a, shape = x.xp, x.data, x.shape
    # NOTE: quietly: inf + -inf is nan, as in PyTorch
    out = x.device.backend.quietly(lambda: xp.nansum(a, axis=axes, keepdims=keepdims))

    def vjp(g: Array) -> tuple[Array]:
        # NOTE: a product, not `where`, as PyTorch's: an inf gradient gives nan at a nan
        return (_expand(g, shape, axes, keepdims) * ~xp.isnan(a),)

    return record(xp.asarray(out, a.dtype), (x,), vjp)


@overload
def nanmean(
    x: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
) -> Tensor[tuple[()], DT, TT]: ...
@overload
def nanmean(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
) -> Tensor[Any, DT, TT]: ...
@register("nanmean", reduce_rule, methods=("nanmean",), statics=_AXIS, promote=floats)
@in_f32()
def nanmean(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Mean over `axis` (an int, a tuple, or None for all) of the values that are not nan,
    as PyTorch's `torch.nanmean`: nan for a slice of nans (or an empty one).

    Raises:
        ShapeError: when an axis is out of range or repeated.

    Shape:
        `reduce_rule`: the reduced axes dropped, or kept as size 1 with `keepdims`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.nanmean(sd.tensor([[1.0, float("nan")], [2.0, 3.0]]), axis=1).tolist()
        [1.0, 2.5]
    """
    if refused:
        raise refused_keywords("nanmean", refused)
    axes = dims.normalize_axes("nanmean", axis, x.shape)
    if not is_float(x.data.dtype):
        return _mean(x, axes, keepdims)
    xp, a, shape = x.xp, x.data, x.shape
    keep = ~xp.isnan(a)
    n = xp.asarray(keep.sum(axis=axes, keepdims=keepdims), a.dtype)
    # NOTE: quietly: 0 / 0 is nan for a slice of nans, as PyTorch's
    out = x.device.backend.quietly(lambda: xp.nansum(a, axis=axes, keepdims=keepdims) / n)

    def vjp(g: Array) -> tuple[Array]:
        return (x.device.backend.quietly(lambda: _expand(g / n, shape, axes, keepdims) * keep),)

    return record(xp.asarray(out, a.dtype), (x,), vjp)
