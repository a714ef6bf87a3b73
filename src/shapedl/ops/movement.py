"""Movement ops: reshape (and PyTorch's `view`), flatten, permute, transpose (and PyTorch's
`swapaxes`/`swapdims`), movedim (and `moveaxis`), unsqueeze, squeeze, broadcast_to and
PyTorch's `expand`.

None of them computes anything: each rearranges the same values, and its gradient rearranges
the output's gradient back (broadcast_to's is summed back by the tape). Every rule works over
`dims`, so `reshape((B * T, C))` of a `(B, T, C)` tensor is exact for every `B`, `T`, `C`.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from shapedl import dims
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import NoKeywords, NotStatic, refused_keywords, shape_error, show_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = [
    "broadcast_to",
    "expand",
    "flatten",
    "movedim",
    "permute",
    "reshape",
    "squeeze",
    "transpose",
    "unsqueeze",
]

Axis = int | Sequence[int] | None


def _as_shape(shape: Sequence[Dim] | Dim) -> Shape:
    return tuple(shape) if isinstance(shape, Sequence) else (shape,)


def _one(op: str, args: tuple[int | Sequence[int], ...], what: str) -> Sequence[int] | int:
    """`x.reshape(2, -1)` and `x.reshape((2, -1))` alike: PyTorch's methods take both."""
    for a in args[0] if len(args) == 1 and isinstance(args[0], Sequence) else args:
        dims.check_int(op, what, a)
    if len(args) == 1:
        return args[0]
    if any(not isinstance(a, int) and hasattr(a, "__len__") for a in args):
        raise TypeError(f"{op}: give the sizes as ints or as one tuple, not {args}")
    return args  # type: ignore[return-value]


def _ints(shape: Sequence[int] | int) -> tuple[int, ...]:
    """A run-time shape argument as Python ints (NumPy integers are accepted)."""
    if isinstance(shape, int) or not hasattr(shape, "__len__"):
        return (operator.index(shape),)  # type: ignore[arg-type]
    return tuple(map(operator.index, shape))


def spread_ints(
    op: str, args: tuple[int | Sequence[int], ...], what: str = "a size"
) -> tuple[int, ...]:
    """The sizes of `x.reshape(2, -1)` and `x.reshape((2, -1))` alike (or the axes of
    `permute`, `what` they are), as Python ints."""
    return _ints(_one(op, args, what))


# ---- reshape ----------------------------------------------------------------------------
def _solve(op: str, x: Shape, want: Shape, free: int) -> Dim:
    """The size that `-1` at position `free` of `want` stands for."""
    total = dims.product(x)
    known = dims.product(d for i, d in enumerate(want) if i != free)
    if known == 0:
        raise shape_error(op, [x, want], "cannot infer -1 next to a size of 0")
    size = dims.floordiv(total, known)
    exact = dims.same(dims.mul(size, known), total)
    # NOTE: `16*B*T` over `3*B*T`: the symbols cancel, and 16/3 is whole for no B and T
    if exact is False or (exact is None and dims.never_divides(total, known)):
        raise shape_error(
            op, [x, want], f"{total} values do not divide into sizes of product {known}"
        )
    return size if exact else DYN


def reshape_rule(op: str, x: Shape, shape: Sequence[Dim] | Dim) -> Shape:
    """`shape`, with one `-1` solved; the number of values must not change."""
    want = _as_shape(shape)
    free = [i for i, d in enumerate(want) if isinstance(d, int) and d < 0]
    if free and (len(free) > 1 or want[free[0]] != -1):
        raise shape_error(op, [x, want], "sizes must be >= 0, with at most one -1")
    if free:
        return tuple(
            _solve(op, x, want, free[0]) if i == free[0] else d for i, d in enumerate(want)
        )
    if dims.same(dims.product(x), dims.product(want)) is False:
        raise shape_error(
            op,
            [x, want],
            f"{dims.product(x)} values cannot take the shape of {dims.product(want)}",
            "use -1 for the size to infer",
        )
    return want


@register("reshape", reshape_rule, statics=("shape",), methods=("reshape", "view"))
def reshape(x: Tensor[Any, DT, TT], *shape: int | Sequence[int]) -> Tensor[Any, DT, TT]:
    """The same values in `shape`; one size may be `-1`, inferred from the others.

    The sizes come as one tuple or as separate ints, as in PyTorch: `x.reshape((6, -1))`
    and `x.reshape(6, -1)` are the same call. `x.view(...)` is the same method under
    PyTorch's other name: every tensor here is contiguous, where PyTorch's `view` and `reshape`
    agree (the result shares no memory that a later in-place op could change: there are none).

    Raises:
        ShapeError: when the number of values differs, or `-1` cannot be solved.
        TypeError: when ints and a tuple are mixed.

    Shape:
        `(B, T, C) -> (B * T, C)` with `shape=(-1, C)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3, 4)).reshape((-1, 4)).shape
        (6, 4)
        >>> sd.ones((2, 3, 4)).reshape(4, -1).shape
        (4, 6)
    """
    want = reshape_rule("reshape", x.shape, spread_ints("reshape", shape))
    return record(x.data.reshape(want), (x,), lambda g: (g.reshape(x.shape),))


# ---- flatten ----------------------------------------------------------------------------
def flatten_rule(op: str, x: Shape, start_axis: int = 0, end_axis: int = -1) -> Shape:
    """Axes `start_axis..end_axis` (inclusive) merged into one of their product."""
    if not x:
        return (1,)
    start = dims.normalize_axis(op, start_axis, x, "start_axis")
    end = dims.normalize_axis(op, end_axis, x, "end_axis")
    if start > end:
        raise shape_error(op, [x], f"start_axis {start_axis} comes after end_axis {end_axis}")
    return x[:start] + (dims.product(x[start : end + 1]),) + x[end + 1 :]


@register("flatten", flatten_rule, statics=("start_axis", "end_axis"), methods=("flatten",))
def flatten(
    x: Tensor[Any, DT, TT], start_axis: int = 0, end_axis: int = -1, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Axes `start_axis` to `end_axis` (inclusive, as in PyTorch) merged into one.

    Shape:
        `(N, C, H, W) -> (N, C * H * W)` with `start_axis=1`.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3, 4)).flatten(1).shape
        (2, 12)
    """
    if refused:
        raise refused_keywords("flatten", refused)
    want = flatten_rule("flatten", x.shape, start_axis, end_axis)
    return record(x.data.reshape(want), (x,), lambda g: (g.reshape(x.shape),))


def _by_position(given: Mapping[str, object]) -> str:
    """How PyTorch's `transpose(dim0=0, dim1=2)` is usually written: the axes by position."""
    return f"; or by position: .transpose({given.get('dim0', -2)}, {given.get('dim1', -1)})"


# ---- permute / transpose ----------------------------------------------------------------
def _axes_of(op: str, x: Shape, axes: Sequence[int]) -> tuple[int, ...]:
    order = tuple(axes)
    if len(order) != len(x):
        raise shape_error(op, [x], f"axes {order} has {len(order)} axes for rank {len(x)}")
    norm = tuple(dims.normalize_axis(op, a, x) for a in order)
    if sorted(norm) != list(range(len(x))):
        raise shape_error(op, [x], f"axes {order} is not a permutation of the axes")
    return norm


def permute_rule(op: str, x: Shape, axes: Sequence[int] | int) -> Shape:
    """The axes of `x` in the order `axes` (a permutation; negative axes count from the end)."""
    return tuple(x[a] for a in _axes_of(op, x, (axes,) if isinstance(axes, int) else axes))


def transpose_rule(op: str, x: Shape, axis0: int = -2, axis1: int = -1) -> Shape:
    """`x` with axes `axis0` and `axis1` swapped."""
    a, b = dims.normalize_axis(op, axis0, x, "axis0"), dims.normalize_axis(op, axis1, x, "axis1")
    out = list(x)
    out[a], out[b] = x[b], x[a]
    return tuple(out)


def _permuted(x: Tensor[Any, Any, Any], order: tuple[int, ...]) -> Tensor[Any, Any, Any]:
    inverse = [0] * len(order)  # NOTE: on the host: an argsort on the device would sync
    for i, a in enumerate(order):
        inverse[a] = i
    back = tuple(inverse)
    return record(x.data.transpose(order), (x,), lambda g: (g.transpose(back),))


@register("permute", permute_rule, statics=("axes",), methods=("permute",))
def permute(x: Tensor[Any, DT, TT], *axes: int | Sequence[int]) -> Tensor[Any, DT, TT]:
    """The axes reordered: axis `i` of the result is axis `axes[i]` of `x`.

    The axes come as one tuple or as separate ints, as in PyTorch: `x.permute((2, 0, 1))`
    and `x.permute(2, 0, 1)` are the same call.

    Raises:
        ShapeError: when `axes` is not a permutation of `x`'s axes.
        TypeError: when ints and a tuple are mixed.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3, 4)).permute((2, 0, 1)).shape
        (4, 2, 3)
        >>> sd.ones((2, 3, 4)).permute(2, 0, 1).shape
        (4, 2, 3)
    """
    return _permuted(x, _axes_of("permute", x.shape, spread_ints("permute", axes, "an axis")))


@register(
    "transpose",
    transpose_rule,
    statics=("axis0", "axis1"),
    methods=("transpose", "swapaxes", "swapdims"),
)
def transpose(
    x: Tensor[Any, DT, TT], axis0: int = -2, axis1: int = -1, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """`x` with two axes swapped (the last two by default).

    `swapaxes` and `swapdims` (`sd.ops.swapaxes`, `x.swapdims(0, 1)`) are PyTorch's and
    NumPy's other names for it.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3, 4)).transpose().shape
        (2, 4, 3)
    """
    if refused:
        raise refused_keywords("transpose", refused, _by_position(refused))
    transpose_rule("transpose", x.shape, axis0, axis1)
    order = list(range(x.ndim))
    a, b = axis0 % x.ndim, axis1 % x.ndim
    order[a], order[b] = b, a
    return _permuted(x, tuple(order))


# ---- movedim -----------------------------------------------------------------------------
def _moved_order(
    op: str, x: Shape, source: int | Sequence[int], destination: int | Sequence[int]
) -> tuple[int, ...]:
    """The permutation that puts axes `source` at positions `destination`, the other axes
    keeping their order (NumPy's `moveaxis`, PyTorch's `movedim`)."""
    dims.need_static(op, "source", source)
    dims.need_static(op, "destination", destination)
    src = (source,) if dims.is_axis(source) else tuple(source)  # type: ignore[arg-type]
    dst = (destination,) if dims.is_axis(destination) else tuple(destination)  # type: ignore[arg-type]
    if len(src) != len(dst):
        raise shape_error(
            op, [x], f"source {src} and destination {dst} name {len(src)} and {len(dst)} axes"
        )
    a = [dims.normalize_axis(op, i, x, "source") for i in src]
    b = [dims.normalize_axis(op, i, x, "destination") for i in dst]
    for name, axes, given in (("source", a, src), ("destination", b, dst)):
        if len(set(axes)) != len(axes):
            raise shape_error(op, [x], f"{name} {given} repeats an axis")
    rest = iter(i for i in range(len(x)) if i not in a)
    placed = dict(zip(b, a, strict=True))
    return tuple(placed[i] if i in placed else next(rest) for i in range(len(x)))


def movedim_rule(
    op: str, x: Shape, source: int | Sequence[int], destination: int | Sequence[int]
) -> Shape:
    """Axes `source` moved to positions `destination`; the others keep their order."""
    return tuple(x[a] for a in _moved_order(op, x, source, destination))


@register(
    "movedim",
    movedim_rule,
    statics=("source", "destination"),
    methods=("movedim", "moveaxis"),
)
def movedim(
    x: Tensor[Any, DT, TT], source: int | Sequence[int], destination: int | Sequence[int]
) -> Tensor[Any, DT, TT]:
    """`x` with axes `source` moved to positions `destination` (an int each, or tuples of one
    length); the other axes keep their order. `moveaxis` is the same op (NumPy's name).

    Raises:
        ShapeError: when an axis is out of range, repeated, or the tuples differ in length.

    Shape:
        `(B, C, H, W) -> (B, H, W, C)` with `source=1, destination=-1`.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3, 4)).movedim(0, -1).shape
        (3, 4, 2)
        >>> sd.ops.moveaxis(sd.ones((2, 3, 4)), (0, 1), (2, 0)).shape
        (3, 4, 2)
    """
    return _permuted(x, _moved_order("movedim", x.shape, source, destination))


# ---- unsqueeze / squeeze ----------------------------------------------------------------
def unsqueeze_rule(op: str, x: Shape, axis: int) -> Shape:
    """`x` with a new axis of size 1 at `axis` of the result (`-1` appends)."""
    dims.need_static(op, "axis", axis)
    n = len(x) + 1
    if not -n <= axis < n:
        raise shape_error(op, [x], f"axis {axis} is out of range for a result of rank {n}")
    a = axis % n
    return x[:a] + (1,) + x[a:]


def squeeze_rule(op: str, x: Shape, axis: Axis = None) -> Shape:
    """`x` without the size-1 axes named by `axis` (all of them for None).

    A `Dyn` axis named explicitly is dropped (the runtime checks it is 1). With `axis=None` a
    size that is not a number (a batch `B`, `Dyn`) may be 1 at run time, dropped there too: the
    plugin gives an unknown shape (a value head's `v.squeeze()` on `(B, 1)` is 0-d for a last
    batch of one), and `squeeze(-1)` names the axis.
    """
    if axis is None:
        if not all(isinstance(d, int) for d in x):
            raise NotStatic(f"{op}: which axes of {show_shape(x)} are 1 is known at run time")
        return tuple(d for d in x if d != 1)
    axes = dims.normalize_axes(op, axis, x)
    for a in axes:
        if dims.same(x[a], 1) is False:
            raise shape_error(
                op, [x], f"axis {a} has size {x[a]}, not 1", "squeeze only axes of size 1"
            )
    return tuple(d for i, d in enumerate(x) if i not in axes)


@register("unsqueeze", unsqueeze_rule, statics=("axis",), methods=("unsqueeze",))
def unsqueeze(
    x: Tensor[Any, DT, TT], axis: int, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """`x` with a new axis of size 1 at position `axis` of the result (`-1` appends).

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 3)).unsqueeze(-1).shape
        (2, 3, 1)
    """
    if refused:
        raise refused_keywords("unsqueeze", refused)
    if axis is None:
        raise TypeError("unsqueeze() missing 1 required positional argument: 'axis'")
    want = unsqueeze_rule("unsqueeze", x.shape, axis)
    return record(x.data.reshape(want), (x,), lambda g: (g.reshape(x.shape),))


# NOTE: `axis` is required to a type checker, but has a default at run time, so that PyTorch's
# `x.unsqueeze(dim=1)` reaches the check of `refused` instead of Python's missing argument
unsqueeze.__defaults__ = (None,)


@register("squeeze", squeeze_rule, statics=("axis",), methods=("squeeze",))
def squeeze(
    x: Tensor[Any, DT, TT], axis: Axis = None, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """`x` without its size-1 axes: those in `axis` (an int or a tuple), or all for None.

    Raises:
        ShapeError: when an axis named in `axis` does not have size 1 (NumPy's rule).

    Example:
        >>> import shapedl as sd
        >>> sd.ones((2, 1, 3)).squeeze(1).shape
        (2, 3)
    """
    if refused:
        raise refused_keywords("squeeze", refused)
    want = squeeze_rule("squeeze", x.shape, axis)
    return record(x.data.reshape(want), (x,), lambda g: (g.reshape(x.shape),))


# ---- broadcast_to -----------------------------------------------------------------------
def broadcast_to_rule(op: str, x: Shape, shape: Sequence[Dim] | Dim) -> Shape:
    """`shape`, which `x` must broadcast to (NumPy's rule, counted from the last axis)."""
    want = _as_shape(shape)
    if len(x) > len(want):
        raise shape_error(op, [x, want], f"rank {len(x)} cannot broadcast to rank {len(want)}")
    for i, w in enumerate(want):
        if isinstance(w, int) and w < 0:
            hint = "x.expand(...) keeps a size given as -1, as PyTorch's broadcast_to does"
            raise shape_error(op, [x, want], f"size {w} at axis {i} is negative", hint)
    return _stretch(op, x, want, want)


def _stretch(op: str, x: Shape, want: Shape, asked: Shape) -> Shape:
    """`want` (of rank at least `x`'s), which `x` must broadcast to; errors show `asked`."""
    out = list(want)
    for i in range(1, len(x) + 1):
        d, w = x[-i], want[-i]
        if d == 1:
            continue
        both = dims.unify(d, w)
        if both is None:
            raise shape_error(
                op, [x, asked], f"cannot broadcast {d} to {w} at axis {-i}", "only size 1 stretches"
            )
        out[-i] = both
    return tuple(out)


@register("broadcast_to", broadcast_to_rule, statics=("shape",), methods=("broadcast_to",))
def broadcast_to(x: Tensor[Any, DT, TT], shape: Sequence[int] | int) -> Tensor[Any, DT, TT]:
    """`x` repeated along its size-1 (and new leading) axes to `shape`, as in NumPy.

    The result is a read-only view; its gradient is summed back to `x`'s shape.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((3, 1)).broadcast_to((2, 3, 4)).shape
        (2, 3, 4)
    """
    want = broadcast_to_rule("broadcast_to", x.shape, _ints(shape))
    return record(x.xp.broadcast_to(x.data, want), (x,), lambda g: (g,))


# ---- expand -----------------------------------------------------------------------------
def expand_rule(op: str, x: Shape, shape: Sequence[Dim] | Dim) -> Shape:
    """PyTorch's expand: `broadcast_to`'s rule, where `-1` keeps the size of that axis of `x`."""
    want = _as_shape(shape)
    lead = len(want) - len(x)
    if lead < 0:
        raise shape_error(op, [x, want], f"rank {len(x)} cannot expand to rank {len(want)}")
    sizes = list(want)
    for i, w in enumerate(want):
        if not isinstance(w, int) or w >= 0:
            continue
        if w != -1:
            raise shape_error(op, [x, want], f"size {w} at axis {i}: sizes must be >= 0, or -1")
        if i < lead:
            raise shape_error(
                op, [x, want], f"-1 at new leading axis {i}", "-1 keeps a size of x: give one"
            )
        sizes[i] = x[i - lead]
    return _stretch(op, x, tuple(sizes), want)


@register("expand", expand_rule, statics=("shape",), methods=("expand",))
def expand(x: Tensor[Any, DT, TT], *shape: int | Sequence[int]) -> Tensor[Any, DT, TT]:
    """`x` repeated along its size-1 (and new leading) axes, as PyTorch's `expand`: the sizes
    of `broadcast_to`, where `-1` keeps that axis's size.

    The sizes come as one tuple or as separate ints, as `reshape`'s. The result is a read-only
    view; its gradient is summed back to `x`'s shape.

    Raises:
        ShapeError: when `x` does not broadcast to the sizes, or `-1` names a new axis.

    Shape:
        `(C, 1) -> (B, C, W)` with `shape=(B, -1, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ones((3, 1)).expand(2, -1, 4).shape
        (2, 3, 4)
    """
    want = expand_rule("expand", x.shape, spread_ints("expand", shape))
    return record(x.xp.broadcast_to(x.data, want), (x,), lambda g: (g,))
