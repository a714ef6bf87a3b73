"""Order along an axis: `argsort` (registered), `sort` and `topk` (values and indices).

`argsort`'s rule keeps the shape (`axis=None`: the flattened array, as NumPy). Sorting is
stable, and so is the descending order (ties keep their original order), so the indices are
PyTorch's `sort(..., stable=True)`. The gradient of the values goes back to the positions
the indices name; the indices are untraced `int64`.

`sort` and `topk` return a tuple of a value tensor (`x`'s dtype, traced with `x`) and an
untraced `int64` index tensor; their registrations say so item by item (`item_dtypes`).
"""

from __future__ import annotations

from typing import Any, Unpack

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, NoTape, S, i64

__all__ = ["argsort", "sort", "topk"]


def argsort_rule(op: str, x: Shape, axis: Any = -1, descending: Any = False) -> Shape:
    """`x` kept for an axis (which must exist); the flattened size for `axis=None`."""
    if axis is None:
        return (dims.product(x),)
    if dims.is_axis(axis):
        dims.normalize_axis(op, axis, x)
    return x


def sort_rule(op: str, x: Shape, axis: Any = -1, descending: Any = False) -> tuple[Shape, Shape]:
    """`(x, x)`: values and indices keep the shape; the axis must exist."""
    if not x:
        raise shape_error(op, [x], "a 0-d tensor has no axis to sort")
    if dims.is_axis(axis):
        dims.normalize_axis(op, axis, x)
    return x, x


def topk_rule(
    op: str, x: Shape, k: Any, axis: Any = -1, largest: Any = True
) -> tuple[Shape, Shape]:
    """Values and indices: `x` with axis `axis` of size `k`, which must be `0 <= k <= x[axis]`."""
    if not x:
        raise shape_error(op, [x], "a 0-d tensor has no axis to take from")
    dims.check_int(op, "k", k)
    if isinstance(k, int) and k < 0:
        raise shape_error(op, [x], f"k {k} is negative")
    if not dims.is_axis(axis):
        out: Shape = tuple(DYN for _ in x)
        return out, out
    a = dims.normalize_axis(op, axis, x)
    n = x[a]
    if isinstance(k, int) and isinstance(n, int) and k > n:
        raise shape_error(op, [x], f"k {k} is larger than axis {axis} of size {n}")
    out = (*x[:a], k if isinstance(k, int | dims.Expr) else DYN, *x[a + 1 :])
    return out, out


def _order(xp: Any, data: Array, k: int, descending: bool) -> Array:
    """Stable ascending, or stable descending (ties in their original order), indices."""
    if data.dtype.kind == "V":
        # NOTE: NumPy's sort of ml_dtypes' bfloat16 (kind "V") has no NaN ordering, so a NaN
        # leaves it unsorted; f32 holds every bf16 exactly and sorts NaN last, as PyTorch
        data = data.astype("float32")
    if not descending:
        return xp.argsort(data, axis=k, kind="stable")
    # NOTE: a stable sort of the reversed axis, reversed again, keeps ties in order
    n = data.shape[k]
    return n - 1 - xp.flip(xp.argsort(xp.flip(data, k), axis=k, kind="stable"), k)


def _taken(x: Tensor[Any, Any, Any], data: Array, index: Array, k: int) -> Tensor[Any, Any, Any]:
    """`data` (x's values, flattened or not) picked along `k` by `index`, with its gradient."""
    xp = x.xp
    # NOTE: an index tuple rather than take/put_along_axis, which not every backend has
    key = tuple(
        index if d == k else xp.arange(n).reshape((-1,) + (1,) * (index.ndim - d - 1))
        for d, n in enumerate(index.shape)
    )

    def vjp(g: Array) -> tuple[Array]:
        grad = xp.zeros(data.shape, dtype=g.dtype)
        grad[key] = g  # NOTE: the indices along `k` are distinct, so nothing adds up
        return (grad.reshape(x.shape),)

    return record(data[key], (x,), vjp)


def _prepare(x: Tensor[Any, Any, Any], axis: int | None) -> tuple[Array, int]:
    return (x.data.reshape(-1), 0) if axis is None else (x.data, axis % max(x.ndim, 1))


@register(
    "argsort",
    argsort_rule,
    statics=("axis", "descending"),
    methods=("argsort",),
    dtype="int64",
)
def argsort(
    x: Tensor[Any, Any, Any],
    axis: int | None = -1,
    descending: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, i64, NoTape]:
    """The indices that sort `x` along `axis` (None: the flattened array); stable; untraced.

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S)`; `(*S) -> (prod(S),)` with `axis=None`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.argsort(sd.tensor([3.0, 1.0, 2.0]), descending=True).tolist()
        [0, 2, 1]
    """
    if refused:
        raise refused_keywords("argsort", refused)
    argsort_rule("argsort", x.shape, axis, descending)
    data, k = _prepare(x, axis)
    return Tensor(_order(x.xp, data, k, descending).astype("int64"), x.device)


@register(
    "sort",
    sort_rule,
    statics=("axis", "descending"),
    methods=("sort",),
    returns="tuple",
    item_dtypes=(None, "int64"),
)
def sort(
    x: Tensor[S, DT, TT], axis: int = -1, descending: bool = False, **refused: Unpack[NoKeywords]
) -> tuple[Tensor[S, DT, TT], Tensor[S, i64, NoTape]]:
    """`(values, indices)`: `x` sorted along `axis`, and where each value came from.

    Stable in both directions (PyTorch's `sort(stable=True)`); the gradient of the values
    goes back to the positions they came from.

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S), (*S)`.

    Example:
        >>> import shapedl as sd
        >>> values, indices = sd.ops.sort(sd.tensor([3.0, 1.0, 2.0]))
        >>> values.tolist(), indices.tolist()
        ([1.0, 2.0, 3.0], [1, 2, 0])
    """
    if refused:
        raise refused_keywords("sort", refused)
    sort_rule("sort", x.shape, axis, descending)
    k = axis % x.ndim
    order = _order(x.xp, x.data, k, descending).astype("int64")
    index: Tensor[S, i64, NoTape] = Tensor(order, x.device)
    return _taken(x, x.data, index.data, k), index


@register(
    "topk",
    topk_rule,
    statics=("k", "axis", "largest"),
    methods=("topk",),
    returns="tuple",
    item_dtypes=(None, "int64"),
)
def topk(
    x: Tensor[Any, DT, TT],
    k: int,
    axis: int = -1,
    largest: bool = True,
    **refused: Unpack[NoKeywords],
) -> tuple[Tensor[Any, DT, TT], Tensor[Any, i64, NoTape]]:
    """`(values, indices)` of the `k` largest (or smallest) entries along `axis`, in order.

    As PyTorch's `topk(sorted=True)`, with ties in their original order: the result is
    `sort(x, descending=largest, stable=True)` cut to `k`. NOTE: PyTorch leaves the order of
    ties unspecified, and its CPU kernel gives whatever its selection leaves (`topk` of `k=1`
    in `[0, 0, 0, 0]` is index 2): the values agree, the indices of tied values may not.

    Raises:
        ShapeError: when `axis` is out of range, or `k` is negative or larger than the axis.

    Shape:
        `(N, C) -> (N, k), (N, k)` with `axis=-1`.

    Example:
        >>> import shapedl as sd
        >>> values, indices = sd.ops.topk(sd.tensor([1.0, 4.0, 2.0, 3.0]), 2)
        >>> values.tolist(), indices.tolist()
        ([4.0, 3.0], [1, 3])
    """
    if refused:
        raise refused_keywords("topk", refused)
    topk_rule("topk", x.shape, k, axis, largest)
    a = axis % x.ndim
    keep = (slice(None),) * a + (slice(0, k),)
    index = _order(x.xp, x.data, a, largest)[keep].astype("int64")
    return _taken(x, x.data, index, a), Tensor(index, x.device)
