"""Diagonals, with PyTorch's meaning: `diagonal` (the diagonal of two axes, appended last),
`diag` (a vector on the diagonal of a matrix, or a matrix's diagonal) and `trace`.

Shape rule of `diagonal`: the two axes are dropped and the diagonal's length appended, the
number of `(i, i + offset)` positions inside them: `min(n1, n2 - offset)` for `offset >= 0`,
`min(n1 + offset, n2)` below, and 0 where the diagonal misses the matrix. Over symbols it is
exact for a square matrix (`N - |offset|`), `Dyn` for two sizes whose order is unknown.
The gradient puts each value back at its position (zero elsewhere).
"""

from __future__ import annotations

from typing import Any, Unpack

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import NoKeywords, refused_keywords, shape_error
from shapedl.ops.reduce import sum as reduce_sum
from shapedl.ops.registry import counts, register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["diag", "diagonal", "trace"]


def _length(n1: Dim, n2: Dim, offset: int) -> Dim:
    """How many `(i, i + offset)` positions a `(n1, n2)` matrix holds."""
    rows, cols = (n1, dims.sub(n2, offset)) if offset >= 0 else (dims.add(n1, offset), n2)
    if isinstance(rows, int) and isinstance(cols, int):
        return max(0, min(rows, cols))
    # NOTE: past a square matrix's corner (|offset| >= N) the run has 0 where the algebra says
    # `N - |offset|`: a diagonal that misses the matrix is no program's intent
    if dims.same(n1, n2):
        return dims.sub(n1, abs(offset))
    return rows if dims.same(rows, cols) else DYN


def diagonal_rule(op: str, x: Shape, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Shape:
    """`x` without axes `axis1` and `axis2`, and the diagonal's length appended last."""
    if len(x) < 2:
        raise shape_error(op, [x], f"needs at least 2 axes, got rank {len(x)}")
    a = dims.normalize_axis(op, axis1, x, "axis1")
    b = dims.normalize_axis(op, axis2, x, "axis2")
    if a == b:
        raise shape_error(op, [x], f"axis1 {axis1} and axis2 {axis2} are the same axis")
    dims.need_static(op, "offset", offset)
    rest = tuple(d for i, d in enumerate(x) if i not in (a, b))
    return (*rest, _length(x[a], x[b], offset))


def _positions(xp: Any, n: int, offset: int) -> tuple[Array, Array]:
    """Rows and columns of the `n` positions of diagonal `offset`."""
    i = xp.arange(n)
    return i + max(0, -offset), i + max(0, offset)


@register(
    "diagonal",
    diagonal_rule,
    statics=("offset", "axis1", "axis2"),
    methods=("diagonal",),
)
def diagonal(
    x: Tensor[Any, DT, TT],
    offset: int = 0,
    axis1: int = 0,
    axis2: int = 1,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, DT, TT]:
    """The diagonal `offset` (above the main one for `offset > 0`) of axes `axis1` and
    `axis2`, appended as the last axis, as PyTorch's `torch.diagonal` (NumPy's `diagonal` too).

    Raises:
        ShapeError: when `x` has fewer than 2 axes, an axis is out of range, or the two are one.

    Shape:
        `(N, M) -> (min(N, M),)`; `(B, N, N) -> (B, N)` with `axis1=1, axis2=2`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.diagonal(sd.tensor([[1, 2], [3, 4]])).tolist()
        [1, 4]
        >>> sd.ones((2, 3, 3)).diagonal(1, 1, 2).shape
        (2, 2)
    """
    if refused:
        raise refused_keywords("diagonal", refused)
    diagonal_rule("diagonal", x.shape, offset, axis1, axis2)
    xp = x.xp
    a, b = axis1 % x.ndim, axis2 % x.ndim
    out = xp.diagonal(x.data, offset, a, b).copy()

    def vjp(g: Array) -> tuple[Array]:
        moved = xp.moveaxis(xp.zeros(x.shape, g.dtype), (a, b), (-2, -1))
        rows, cols = _positions(xp, g.shape[-1], offset)
        moved[..., rows, cols] = g
        return (xp.moveaxis(moved, (-2, -1), (a, b)),)

    return record(out, (x,), vjp)


_of_matrix = diagonal  # NOTE: `diag`'s argument `diagonal` (PyTorch's name) hides the op


def diag_rule(op: str, x: Shape, diagonal: int = 0) -> Shape:
    """A vector `(N,)` on diagonal `diagonal` of an `(N + |diagonal|)`-square matrix; a matrix
    `(N, M)` to its diagonal `diagonal`."""
    if len(x) == 2:
        return diagonal_rule(op, x, diagonal)
    if len(x) != 1:
        raise shape_error(
            op, [x], f"x must be 1-d or 2-d, not {len(x)}-d", "use diagonal(x, offset, a, b)"
        )
    dims.need_static(op, "diagonal", diagonal)
    size = dims.add(x[0], abs(diagonal))
    return (size, size)


@register("diag", diag_rule, statics=("diagonal",), methods=("diag",))
def diag(x: Tensor[Any, DT, TT], diagonal: int = 0) -> Tensor[Any, DT, TT]:
    """PyTorch's `diag`: a 1-d `x` put on diagonal `diagonal` of a square matrix of zeros (of
    size `len(x) + |diagonal|`), or the diagonal `diagonal` of a 2-d `x`.

    Raises:
        ShapeError: when `x` is neither 1-d nor 2-d.

    Shape:
        `(N,) -> (N + |diagonal|, N + |diagonal|)`; `(N, M) -> (min(N, M - diagonal),)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.diag(sd.tensor([1, 2])).tolist()
        [[1, 0], [0, 2]]
        >>> sd.ops.diag(sd.tensor([[1, 2], [3, 4]]), 1).tolist()
        [2]
    """
    want = diag_rule("diag", x.shape, diagonal)
    if x.ndim == 2:
        return _of_matrix(x, diagonal)
    xp = x.xp
    rows, cols = _positions(xp, x.shape[0], diagonal)
    out = xp.zeros(want, x.data.dtype)
    out[rows, cols] = x.data
    return record(out, (x,), lambda g: (g[rows, cols],))


def trace_rule(op: str, x: Shape) -> Shape:
    """A matrix `(N, M)` to a scalar `()`."""
    if len(x) != 2:
        raise shape_error(
            op, [x], f"x must be 2-d, not {len(x)}-d", "for a batch, x.diagonal(0, -2, -1).sum(-1)"
        )
    return ()


@register("trace", trace_rule, methods=("trace",), promote=counts)
def trace(x: Tensor[Any, DT, TT]) -> Tensor[tuple[()], DT, TT]:
    """The sum of a matrix's main diagonal, as PyTorch's `trace` (integers sum in int64).

    Raises:
        ShapeError: when `x` is not 2-d.
        TypeError: for a bool `x`, as PyTorch (NumPy would count the True values).

    Shape:
        `(N, M) -> ()`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.trace(sd.tensor([[1.0, 2.0], [3.0, 4.0]])).item()
        5.0
    """
    trace_rule("trace", x.shape)
    if x.data.dtype.kind == "b":
        raise TypeError("trace: x must be a number tensor, not bool; convert it: x.astype(sd.i64)")
    out: Tensor[tuple[()], DT, TT] = reduce_sum(diagonal(x))
    return out
