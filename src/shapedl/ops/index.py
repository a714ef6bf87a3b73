"""Indexing: `x[...]` (NumPy's basic and advanced indexing), `gather` and `select` (PyTorch).

The rule of `x[index]` sees the index as a tuple of ints, slices, `None`, `Ellipsis` and
`IndexArray`s (the shape of an integer index tensor or boolean mask). A slice of a symbolic
or `Dyn` axis has an exact size where one exists for every size of the axis (`x[:]`,
`x[::2]`), else `Dyn`; a slice up to a symbolic size (`mask[:t]`, `t: Size[T]`) is `T` long,
taken to fit inside the axis (past its end NumPy gives the axis's length, as here at run
time). Gradients scatter back with `xp.add.at`, which adds up repeated indices.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from shapedl import dims
from shapedl.backend import Array, Backend
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT

__all__ = ["IndexArray", "gather", "getitem", "out_of_range", "select"]


@dataclass(frozen=True)
class IndexArray:
    """An integer index tensor (or boolean mask) inside an index, as the rule sees it."""

    shape: Shape
    boolean: bool = False


Item = int | slice | None | EllipsisType | IndexArray


# ---- the rule of x[index] ---------------------------------------------------------------
def _slice_size(op: str, x: Shape, axis: int, s: slice) -> Dim:
    """The length of `s` over axis `axis`: exact for an int size, else where it is certain."""
    d, start, stop, step = x[axis], s.start, s.stop, 1 if s.step is None else s.step
    if step == 0:
        raise shape_error(op, [x], f"slice step of axis {axis} is zero")
    if all(isinstance(v, int) for v in (d, step)) and all(
        v is None or isinstance(v, int) for v in (start, stop)
    ):
        return len(range(*s.indices(d)))  # type: ignore[arg-type]
    if not isinstance(step, int):
        return DYN
    everything = start in (None, 0 if step > 0 else None) and stop is None
    if everything or (start in (None, 0) and step == 1 and dims.same(stop, d)):
        return dims.floordiv(dims.add(d, abs(step) - 1), abs(step))
    if start in (None, 0) and stop == 0 and step > 0:
        return 0
    if start in (None, 0) and step == 1 and isinstance(stop, dims.Expr):
        over = dims.sub(stop, d)
        if isinstance(over, int) and over >= 0:
            return d  # NOTE: `x[:, : t + 1]` on a `T` axis ends past it for every `T`: all of it
        return stop  # NOTE: `mask[:t]` by a size is taken to fit, as Pyrefly takes it
    if step == 1 and isinstance(stop, int) and stop < 0 and start in (None, 0):
        kept = dims.add(d, stop)  # NOTE: a TCN's chomp `y[:, :, :-4]` of an `L + 4` axis is `L`
        return kept if dims.never_negative(kept) else DYN
    if step == 1 and stop is None and isinstance(start, int):
        kept = dims.sub(d, start) if start >= 0 else -start
        return kept if dims.never_negative(dims.add(d, -abs(start))) else DYN
    return DYN


def _taken(item: Item) -> int:
    """How many axes of `x` the item indexes (`...` counted as none)."""
    if item is None or item is Ellipsis:
        return 0
    return len(item.shape) if isinstance(item, IndexArray) and item.boolean else 1


def _expand(op: str, x: Shape, index: tuple[Item, ...]) -> list[Item]:
    """`index` with its `...` (or the missing trailing axes) spelled out as full slices."""
    used = sum(_taken(i) for i in index)
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise shape_error(op, [x], "an index can have only one ellipsis '...'")
    if used > len(x):
        raise shape_error(op, [x], f"too many indices: {used} for rank {len(x)}")
    fill: list[Item] = [slice(None)] * (len(x) - used)
    if Ellipsis not in index:
        return [*index, *fill]
    at = index.index(Ellipsis)
    return [*index[:at], *fill, *index[at + 1 :]]


def _check_int(op: str, x: Shape, axis: int, i: object) -> None:
    d = x[axis]
    if isinstance(d, int) and isinstance(i, int) and not -d <= i < d:
        raise shape_error(op, [x], f"index {i} is out of range for axis {axis} of size {d}")


def _advanced(op: str, x: Shape, item: Item, axis: int) -> tuple[Shape, int]:
    """The broadcast shape an advanced item contributes, and how many axes it takes."""
    # NOTE: an int, or one the plugin knows only as a size (`x[i]` with `i: int`)
    if dims.is_dim(item):
        _check_int(op, x, axis, item)
        return (), 1
    assert isinstance(item, IndexArray)
    if not item.boolean:
        return item.shape, 1
    taken = x[axis : axis + len(item.shape)]
    for k, (m, d) in enumerate(zip(item.shape, taken, strict=True)):
        if dims.same(m, d) is False:
            raise shape_error(
                op, [x, item.shape], f"boolean mask has size {m} at axis {axis + k}, not {d}"
            )
    return (DYN,), len(item.shape)


def getitem_rule(op: str, x: Shape, index: Item | tuple[Item, ...]) -> Shape:
    """The shape of `x[index]` under NumPy's rules, advanced indexing included.

    Advanced items (index arrays, and ints once there is one) broadcast together; their
    shape goes where they stand if they are adjacent, else in front (NumPy's rule).
    """
    items = _expand(op, x, index if isinstance(index, tuple) else (index,))
    fancy = any(isinstance(i, IndexArray) for i in items)
    basic: list[Dim] = []
    shapes: list[Shape] = []
    places: list[int] = []  # positions in `items` of the advanced ones
    at = 0  # where the advanced dims go among the basic ones
    axis = 0
    for pos, item in enumerate(items):
        if item is None:
            basic.append(1)
        elif isinstance(item, slice):
            basic.append(_slice_size(op, x, axis, item))
            axis += 1
        elif dims.is_dim(item) and not fancy:
            _check_int(op, x, axis, item)
            axis += 1
        else:
            at = len(basic) if not places else at
            shape, taken = _advanced(op, x, item, axis)
            shapes.append(shape)
            places.append(pos)
            axis += taken
    if not places:
        return tuple(basic)
    joined = dims.broadcast(op, *shapes)
    adjacent = places == list(range(places[0], places[0] + len(places)))
    return tuple(basic[:at]) + joined + tuple(basic[at:]) if adjacent else joined + tuple(basic)


# ---- bounds, checked on every backend ----------------------------------------------------
def out_of_range(backend: Backend, index: Array, low: int, high: int) -> tuple[int, int] | None:
    """`None` where every value of `index` lies in `[low, high)`, else its least and greatest.

    The op raises its own error from these, before it indexes: CuPy's indexing wraps an index
    out of range around where NumPy's raises, and the GPU must raise what the CPU raises.
    """
    if backend.in_bounds(index, low, high):
        return None
    return int(index.min()), int(index.max())


def _check_axis(
    op: str,
    shapes: list[Shape],
    backend: Backend,
    index: Array,
    axis: int,
    d: int,
    negative: bool = True,
) -> None:
    """A `ShapeError` (with NumPy's words) when `index` is out of `[-d, d)` on `axis`, or of
    `[0, d)` where a `negative` index is refused (as PyTorch's gather and index_select do)."""
    low = -d if negative else 0
    found = out_of_range(backend, index, low, d)
    if found is not None:
        bad = found[0] if found[0] < low else found[1]
        raise shape_error(op, shapes, f"index {bad} is out of bounds for axis {axis} with size {d}")


def _check_arrays(x: Tensor[Any, Any, Any], pairs: list[tuple[Item, Any]]) -> None:
    """Bounds of each integer index array of `x[index]`, along the axis it indexes."""
    fill = x.ndim - sum(_taken(item) for item, _ in pairs)  # the axes `...` stands for
    axis = 0
    for item, data in pairs:
        if isinstance(item, IndexArray) and not item.boolean:
            _check_axis("getitem", [x.shape], x.device.backend, data, axis, x.shape[axis])
        axis += fill if item is Ellipsis else _taken(item)


# ---- x[index] at run time ---------------------------------------------------------------
def _item(x: Tensor[Any, Any, Any], item: Any) -> tuple[Item, Any]:
    """What the rule sees of one index item, and what the array module gets."""
    if isinstance(item, slice):
        if not all(
            v is None or hasattr(v, "__index__") for v in (item.start, item.stop, item.step)
        ):
            raise TypeError(f"getitem: the bounds of slice {item} must be ints or None")
        return item, item
    if item is None or item is Ellipsis:
        return item, item
    if isinstance(item, bool):
        raise TypeError("getitem: a bare True/False index is not supported")
    if isinstance(item, Tensor):
        check_devices("getitem", x, item)
        data = item.data
    elif isinstance(item, range):
        data = x.xp.arange(item.start, item.stop, item.step)  # NOTE: the list it stands for
    elif isinstance(item, list | tuple) or getattr(item, "ndim", 0) > 0:
        data = x.xp.asarray(item)  # NOTE: lists and arrays of ints or bools, as NumPy takes
    else:
        try:
            i = operator.index(item)
        except TypeError:
            raise TypeError(
                f"getitem: index {item!r} of type {type(item).__name__} is not an int, a slice, "
                "None, ..., or an integer or boolean tensor"
            ) from None
        return i, i
    if data.dtype.kind not in "iub":
        raise TypeError(f"getitem: index arrays must be integer or boolean, not {data.dtype}")
    return IndexArray(tuple(data.shape), data.dtype.kind == "b"), data


@register("getitem", getitem_rule, statics=("index",), methods=("__getitem__",))
def getitem(x: Tensor[Any, DT, TT], index: Any) -> Tensor[Any, DT, TT]:
    """`x[index]` with NumPy's meaning: ints, slices, `None`, `...`, index tensors (or lists,
    ranges), masks; a traced index tensor traces the result, as `embedding`'s index does.

    Raises:
        ShapeError: for an int index out of range, or a value of an index tensor out of
            range (naming the axis and its size, on every device), too many indices, or a
            mask whose shape does not match.

    Example:
        >>> import shapedl as sd
        >>> x = sd.ones((4, 5, 6))
        >>> x[1:, None, ..., ::2].shape
        (3, 1, 5, 3)
        >>> x[sd.tensor([0, 0, 3]), -1].shape
        (3, 6)
    """
    items = index if isinstance(index, tuple) else (index,)
    pairs = [_item(x, i) for i in items]
    getitem_rule("getitem", x.shape, tuple(p[0] for p in pairs))
    # NOTE: index tensors are operands as embedding's index is: a traced one traces the result
    tensors = tuple(i for i in items if isinstance(i, Tensor))
    _check_arrays(x, pairs)
    key = tuple(p[1] for p in pairs)
    fancy = any(isinstance(p[0], IndexArray) for p in pairs)
    try:
        out = x.data[key]
    except IndexError as err:
        raise shape_error("getitem", [x.shape], str(err)) from None
    xp = x.xp

    def vjp(g: Array) -> tuple[Array | None, ...]:
        grad = xp.zeros(x.shape, dtype=g.dtype)
        if fancy:  # NOTE: add.at, since an index array may repeat an index
            xp.add.at(grad, key, g)
        else:
            grad[key] = g
        return (grad, *(None for _ in tensors))

    return record(out, (x, *tensors), vjp)


# ---- gather / select --------------------------------------------------------------------
def _index_dtype(op: str, index: Tensor[Any, Any, Any]) -> None:
    if index.data.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must be an integer tensor, not {index.data.dtype}")


def gather_rule(op: str, x: Shape, index: Shape, axis: int = -1) -> Shape:
    """`index`'s shape; `index` has `x`'s rank and is no larger off `axis` (torch.gather)."""
    if len(index) != len(x):
        raise shape_error(op, [x, index], f"index has rank {len(index)}, x has rank {len(x)}")
    a = dims.normalize_axis(op, axis, x)
    for k, (n, d) in enumerate(zip(index, x, strict=True)):
        if k != a and isinstance(n, int) and isinstance(d, int) and n > d:
            raise shape_error(op, [x, index], f"index has size {n} at axis {k}, x only {d}")
    return index


def select_rule(op: str, x: Shape, index: Shape, axis: int = 0) -> Shape:
    """`x` with axis `axis` replaced by the length of the 1-d `index` (torch.index_select)."""
    if len(index) > 1:
        raise shape_error(op, [x, index], f"index must be 1-d, not rank {len(index)}")
    a = dims.normalize_axis(op, axis, x)
    return x[:a] + (index[0] if index else 1,) + x[a + 1 :]


def _scatter_back(
    op: str, x: Tensor[Any, Any, Any], index: Tensor[Any, Any, Any], key: tuple[Any, ...]
) -> Tensor[Any, Any, Any]:
    """`x.data[key]` (its bounds checked by the caller), recorded with the scatter-add gradient."""
    out = x.data[key]
    xp = x.xp

    def vjp(g: Array) -> tuple[Array, None]:
        grad = xp.zeros(x.shape, dtype=g.dtype)
        xp.add.at(grad, key, g)
        return grad, None

    return record(out, (x, index), vjp)


@register("gather", gather_rule, tensors=("x", "index"), statics=("axis",), methods=("gather",))
def gather(
    x: Tensor[Any, DT, TT], index: Tensor[Any, Any, Any], axis: int = -1
) -> Tensor[Any, DT, TT]:
    """Values of `x` picked along `axis` by `index`, as `torch.gather`.

    `out[i][j][k] = x[i][index[i][j][k]][k]` for `axis=1`; the result has `index`'s shape.

    The axis comes last, as in NumPy's `take_along_axis`: PyTorch's `torch.gather(x, dim,
    index)` is `gather(x, index, axis=dim)`.

    Raises:
        ShapeError: when the ranks differ, `index` is larger than `x` off `axis`, or a
            value of `index` is out of `[0, size)` for `axis` (on every device; negative
            values too, as PyTorch's).
        TypeError: when `index` is not a tensor (PyTorch's argument order).

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.gather(sd.tensor([[1], [0]]), axis=1).tolist()
        [[2.0], [3.0]]
    """
    if not isinstance(index, Tensor):
        raise TypeError(
            f"gather: index must be a tensor, not {type(index).__name__}; the axis comes last: "
            "PyTorch's gather(x, dim, index) is gather(x, index, axis=dim)"
        )
    gather_rule("gather", x.shape, index.shape, axis)
    _index_dtype("gather", index)
    check_devices("gather", x, index)
    a, xp = axis % x.ndim, x.xp
    shapes: list[Shape] = [x.shape, index.shape]
    _check_axis("gather", shapes, x.device.backend, index.data, a, x.shape[a], negative=False)
    key = tuple(
        index.data if k == a else xp.arange(n).reshape((-1,) + (1,) * (index.ndim - k - 1))
        for k, n in enumerate(index.shape)
    )
    return _scatter_back("gather", x, index, key)


@register("select", select_rule, tensors=("x", "index"), statics=("axis",), methods=("select",))
def select(
    x: Tensor[Any, DT, TT], index: Tensor[Any, Any, Any], axis: int = 0
) -> Tensor[Any, DT, TT]:
    """The slices of `x` along `axis` at the positions in the 1-d `index` (torch.index_select).

    Raises:
        ShapeError: when `index` is not 1-d, or a value of it is out of `[0, size)` for `axis`
            (on every device; negative values too, as PyTorch's).
        TypeError: when `index` is not a tensor (PyTorch's `x.select(dim, i)`, one slice).

    Example:
        >>> import shapedl as sd
        >>> sd.ones((4, 3)).select(sd.tensor([0, 0, 2]), axis=0).shape
        (3, 3)
    """
    if not isinstance(index, Tensor):
        raise TypeError(
            f"select: index must be a tensor, not {type(index).__name__}; this is PyTorch's "
            "index_select(x, dim, index) as select(x, index, axis=dim). PyTorch's x.select(dim, i) "
            "(one slice) is x[:, i] (i at axis dim)"
        )
    select_rule("select", x.shape, index.shape, axis)
    _index_dtype("select", index)
    check_devices("select", x, index)
    a = axis % x.ndim
    positions = index.data.reshape((-1,))
    shapes: list[Shape] = [x.shape, index.shape]
    _check_axis("select", shapes, x.device.backend, positions, a, x.shape[a], negative=False)
    return _scatter_back("select", x, index, (slice(None),) * a + (positions,))
