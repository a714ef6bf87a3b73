"""Products: `prod` over axes (a reduction) and `outer`, the outer product of two vectors.

Shape rules: `prod` is a reduction (`reduce_rule`: the reduced axes disappear, or stay as
size 1 with `keepdims`); `outer` of `(N,)` and `(M,)` is `(N, M)`.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Unpack, overload

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.reduce import _AXIS, Axis, _expand, reduce_rule
from shapedl.ops.registry import counts, register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, S

__all__ = ["outer", "prod"]


@overload
def prod(
    x: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
) -> Tensor[tuple[()], DT, TT]: ...
@overload
def prod(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
) -> Tensor[Any, DT, TT]: ...
@register("prod", reduce_rule, methods=("prod",), statics=_AXIS, promote=counts)
def prod(
    x: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Product over `axis` (an int, a tuple, or None for all).

    The gradient of each value is the product of the others it was multiplied with, zeros
    included, as PyTorch's: with one zero in a product only that zero gets a gradient.
    Integers and booleans give int64, as NumPy's and PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(axis=1).tolist()
        [2.0, 12.0]
    """
    if refused:
        raise refused_keywords("prod", refused)
    axes = dims.normalize_axes("prod", axis, x.shape)
    backend = x.device.backend
    out = backend.quietly(lambda: x.data.prod(axis=axes, keepdims=keepdims))
    shape = x.shape

    def vjp(g: Array) -> tuple[Array]:
        others = _others(x, axes)
        grad = _expand(g, shape, axes, keepdims) * others
        if len(axes) < x.ndim:
            return (grad,)
        # NOTE: PyTorch's product of everything gives exact zeros when two values are 0 (an
        # infinite `g` then gives 0, not nan); counted on the device, never read on the host
        several = (x.data == 0).sum() >= 2
        return (backend.zero_unless(~several | (others != 0), grad),)

    return record(out, (x,), vjp)


def _others(x: Tensor[Any, Any, Any], axes: tuple[int, ...]) -> Array:
    """For each value of `x`, the product of the other values of its group over `axes`.

    NOTE: products before and after it (exclusive cumulative products), never `prod / x`,
    which is nan at a zero.
    """
    xp, a = x.xp, x.data
    last = tuple(range(a.ndim - len(axes), a.ndim))
    moved = xp.moveaxis(a, axes, last)
    kept = moved.shape[: a.ndim - len(axes)]
    flat = moved.reshape(kept + (math.prod(moved.shape[len(kept) :]),))  # NOTE: -1 fails at 0
    ones = xp.ones_like(flat[..., :1])
    with x.device.backend.quiet():
        before = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = xp.cumprod(xp.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        both = (before * after).reshape(moved.shape)
    return xp.moveaxis(both, last, axes)


def outer_rule(op: str, a: Shape, b: Shape) -> Shape:
    """`(N,)` and `(M,)` give `(N, M)`; each operand must be a vector."""
    for name, s in (("a", a), ("b", b)):
        if len(s) != 1:
            raise shape_error(
                op, [a, b], f"{name} must be 1-d, not {len(s)}-d", f"flatten it: {name}.flatten()"
            )
    return (a[0], b[0])


@register("outer", outer_rule, tensors=("a", "b"), methods=("outer",))
def outer(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """The outer product `a[i] * b[j]` of two vectors (PyTorch's `outer`, `ger`).

    NOTE: NumPy's `outer` flattens other ranks first; PyTorch's refuses them, and so does
    this one, with the fix in its message: a silent flatten hides a shape mistake.

    Raises:
        ShapeError: when `a` or `b` is not 1-d.
        DTypeError: when their dtypes differ.

    Shape:
        `(N,), (M,) -> (N, M)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.outer(sd.tensor([1.0, 2.0]), sd.tensor([1.0, 10.0, 100.0])).tolist()
        [[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]]
    """
    check_devices("outer", a, b)
    outer_rule("outer", a.shape, b.shape)
    same_dtype("outer", a, b)
    x, y, quietly = a.data, b.data, a.device.backend.quietly
    # NOTE: quiet, as every product here: 0 * inf is nan, as in PyTorch, never a warning
    return record(
        quietly(lambda: x[:, None] * y[None, :]),
        (a, b),
        lambda g: (quietly(lambda: g @ y), quietly(lambda: x @ g)),
    )
