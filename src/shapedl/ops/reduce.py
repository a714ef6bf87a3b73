"""Reductions over axes: sum, mean, max, min, var, std, logsumexp, argmax, argmin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record

__all__ = ["sum"]

Axis = int | Sequence[int] | None


def reduce_rule(op: str, x: Shape, axis: Axis = None, keepdims: bool = False) -> Shape:
    """The shape after reducing `axis` (all axes for None), kept as size 1 with `keepdims`."""
    axes = dims.normalize_axes(op, axis, x)
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def _expand(g: Array, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Array:
    """`g` of the reduced shape, broadcast back over the reduced axes."""
    if not keepdims:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return g


@register("sum", reduce_rule, statics=("axis", "keepdims"), methods=("sum",))
def sum(x: Tensor[Any, Any, Any], axis: Axis = None, keepdims: bool = False) -> Any:
    """Sum over `axis` (an int, a tuple, or None for all).

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3)).sum(axis=1).tolist()
        [3.0, 3.0]
    """
    axes = dims.normalize_axes("sum", axis, x.shape)
    out = x.data.sum(axis=axes, keepdims=keepdims)
    xp, shape = x.xp, x.shape
    return record(out, (x,), lambda g: (xp.broadcast_to(_expand(g, shape, axes, keepdims), shape),))
