"""Reductions over axes: sum, mean, max, min, var, std, logsumexp, argmax, argmin, any, all.

Shape rule: the reduced axes (`axis` an int, a tuple, or None for all; negative counts from
the end) disappear, or stay as size 1 with `keepdims`. `argmax`/`argmin` take one axis or
None (the flattened array, as NumPy). `any`/`all` give boolean tensors, never traced. Every
gradient is the output's gradient broadcast back over the reduced axes, times the op's local
derivative.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any, Literal, Unpack, overload

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import counts, floats, register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, NoTape, S, bool_, i64

__all__ = [
    "all", "any", "argmax", "argmin", "logsumexp", "max", "mean", "min", "std", "sum", "var"
]  # fmt: skip

Axis = int | Sequence[int] | None
_AXIS = ("axis", "keepdims")
_VAR = ("axis", "keepdims", "ddof")
# NOTE: PyTorch's `x.max(dim=1)` is `(values, indices)`; a port told only `axis=1` would unpack
# the values
_VALUES_ONLY = "; max and min give the values only: the indices are argmax and argmin"


def reduce_rule(op: str, x: Shape, axis: Axis = None, keepdims: bool = False) -> Shape:
    """The shape after reducing `axis` (all axes for None), kept as size 1 with `keepdims`."""
    axes = dims.normalize_axes(op, axis, x)
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def extreme_rule(op: str, x: Shape, axis: Axis = None, keepdims: bool = False) -> Shape:
    """`reduce_rule`, refusing to take the max/min of an empty axis (it has no value)."""
    for i in dims.normalize_axes(op, axis, x):
        if x[i] == 0:
            raise shape_error(op, [x], f"axis {i} has size 0, and an empty axis has no {op}")
    return reduce_rule(op, x, axis, keepdims)


def var_rule(op: str, x: Shape, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Shape:
    """`reduce_rule`; `ddof` changes only the divisor `n - ddof`."""
    return reduce_rule(op, x, axis, keepdims)


def arg_rule(op: str, x: Shape, axis: int | None = None, keepdims: bool = False) -> Shape:
    """One axis (or None: the flattened array, a scalar index) reduced to an index."""
    dims.need_static(op, "axis", axis)
    if axis is not None and not dims.is_axis(axis):
        raise shape_error(op, [x], f"axis must be one int or None, got {axis!r}")
    return extreme_rule(op, x, axis, keepdims)


def _expand(g: Array, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Array:
    """`g` of the reduced shape with the reduced axes put back as size 1 (broadcastable)."""
    if not keepdims:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return g


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for i in axes:
        n *= shape[i]
    return n


# ---- sum and mean -----------------------------------------------------------------------
@overload
def sum(
    x: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
) -> Tensor[tuple[()], DT, TT]: ...
@overload
def sum(x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False) -> Tensor[Any, DT, TT]: ...
@register("sum", reduce_rule, methods=("sum",), statics=_AXIS, promote=counts)
@in_f32()
def sum(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Sum over `axis` (an int, a tuple, or None for all).

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3)).sum(axis=1).tolist()
        [3.0, 3.0]
    """
    if refused:
        raise refused_keywords("sum", refused)
    axes = dims.normalize_axes("sum", axis, x.shape)
    # NOTE: quietly: inf + -inf is nan, as in PyTorch
    out = x.device.backend.quietly(lambda: x.data.sum(axis=axes, keepdims=keepdims))
    xp, shape = x.xp, x.shape
    return record(out, (x,), lambda g: (xp.broadcast_to(_expand(g, shape, axes, keepdims), shape),))


@overload
def mean(
    x: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
) -> Tensor[tuple[()], DT, TT]: ...
@overload
def mean(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
) -> Tensor[Any, DT, TT]: ...
@register("mean", reduce_rule, methods=("mean",), statics=_AXIS, promote=floats)
@in_f32()
def mean(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Mean over `axis` (an int, a tuple, or None for all).

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(axis=0).tolist()
        [2.0, 3.5]
    """
    if refused:
        raise refused_keywords("mean", refused)
    axes = dims.normalize_axes("mean", axis, x.shape)
    xp, shape, n = x.xp, x.shape, _count(x.shape, axes)
    # NOTE: quietly: an empty mean is 0 / 0 = nan, as PyTorch's
    out = x.device.backend.quietly(lambda: _mean(x.data, axes, keepdims))
    return record(
        out, (x,), lambda g: (xp.broadcast_to(_expand(g, shape, axes, keepdims) / n, shape),)
    )


# ---- max and min ------------------------------------------------------------------------
def _extreme(
    op: str, x: Tensor[Any, Any, Any], axis: Axis, keepdims: bool
) -> Tensor[Any, Any, Any]:
    extreme_rule(op, x.shape, axis, keepdims)
    axes = dims.normalize_axes(op, axis, x.shape)
    fn = x.data.max if op == "max" else x.data.min
    kept = fn(axis=axes, keepdims=True)
    out = kept if keepdims else kept.reshape(reduce_rule(op, x.shape, axes))

    def vjp(g: Array) -> tuple[Array]:
        # NOTE: ties share the gradient evenly, as torch's amax/amin (and max() over all) do
        hit = (x.data == kept).astype(g.dtype)
        return (_expand(g, x.shape, axes, keepdims) * hit / hit.sum(axis=axes, keepdims=True),)

    return record(out, (x,), vjp)


@register("max", extreme_rule, methods=("max", "amax"), statics=_AXIS)
def max(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Largest value over `axis`; tied maxima share the gradient evenly (torch's `amax`).

    Also `sd.ops.amax` and `x.amax(...)`, PyTorch's name for this reduction (PyTorch's
    `max(x, dim)` gives the indices too: that is `sort`'s or `topk`'s job here).

    Raises:
        ShapeError: for an axis out of range, or an empty axis.

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 5.0], [7.0, 2.0]]).max(axis=-1).tolist()
        [5.0, 7.0]
    """
    if refused:
        raise refused_keywords("max", refused, note=_VALUES_ONLY)
    return _extreme("max", x, axis, keepdims)


@register("min", extreme_rule, methods=("min", "amin"), statics=_AXIS)
def min(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Smallest value over `axis`; tied minima share the gradient evenly (torch's `amin`).

    Also `sd.ops.amin` and `x.amin(...)`, PyTorch's name for this reduction.

    Raises:
        ShapeError: for an axis out of range, or an empty axis.
    """
    if refused:
        raise refused_keywords("min", refused, note=_VALUES_ONLY)
    return _extreme("min", x, axis, keepdims)


# ---- var and std ------------------------------------------------------------------------
def _mean(a: Array, axes: tuple[int, ...], keepdims: bool) -> Array:
    """`a.mean(axes)`, but nan for an empty axis without NumPy's "Mean of empty slice"
    warning, which no floating-point error state silences (PyTorch gives nan, quietly)."""
    if a.size:
        return a.mean(axis=axes, keepdims=keepdims)
    return a.sum(axis=axes, keepdims=keepdims) / _count(a.shape, axes)


def _centered(x: Tensor[Any, Any, Any], axes: tuple[int, ...]) -> Array:
    return x.device.backend.quietly(lambda: x.data - _mean(x.data, axes, True))


def _divisor(shape: tuple[int, ...], axes: tuple[int, ...], ddof: int) -> int:
    """`n - ddof`, at least 0: with no degrees of freedom left the variance is inf or nan
    (0 / 0), as in NumPy and PyTorch, and not a negative number."""
    return builtins.max(_count(shape, axes) - ddof, 0)


def _var_grad(x: Tensor[Any, Any, Any], g: Array, d: Array, axis: Axis, dof: int) -> Array:
    """PyTorch's `var_backward` for `g` (broadcast against `x`) and `d = x - mean`.

    `2 * g * d / dof`, where `dof = n - ddof` is not clamped (a negative one gives a finite
    gradient, as PyTorch's), and `2 / 0` is inf. NOTE: PyTorch reduces over everything
    (`dim=None`, or a 0-d `x`) in a branch of its own: with no degrees of freedom left the
    gradient is `g * inf` where `x` differs from its mean, and nan where it equals it.
    """
    xp = x.xp
    with x.device.backend.quiet():
        if (axis is None or x.ndim == 0) and dof <= 0:
            mean = _mean(x.data, tuple(range(x.ndim)), True)
            return g * xp.where(x.data == mean, xp.nan, xp.inf).astype(d.dtype)
        return g * d * (2 / dof if dof else math.inf)


@register("var", var_rule, methods=("var",), statics=_VAR, promote=floats)
@in_f32()
def var(
    x: Tensor[S, DT, TT],
    axis: Axis = None,
    *,
    keepdims: bool = False,
    ddof: int = 0,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, DT, TT]:
    """Variance over `axis`, `sum((x - mean)**2) / (n - ddof)` (NumPy's `ddof`; 0 by default).

    Example:
        >>> import shapedl as sd
        >>> round(sd.tensor([1.0, 2.0, 3.0, 4.0]).var(ddof=1).item(), 4)
        1.6667
    """
    if refused:
        raise refused_keywords("var", refused)
    axes = dims.normalize_axes("var", axis, x.shape)
    d, div = _centered(x, axes), _divisor(x.shape, axes, ddof)
    with x.device.backend.quiet():
        out = (d * d).sum(axis=axes, keepdims=keepdims) / div
    dof = _count(x.shape, axes) - ddof
    return record(
        out, (x,), lambda g: (_var_grad(x, _expand(g, x.shape, axes, keepdims), d, axis, dof),)
    )


@register("std", var_rule, methods=("std",), statics=_VAR, promote=floats)
@in_f32()
def std(
    x: Tensor[S, DT, TT],
    axis: Axis = None,
    *,
    keepdims: bool = False,
    ddof: int = 0,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, DT, TT]:
    """Standard deviation over `axis`, the square root of `var`; its gradient is 0 where it is 0.

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 3.0], [2.0, 2.0]]).std(axis=1).tolist()
        [1.0, 0.0]
    """
    if refused:
        raise refused_keywords("std", refused)
    axes = dims.normalize_axes("std", axis, x.shape)
    xp, d, div = x.xp, _centered(x, axes), _divisor(x.shape, axes, ddof)
    with x.device.backend.quiet():
        kept = x.xp.sqrt((d * d).sum(axis=axes, keepdims=True) / div)
    out = kept if keepdims else kept.reshape(reduce_rule("std", x.shape, axes))

    def vjp(g: Array) -> tuple[Array]:
        # NOTE: PyTorch's std_backward: var's of `g / (2 * std)`, 0 where std is 0 (a constant
        # slice gets gradient 0 rather than nan)
        safe = xp.where(kept == 0, 1, kept)
        with x.device.backend.quiet():
            h = xp.where(kept == 0, 0, _expand(g, x.shape, axes, keepdims) / (2 * safe))
        return (_var_grad(x, h, d, axis, _count(x.shape, axes) - ddof),)

    return record(out, (x,), vjp)


# ---- logsumexp --------------------------------------------------------------------------
@register("logsumexp", reduce_rule, methods=("logsumexp",), statics=_AXIS)
@in_f32()
def logsumexp(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """`log(sum(exp(x)))` over `axis`, computed without overflow (the max is taken out first).

    Example:
        >>> import shapedl as sd
        >>> round(sd.tensor([1000.0, 1000.0]).logsumexp().item(), 2)
        1000.69
    """
    if refused:
        raise refused_keywords("logsumexp", refused)
    axes = dims.normalize_axes("logsumexp", axis, x.shape)
    xp = x.xp
    top = x.data.max(axis=axes, keepdims=True) if x.data.size else xp.zeros((), x.data.dtype)
    # NOTE: an infinite max would give inf - inf = nan below; shifting by 0 there is exact
    top = xp.where(xp.isfinite(top), top, 0).astype(x.data.dtype)
    with x.device.backend.quiet():  # NOTE: log(0) = -inf for a row of -inf, as in PyTorch
        kept = xp.log(xp.exp(x.data - top).sum(axis=axes, keepdims=True)) + top
    out = kept if keepdims else kept.reshape(reduce_rule("logsumexp", x.shape, axes))
    return record(
        out, (x,), lambda g: (_expand(g, x.shape, axes, keepdims) * xp.exp(x.data - kept),)
    )


# ---- argmax and argmin ------------------------------------------------------------------
def _arg(
    op: str, x: Tensor[Any, Any, Any], axis: int | None, keepdims: bool
) -> Tensor[Any, Any, NoTape]:
    shape = arg_rule(op, x.shape, axis, keepdims)
    fn = x.data.argmax if op == "argmax" else x.data.argmin
    out = fn(axis=axis).astype("int64").reshape(shape)
    return Tensor(out, x.device)


@register("argmax", arg_rule, methods=("argmax",), dtype="int64", statics=_AXIS)
def argmax(
    x: Tensor[Any, Any, Any],
    axis: int | None = None,
    keepdims: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, i64, NoTape]:
    """Index of the largest value along `axis` (None: in the flattened array); untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(axis=1).tolist()
        [1, 0]
    """
    if refused:
        raise refused_keywords("argmax", refused)
    return _arg("argmax", x, axis, keepdims)


@register("argmin", arg_rule, methods=("argmin",), dtype="int64", statics=_AXIS)
def argmin(
    x: Tensor[Any, Any, Any],
    axis: int | None = None,
    keepdims: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, i64, NoTape]:
    """Index of the smallest value along `axis` (None: in the flattened array); untraced."""
    if refused:
        raise refused_keywords("argmin", refused)
    return _arg("argmin", x, axis, keepdims)


# ---- any and all --------------------------------------------------------------------------
def _truth(
    op: str, x: Tensor[Any, Any, Any], axis: Axis, keepdims: bool
) -> Tensor[Any, bool_, NoTape]:
    axes = dims.normalize_axes(op, axis, x.shape)
    fn = x.xp.any if op == "any" else x.xp.all
    return Tensor(x.xp.asarray(fn(x.data, axis=axes, keepdims=keepdims)), x.device)


@register("any", reduce_rule, methods=("any",), dtype="bool", statics=_AXIS)
def any(  # noqa: A001 - NumPy's and PyTorch's name
    x: Tensor[Any, Any, Any],
    axis: Axis = None,
    keepdims: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, bool_, NoTape]:
    """Whether some value along `axis` (all axes for None) is nonzero; boolean, untraced.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([[1.0, -2.0], [3.0, 4.0]]) < 0).any(axis=1).tolist()
        [True, False]
    """
    if refused:
        raise refused_keywords("any", refused)
    return _truth("any", x, axis, keepdims)


@register("all", reduce_rule, methods=("all",), dtype="bool", statics=_AXIS)
def all(  # noqa: A001 - NumPy's and PyTorch's name
    x: Tensor[Any, Any, Any],
    axis: Axis = None,
    keepdims: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, bool_, NoTape]:
    """Whether every value along `axis` (all axes for None) is nonzero; boolean, untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 0.0], [3.0, 4.0]]).all(axis=1).tolist()
        [False, True]
    """
    if refused:
        raise refused_keywords("all", refused)
    return _truth("all", x, axis, keepdims)
