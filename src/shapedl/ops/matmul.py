"""Matrix product with NumPy/PyTorch `matmul` semantics: 1-d, 2-d and batched; and
PyTorch's products of fixed ranks, `mm` (2-d), `bmm` (3-d), `mv` (2-d by 1-d), `dot` (1-d).

Shape rule: a 1-d left operand is a row `(1, K)` and a 1-d right operand a column `(K, 1)`,
and the added axis is dropped from the result; the inner dimensions must agree
(`dims.same`), the batch dimensions (all but the last two) broadcast
(`(*B1, N, K) @ (*B2, K, M) -> (*broadcast(B1, B2), N, M)`). `mm`, `bmm`, `mv` and `dot`
take only their own ranks, as PyTorch's (no broadcasting: `bmm`'s batch sizes are equal), and
are `matmul` once their operands are checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, overload

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Dim, Shape
from shapedl.errors import dtype_error, shape_error
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, NoTape, Tape, Traced
from shapedl.types import Dim as DimType

__all__ = ["bmm", "dot", "matmul", "mm", "mv"]

N = TypeVar("N", bound=DimType)
K = TypeVar("K", bound=DimType)
M = TypeVar("M", bound=DimType)
B = TypeVar("B", bound=DimType)


def _batch(op: str, a: Shape, b: Shape) -> Shape:
    """Broadcast batch dims, or an error naming the axis (counted from the end of both)."""
    ba, bb = a[:-2], b[:-2]
    for i in range(1, min(len(ba), len(bb)) + 1):
        x, y = ba[-i], bb[-i]
        if x != 1 and y != 1 and dims.same(x, y) is False:
            raise shape_error(
                op, [a, b], f"batch dimensions differ: {x} vs {y} at axis {-i - 2} of both"
            )
    return dims.broadcast(op, ba, bb)


def matmul_rule(op: str, a: Shape, b: Shape) -> Shape:
    """`(*B1, N, K) @ (*B2, K, M) -> (*broadcast(B1, B2), N, M)`; 1-d operands as in NumPy."""
    if not a or not b:
        raise shape_error(
            op, [a, b], "a 0-d operand has no axis to contract", "multiply by a scalar with *"
        )
    a2 = a if len(a) > 1 else (1, *a)
    b2 = b if len(b) > 1 else (*b, 1)
    if dims.same(a2[-1], b2[-2]) is False:
        where = "axis -2 of the right" if len(b) > 1 else "axis -1 of the right"
        raise shape_error(
            op,
            [a, b],
            f"inner dimensions differ: {a[-1]} (axis -1 of the left) vs {b2[-2]} ({where})",
        )
    rows: tuple[Dim, ...] = (a2[-2],) if len(a) > 1 else ()
    cols: tuple[Dim, ...] = (b2[-1],) if len(b) > 1 else ()
    return (*_batch(op, a2, b2), *rows, *cols)


@overload
def matmul(  # type: ignore[overload-overlap]
    a: Tensor[tuple[N, K], DT, NoTape], b: Tensor[tuple[K, M], DT, NoTape]
) -> Tensor[tuple[N, M], DT, NoTape]: ...
@overload
def matmul(
    a: Tensor[tuple[N, K], DT, Tape], b: Tensor[tuple[K, M], DT, Tape]
) -> Tensor[tuple[N, M], DT, Traced]: ...
@overload
def matmul(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
@register("matmul", matmul_rule, tensors=("a", "b"), methods=("matmul", "__matmul__"))
@in_f32()
def matmul(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """Matrix product `a @ b`, batched over leading axes that broadcast (NumPy's `matmul`).

    Raises:
        ShapeError: when the inner dimensions differ, the batch dimensions do not broadcast,
            or an operand is 0-d.

    Shape:
        `(*B1, N, K) @ (*B2, K, M) -> (*broadcast(B1, B2), N, M)`; `(K,) @ (K,) -> ()`,
        `(K,) @ (*B, K, M) -> (*B, M)`, `(*B, N, K) @ (K,) -> (*B, N)`.

    Example:
        >>> import shapedl as sd
        >>> (sd.ones((5, 2, 3)) @ sd.ones((3, 4))).shape
        (5, 2, 4)
    """
    check_devices("matmul", a, b)
    if a.data.dtype != b.data.dtype:
        raise dtype_error("matmul", a.data.dtype, b.data.dtype)
    matmul_rule("matmul", a.shape, b.shape)
    xp, backend = a.xp, a.device.backend
    x = a.data if a.ndim > 1 else a.data[None, :]
    y = b.data if b.ndim > 1 else b.data[:, None]
    # NOTE: quietly: 0 * inf is nan, as in PyTorch
    out = backend.quietly(lambda: backend.matmul(x, y))
    full = out.shape

    def vjp(g: Array) -> tuple[Callable[[], Array], Callable[[], Array]]:
        # NOTE: the tape sums these over broadcast batch axes; the axis a 1-d operand gained
        # is dropped here, since the tape aligns shapes from the right. Each is computed only
        # if the tape wants it (not the input batch's gradient in a training step).
        g = g.reshape(full)

        def ga() -> Array:
            out = backend.quietly(lambda: backend.matmul(g, xp.swapaxes(y, -1, -2)))
            return out if a.ndim > 1 else out[..., 0, :]

        def gb() -> Array:
            if y.ndim == 2 and x.ndim > 2 and x.flags.c_contiguous:
                # NOTE: (*B, N, K) @ (K, M): one GEMM over all B*N rows, not a (*B, K, M)
                # product for the tape to sum (sizes rather than -1, which an empty operand
                # leaves undetermined)
                n = math.prod(x.shape[:-1])
                rows = x.reshape(n, x.shape[-1])
                out = backend.quietly(lambda: backend.matmul(rows.T, g.reshape(n, g.shape[-1])))
            else:
                out = backend.quietly(lambda: backend.matmul(xp.swapaxes(x, -1, -2), g))
            return out if b.ndim > 1 else out[..., 0]

        return ga, gb

    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return record(out, (a, b), vjp)


# ---- PyTorch's products of fixed ranks ----------------------------------------------------
_RANKS = {"mm": (2, 2), "bmm": (3, 3), "mv": (2, 1), "dot": (1, 1)}


def fixed_rank_rule(op: str, a: Shape, b: Shape) -> Shape:
    """`matmul_rule` for operands of `op`'s ranks only (`mm`: 2 and 2, `bmm`: 3 and 3, `mv`: 2
    and 1, `dot`: 1 and 1), and `bmm`'s batch sizes equal."""
    for side, s, rank in zip(("left", "right"), (a, b), _RANKS[op], strict=True):
        if len(s) != rank:
            raise shape_error(
                op,
                [a, b],
                f"the {side} operand must be {rank}-d, not {len(s)}-d",
                "matmul (@) takes every rank and broadcasts batches",
            )
    if op == "bmm" and dims.same(a[0], b[0]) is False:
        raise shape_error(
            op,
            [a, b],
            f"batch sizes differ: {a[0]} vs {b[0]} at axis 0 of both",
            "bmm does not broadcast, matmul (@) does",
        )
    return matmul_rule(op, a, b)


def _fixed(op: str, a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """`a @ b` once the operands are checked for `op` (its errors name `op`)."""
    check_devices(op, a, b)
    if a.data.dtype != b.data.dtype:
        raise dtype_error(op, a.data.dtype, b.data.dtype)
    if a.data.dtype.kind == "b":
        raise TypeError(f"{op}: bool tensors have no product, as in PyTorch; use .astype(sd.i64)")
    fixed_rank_rule(op, a.shape, b.shape)
    return matmul(a, b)


@overload
def mm(  # type: ignore[overload-overlap]
    a: Tensor[tuple[N, K], DT, NoTape], b: Tensor[tuple[K, M], DT, NoTape]
) -> Tensor[tuple[N, M], DT, NoTape]: ...
@overload
def mm(
    a: Tensor[tuple[N, K], DT, Tape], b: Tensor[tuple[K, M], DT, Tape]
) -> Tensor[tuple[N, M], DT, Traced]: ...
@overload
def mm(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
@register("mm", fixed_rank_rule, tensors=("a", "b"), methods=("mm",))
def mm(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """The product of two matrices, as PyTorch's `torch.mm` (`matmul` of 2-d operands only).

    Raises:
        ShapeError: when an operand is not 2-d, or the inner dimensions differ.
        DTypeError: when the dtypes differ.

    Shape:
        `(N, K) @ (K, M) -> (N, M)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.mm(sd.ones((2, 3)), sd.ones((3, 4))).shape
        (2, 4)
    """
    return _fixed("mm", a, b)


@overload
def bmm(  # type: ignore[overload-overlap]
    a: Tensor[tuple[B, N, K], DT, NoTape], b: Tensor[tuple[B, K, M], DT, NoTape]
) -> Tensor[tuple[B, N, M], DT, NoTape]: ...
@overload
def bmm(
    a: Tensor[tuple[B, N, K], DT, Tape], b: Tensor[tuple[B, K, M], DT, Tape]
) -> Tensor[tuple[B, N, M], DT, Traced]: ...
@overload
def bmm(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
@register("bmm", fixed_rank_rule, tensors=("a", "b"), methods=("bmm",))
def bmm(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """A batch of matrix products, as PyTorch's `torch.bmm`: 3-d operands whose batch sizes
    are equal (no broadcasting; `matmul` broadcasts).

    Raises:
        ShapeError: when an operand is not 3-d, the batch sizes or the inner dimensions differ.
        DTypeError: when the dtypes differ.

    Shape:
        `(B, N, K) @ (B, K, M) -> (B, N, M)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.bmm(sd.ones((5, 2, 3)), sd.ones((5, 3, 4))).shape
        (5, 2, 4)
    """
    return _fixed("bmm", a, b)


@overload
def mv(  # type: ignore[overload-overlap]
    a: Tensor[tuple[N, K], DT, NoTape], b: Tensor[tuple[K], DT, NoTape]
) -> Tensor[tuple[N], DT, NoTape]: ...
@overload
def mv(
    a: Tensor[tuple[N, K], DT, Tape], b: Tensor[tuple[K], DT, Tape]
) -> Tensor[tuple[N], DT, Traced]: ...
@overload
def mv(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
@register("mv", fixed_rank_rule, tensors=("a", "b"), methods=("mv",))
def mv(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """A matrix times a vector, as PyTorch's `torch.mv`.

    Raises:
        ShapeError: when `a` is not 2-d or `b` not 1-d, or the inner dimensions differ.
        DTypeError: when the dtypes differ.

    Shape:
        `(N, K) @ (K,) -> (N,)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.mv(sd.ones((2, 3)), sd.tensor([1.0, 2.0, 3.0])).tolist()
        [6.0, 6.0]
    """
    return _fixed("mv", a, b)


@overload
def dot(  # type: ignore[overload-overlap]
    a: Tensor[tuple[K], DT, NoTape], b: Tensor[tuple[K], DT, NoTape]
) -> Tensor[tuple[()], DT, NoTape]: ...
@overload
def dot(
    a: Tensor[tuple[K], DT, Tape], b: Tensor[tuple[K], DT, Tape]
) -> Tensor[tuple[()], DT, Traced]: ...
@overload
def dot(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
@register("dot", fixed_rank_rule, tensors=("a", "b"), methods=("dot",))
def dot(a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """The inner product of two vectors, as PyTorch's `torch.dot` (NumPy's `dot` of other
    ranks is `matmul` or `einsum` here).

    Raises:
        ShapeError: when an operand is not 1-d, or the sizes differ.
        DTypeError: when the dtypes differ.

    Shape:
        `(K,) . (K,) -> ()`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.dot(sd.tensor([1.0, 2.0]), sd.tensor([3.0, 4.0])).item()
        11.0
    """
    return _fixed("dot", a, b)
