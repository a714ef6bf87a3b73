"""Masks: tril, triu and masked_fill, with PyTorch's meaning; and what a mask selects:
`nonzero` (`argwhere`) and `masked_select`.

tril, triu and masked_fill keep their input's shape; the gradient flows where the value was
kept and is zero where it was replaced. How many values `nonzero` and `masked_select` find
depends on the data, so that size is `Dyn` in their types (as `x[mask]`'s): `nonzero` gives
`(Dyn, rank)` int64 positions (untraced), `masked_select` the `(Dyn,)` values where the mask
(broadcast with `x`) is True, whose gradient goes back to those positions (zero elsewhere).
"""

from __future__ import annotations

from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Shape
from shapedl.errors import shape_error
from shapedl.ops.creation import fits
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, Dyn, NoTape, S, bool_, i64

__all__ = ["masked_fill", "masked_select", "nonzero", "tril", "triu"]


def matrix_rule(op: str, x: Shape, diagonal: int = 0) -> Shape:
    """The shape is kept; the last two axes are the matrix."""
    if len(x) < 2:
        raise shape_error(op, [x], f"needs at least 2 axes (a matrix), got rank {len(x)}")
    return x


@register("tril", matrix_rule, statics=("diagonal",), methods=("tril",))
def tril(x: Tensor[S, DT, TT], diagonal: int = 0) -> Tensor[S, DT, TT]:
    """The lower triangle of the last two axes: zero above diagonal `diagonal`.

    `diagonal=0` keeps the main diagonal, `1` one more above it, `-1` one fewer.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 2)).tril().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    matrix_rule("tril", x.shape, diagonal)
    xp = x.xp
    return record(xp.tril(x.data, diagonal), (x,), lambda g: (xp.tril(g, diagonal),))


@register("triu", matrix_rule, statics=("diagonal",), methods=("triu",))
def triu(x: Tensor[S, DT, TT], diagonal: int = 0) -> Tensor[S, DT, TT]:
    """The upper triangle of the last two axes: zero below diagonal `diagonal`.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 2)).triu(1).tolist()
        [[0.0, 1.0], [0.0, 0.0]]
    """
    matrix_rule("triu", x.shape, diagonal)
    xp = x.xp
    return record(xp.triu(x.data, diagonal), (x,), lambda g: (xp.triu(g, diagonal),))


def masked_fill_rule(op: str, x: Shape, mask: Shape, value: Shape = ()) -> Shape:
    """`x`'s shape; `mask` must broadcast to it (without making it larger); `value` is a
    number or a 0-d tensor (a number's shape is `()`)."""
    out = dims.broadcast(op, x, mask)
    if len(out) != len(x) or any(d == 1 and o != 1 for d, o in zip(x, out, strict=True)):
        raise shape_error(
            op, [x, mask], "the mask is larger than the tensor", "the mask must broadcast to x"
        )
    if value != ():
        raise shape_error(
            op,
            [x, mask, value],
            f"the value must be a number or a 0-d tensor, not {len(value)}-d (as PyTorch's)",
            "fill with a tensor of values: sd.where(mask, values, x)",
        )
    return x


@register("masked_fill", masked_fill_rule, tensors=("x", "mask", "value"), methods=("masked_fill",))
def masked_fill(
    x: Tensor[S, DT, TT],
    mask: Tensor[Any, bool_, Any],
    value: float | Tensor[tuple[()], Any, Any],
) -> Tensor[S, DT, TT]:
    """`x` with `value` where the boolean `mask` (broadcast to `x`) is True.

    The result keeps `x`'s dtype, as PyTorch's: `value`, a number or a 0-d tensor, is cast to
    it. The gradient is zero where the value was filled; a 0-d tensor `value` gets the sum of
    the gradient where it was filled.

    Raises:
        ShapeError: when `mask` does not broadcast to `x`'s shape, or `value` is a tensor
            that is not 0-d.
        ValueError: when the number `value` overflows `x`'s dtype (`-1e9` in f16), as
            PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> x = sd.zeros((2, 2))
        >>> x.masked_fill(sd.ones((2, 2)).triu(1) > 0, -1.0).tolist()
        [[0.0, -1.0], [0.0, 0.0]]
    """
    if isinstance(value, Tensor):
        return _fill_with_tensor(x, mask, value)
    masked_fill_rule("masked_fill", x.shape, mask.shape)
    check_devices("masked_fill", x, mask)
    if mask.data.dtype.kind != "b":
        raise TypeError(f"masked_fill: the mask must be boolean, not {mask.data.dtype}")
    xp, keep, dtype = x.xp, mask.data, str(x.data.dtype)
    # NOTE: no upload when recorded
    fill = x.device.backend.asarray(fits("masked_fill", value, dtype), dtype=dtype)
    out = xp.where(keep, fill, x.data)
    return record(out, (x, mask), lambda g: (xp.where(keep, 0, g), None))


def _fill_with_tensor(
    x: Tensor[S, DT, TT], mask: Tensor[Any, bool_, Any], value: Tensor[Any, Any, Any]
) -> Tensor[S, DT, TT]:
    """`masked_fill` with a 0-d tensor `value`, which gets the gradient of what it filled.

    NOTE: cast as `astype` casts, unchecked, as PyTorch's `.to(dtype)`: checking it would read
    it back from the GPU"""
    masked_fill_rule("masked_fill", x.shape, mask.shape, value.shape)
    check_devices("masked_fill", x, mask, value)
    if mask.data.dtype.kind != "b":
        raise TypeError(f"masked_fill: the mask must be boolean, not {mask.data.dtype}")
    xp, keep = x.xp, mask.data
    out = xp.where(keep, value.data.astype(x.data.dtype), x.data)

    def vjp(g: Array) -> tuple[Array, None, Array]:
        return xp.where(keep, 0, g), None, xp.where(keep, g, 0).sum()

    return record(out, (x, mask, value), vjp)


# ---- what a mask selects: sizes known only at run time ------------------------------------
def nonzero_rule(op: str, x: Shape) -> Shape:
    """`(Dyn, rank)`: one row of positions per value that is not zero, however many."""
    return (DYN, len(x))


@register("nonzero", nonzero_rule, methods=("nonzero", "argwhere"), dtype="int64")
def nonzero(x: Tensor[Any, Any, Any]) -> Tensor[tuple[Dyn, Any], i64, NoTape]:
    """The positions of the values of `x` that are not zero (True, nan), one row each, in
    order, as PyTorch's `torch.nonzero` (and `argwhere`, NumPy's `argwhere`); int64, untraced.

    Shape:
        `(*D) -> (N, len(D))`, `N` known only at run time (`Dyn`); a 0-d `x` gives `(N, 0)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.nonzero(sd.tensor([[0.0, 2.0], [3.0, 0.0]])).tolist()
        [[0, 1], [1, 0]]
    """
    xp = x.xp
    return Tensor(xp.asarray(xp.argwhere(x.data), dtype="int64"), x.device)


def masked_select_rule(op: str, x: Shape, mask: Shape) -> Shape:
    """`(Dyn,)`: the values where `mask` is True, `x` and `mask` broadcast together."""
    dims.broadcast(op, x, mask)
    return (DYN,)


@register("masked_select", masked_select_rule, tensors=("x", "mask"), methods=("masked_select",))
def masked_select(
    x: Tensor[Any, DT, TT], mask: Tensor[Any, bool_, Any]
) -> Tensor[tuple[Dyn], DT, TT]:
    """The values of `x` where the boolean `mask` is True, in order, as a 1-d tensor, as
    PyTorch's `torch.masked_select` (`x` and `mask` broadcast together; `x[mask]` for equal
    shapes). The gradient goes back to the selected positions, zero elsewhere.

    Raises:
        ShapeError: when `x` and `mask` do not broadcast.
        TypeError: when `mask` is not boolean.

    Shape:
        `broadcast(x, mask) -> (N,)`, `N` known only at run time (`Dyn`).

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([[1.0, -2.0], [-3.0, 4.0]])
        >>> sd.ops.masked_select(x, x > 0).tolist()
        [1.0, 4.0]
    """
    shape = dims.broadcast("masked_select", x.shape, mask.shape)
    check_devices("masked_select", x, mask)
    if mask.data.dtype.kind != "b":
        raise TypeError(f"masked_select: the mask must be boolean, not {mask.data.dtype}")
    xp, a, keep = x.xp, x.data, mask.data
    if a.shape != keep.shape:
        a, keep = xp.broadcast_to(a, shape), xp.broadcast_to(keep, shape)

    def vjp(g: Array) -> tuple[Array, None]:
        # NOTE: of the broadcast shape: the tape sums it back to x's
        full = xp.zeros(keep.shape, g.dtype)
        full[keep] = g
        return full, None

    return record(a[keep], (x, mask), vjp)
