"""Joining and splitting along an axis: concat, stack, split (NumPy), and PyTorch's chunk,
unbind and narrow.

Concat sums the joined axis (`dims.add`), so `(B, T)` and `(B, 1)` join to `(B, T + 1)` for
every `B`, `T`. Split and chunk return tuples of tensors; their rules return tuples of
shapes. The gradient of a join splits the output's gradient back; that of a split joins the
pieces' gradients (zeros where a piece took no part).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack, cast

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import NoKeywords, NotStatic, refused_keywords, shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT

__all__ = ["chunk", "concat", "narrow", "split", "stack", "unbind"]

Sections = int | Sequence[int]


def _agree(op: str, xs: Sequence[Shape], skip: int | None) -> list[Dim]:
    """The dims every shape shares (unified), except axis `skip`; errors name tensor and axis."""
    if not xs:
        raise shape_error(op, [], "needs at least one tensor")
    first = xs[0]
    out = list(first)
    for i, s in enumerate(xs[1:], start=1):
        if len(s) != len(first):
            raise shape_error(
                op, [first, s], f"tensor {i} has rank {len(s)}, tensor 0 has rank {len(first)}"
            )
        for a, d in enumerate(s):
            both = out[a] if a == skip else dims.unify(out[a], d)
            if both is None:
                raise shape_error(
                    op,
                    [first, s],
                    f"tensor {i} has size {d} at axis {a}, the earlier tensors {out[a]}",
                    f"only axis {skip} may differ" if skip is not None else None,
                )
            out[a] = both
    return out


def concat_rule(op: str, xs: Sequence[Shape], axis: int = 0) -> Shape:
    """The shapes joined along `axis` (which sums); every other axis must agree."""
    if xs and not xs[0]:
        raise shape_error(op, [xs[0]], "cannot join 0-d tensors", "use stack")
    a = dims.normalize_axis(op, axis, xs[0]) if xs else 0
    out = _agree(op, xs, a)
    out[a] = 0
    for s in xs:
        out[a] = dims.add(out[a], s[a])
    return tuple(out)


def stack_rule(op: str, xs: Sequence[Shape], axis: int = 0) -> Shape:
    """Equal shapes stacked along a new axis `axis` of size `len(xs)`."""
    out = _agree(op, xs, None)
    a = dims.normalize_axis(op, axis, tuple(out) + (1,))
    return tuple(out[:a]) + (len(xs),) + tuple(out[a:])


@register("concat", concat_rule, tensors=(), tensor_lists=("xs",), statics=("axis",))
def concat(
    xs: Sequence[Tensor[Any, DT, TT]], axis: int = 0, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """The tensors joined along an existing axis.

    Raises:
        ShapeError: when two tensors differ at another axis (the message names the tensor's
            index and the axis).

    Shape:
        `(N1, C), (N2, C) -> (N1 + N2, C)` with `axis=0`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.concat([sd.ones((2, 3)), sd.zeros((1, 3))]).shape
        (3, 3)
    """
    if refused:
        raise refused_keywords("concat", refused)
    concat_rule("concat", [x.shape for x in xs], axis)
    check_devices("concat", *xs)
    same_dtype("concat", *xs)
    a = axis % xs[0].ndim
    cuts = [(slice(None),) * a + (run,) for run in _runs([x.shape[a] for x in xs])]
    out = xs[0].xp.concatenate([x.data for x in xs], axis=a)
    return record(out, tuple(xs), lambda g: [g[cut] for cut in cuts])


def _bounds(sizes: Sequence[int]) -> list[int]:
    """Where each piece but the first starts."""
    return [sum(sizes[:i]) for i in range(1, len(sizes))]


def _sizes(shapes: Sequence[Shape], a: int) -> list[int]:
    """Axis `a` of each shape a rule computed from run-time sizes (so they are ints)."""
    return [cast(int, s[a]) for s in shapes]


def _runs(sizes: Sequence[int]) -> list[slice]:
    """Consecutive slices of the given sizes."""
    starts = [0, *_bounds(sizes)]
    return [slice(i, i + n) for i, n in zip(starts, sizes, strict=True)]


@register("stack", stack_rule, tensors=(), tensor_lists=("xs",), statics=("axis",))
def stack(
    xs: Sequence[Tensor[Any, DT, TT]], axis: int = 0, **refused: Unpack[NoKeywords]
) -> Tensor[Any, DT, TT]:
    """Tensors of one shape stacked along a new axis at position `axis` of the result.

    Raises:
        ShapeError: when two tensors differ in shape (the message names the tensor and axis).

    Example:
        >>> import shapedl as sd
        >>> sd.ops.stack([sd.ones((2, 3)), sd.zeros((2, 3))], axis=1).shape
        (2, 2, 3)
    """
    if refused:
        raise refused_keywords("stack", refused)
    want = stack_rule("stack", [x.shape for x in xs], axis)
    check_devices("stack", *xs)
    same_dtype("stack", *xs)
    a = axis % len(want)
    out = xs[0].xp.stack([x.data for x in xs], axis=a)
    return record(out, tuple(xs), lambda g: [g.take(i, axis=a) for i in range(len(xs))])


# ---- split / chunk ----------------------------------------------------------------------
def _piece(d: Dim, start: int, stop: int | None) -> Dim:
    """The size of `[start:stop]` of an axis of size `d` (NumPy slicing; exact or DYN)."""
    if isinstance(d, int) and isinstance(start, int) and (stop is None or isinstance(stop, int)):
        return len(range(*slice(start, stop).indices(d)))
    if start == 0 and stop is None:
        return d
    if start == 0 and stop == 0:
        return 0
    return DYN


def _equal_parts(op: str, x: Shape, a: int, n: int) -> Dim:
    """The size of each of `n` equal parts of axis `a`; an error where they cannot be equal."""
    if n <= 0:
        raise shape_error(op, [x], f"cannot split axis {a} into {n} sections")
    size = dims.floordiv(x[a], n)
    if dims.same(dims.mul(size, n), x[a]) is False:
        raise shape_error(
            op,
            [x],
            f"axis {a} of size {x[a]} does not split into {n} equal sections",
            "pass split indices, or use chunk for a smaller last piece",
        )
    return size


def split_rule(op: str, x: Shape, sections: Sections, axis: int = 0) -> tuple[Shape, ...]:
    """NumPy's split: `n` equal sections, or the pieces between the given indices."""
    dims.need_static(op, "sections", sections)
    a = dims.normalize_axis(op, axis, x)
    if isinstance(sections, int):
        sizes: list[Dim] = [_equal_parts(op, x, a, sections)] * sections
    else:
        starts = [0, *sections]
        stops: list[int | None] = [*sections, None]
        sizes = [_piece(x[a], i, j) for i, j in zip(starts, stops, strict=True)]
    return tuple(x[:a] + (d,) + x[a + 1 :] for d in sizes)


def chunk_rule(op: str, x: Shape, chunks: int, axis: int = 0) -> tuple[Shape, ...]:
    """PyTorch's chunk: pieces of `ceil(size / chunks)`, the last one smaller.

    A symbolic size that `chunks` does not provably divide gives `chunks` pieces of
    `size // chunks` (the runtime has the exact sizes).
    """
    dims.need_static(op, "chunks", chunks)
    a = dims.normalize_axis(op, axis, x)
    if chunks <= 0:
        raise shape_error(op, [x], f"chunks must be >= 1, got {chunks}")
    d = x[a]
    if isinstance(d, int):
        step = -(-d // chunks)
        sizes: list[Dim] = [min(step, d - i) for i in range(0, d, step)] if d else [0] * chunks
    else:
        sizes = [dims.floordiv(d, chunks)] * chunks
    return tuple(x[:a] + (s,) + x[a + 1 :] for s in sizes)


def _pieces(
    x: Tensor[Any, Any, Any], cuts: Sequence[slice | int], a: int
) -> tuple[Tensor[Any, Any, Any], ...]:
    """`x[..., cut, ...]` along axis `a` for each cut (an int drops the axis); each piece is
    its own op."""
    xp, out = x.xp, []
    for cut in cuts:
        index = (slice(None),) * a + (cut,)

        def vjp(g: Array, index: tuple[slice | int, ...] = index) -> tuple[Array]:
            grad = xp.zeros(x.shape, dtype=g.dtype)
            grad[index] = g
            return (grad,)

        out.append(record(x.data[index], (x,), vjp))
    return tuple(out)


@register("split", split_rule, statics=("sections", "axis"), methods=("split",), returns="tuple")
def split(
    x: Tensor[Any, DT, TT], sections: Sections, axis: int = 0, **refused: Unpack[NoKeywords]
) -> tuple[Tensor[Any, DT, TT], ...]:
    """`x` cut along `axis`, with NumPy's meaning of `sections`.

    Args:
        x: the tensor to cut.
        sections: an int `n` for `n` equal pieces, or a sequence of indices to cut at
            (`[2, 5]` gives `x[:2]`, `x[2:5]`, `x[5:]` along `axis`).
        axis: the axis to cut.

    Raises:
        ShapeError: when an int `sections` does not divide the axis.

    Example:
        >>> import shapedl as sd
        >>> [p.shape for p in sd.ops.split(sd.ones((6, 2)), [1, 4])]
        [(1, 2), (3, 2), (2, 2)]
    """
    if refused:
        raise refused_keywords("split", refused)
    shapes = split_rule("split", x.shape, sections, axis)
    a = axis % x.ndim
    if isinstance(sections, int):
        return _pieces(x, _runs(_sizes(shapes, a)), a)
    bounds = [0, *sections]
    return _pieces(x, [slice(i, j) for i, j in zip(bounds, [*sections, None], strict=True)], a)


@register("chunk", chunk_rule, statics=("chunks", "axis"), methods=("chunk",), returns="tuple")
def chunk(
    x: Tensor[Any, DT, TT], chunks: int, axis: int = 0, **refused: Unpack[NoKeywords]
) -> tuple[Tensor[Any, DT, TT], ...]:
    """`x` cut along `axis` into pieces of `ceil(size / chunks)`, as PyTorch's `chunk`.

    The last piece may be smaller, and there may be fewer than `chunks` pieces.

    Example:
        >>> import shapedl as sd
        >>> [p.shape for p in sd.ops.chunk(sd.ones((5, 2)), 3)]
        [(2, 2), (2, 2), (1, 2)]
    """
    if refused:
        raise refused_keywords("chunk", refused)
    shapes = chunk_rule("chunk", x.shape, chunks, axis)
    a = axis % x.ndim
    return _pieces(x, _runs(_sizes(shapes, a)), a)


# ---- unbind, narrow (PyTorch) -------------------------------------------------------------
def unbind_rule(op: str, x: Shape, axis: int = 0) -> tuple[Shape, ...]:
    """One shape per value along `axis`: `x`'s without that axis.

    The number of pieces is the axis's size, so a size known only at run time (a symbol or
    `DYN`) gives the plugin an unknown tuple (`NotStatic`), never an error.
    """
    a = dims.normalize_axis(op, axis, x)
    n = x[a]
    if not isinstance(n, int):
        raise NotStatic(f"{op}: the number of pieces, size {n} of axis {a}, is not a literal")
    return tuple(x[:a] + x[a + 1 :] for _ in range(n))


@register("unbind", unbind_rule, statics=("axis",), methods=("unbind",), returns="tuple")
def unbind(
    x: Tensor[Any, DT, TT], axis: int = 0, **refused: Unpack[NoKeywords]
) -> tuple[Tensor[Any, DT, TT], ...]:
    """The slices of `x` along `axis`, each without that axis, as PyTorch's `unbind`.

    Raises:
        ShapeError: when the axis is out of range.

    Shape:
        `(N, C) -> N` tensors of `(C,)` with `axis=0`.

    Example:
        >>> import shapedl as sd
        >>> [p.tolist() for p in sd.ops.unbind(sd.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1)]
        [[1.0, 3.0], [2.0, 4.0]]
    """
    if refused:
        raise refused_keywords("unbind", refused)
    unbind_rule("unbind", x.shape, axis)
    a = axis % x.ndim
    return _pieces(x, range(x.shape[a]), a)


def narrow_rule(op: str, x: Shape, axis: int, start: Dim, length: Dim) -> Shape:
    """`x` with `length` in place of axis `axis`'s size; `start` (negative from the end) and
    `start + length` must lie within the axis where the sizes are known (every size unknown
    for an axis known only at run time)."""
    for name, v in (("start", start), ("length", length)):
        dims.check_int(op, name, v)
    if not dims.is_static(axis):
        return (DYN,) * len(x)
    a = dims.normalize_axis(op, axis, x)
    size = x[a]
    if isinstance(length, int) and length < 0:
        raise shape_error(op, [x], f"length {length} at axis {a} is negative")
    known = all(isinstance(v, int) for v in (size, start, length))
    if known and not _fits(cast(int, size), cast(int, start), cast(int, length)):
        raise shape_error(
            op,
            [x],
            f"start {start} and length {length} do not fit in size {size} of axis {a}",
            "start + length must be at most the size",
        )
    return x[:a] + (length,) + x[a + 1 :]


def _fits(size: int, start: int, length: int) -> bool:
    begin = start + size if start < 0 else start
    return 0 <= begin <= size and begin + length <= size


@register("narrow", narrow_rule, statics=("axis", "start", "length"), methods=("narrow",))
def narrow(x: Tensor[Any, DT, TT], axis: int, start: int, length: int) -> Tensor[Any, DT, TT]:
    """`length` values of `x` along `axis` from `start` (negative counts from the end), as
    PyTorch's `narrow`: `x[..., start:start + length]` at that axis.

    Raises:
        ShapeError: when the axis is out of range, or the values run past its end.

    Shape:
        `(N, C) -> (N, length)` with `axis=1`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.narrow(sd.tensor([[1.0, 2.0, 3.0]]), 1, 1, 2).tolist()
        [[2.0, 3.0]]
    """
    narrow_rule("narrow", x.shape, axis, start, length)
    a = axis % x.ndim
    begin = start % x.shape[a] if start < 0 else start
    return _pieces(x, [slice(begin, begin + length)], a)[0]
