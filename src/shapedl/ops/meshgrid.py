"""`meshgrid`: coordinate grids from vectors, as PyTorch's `torch.meshgrid`.

Shape rule: `k` vectors of sizes `N1 ... Nk` give `k` tensors of shape `(N1, ..., Nk)` with
`indexing="ij"` (PyTorch's default, matrix indexing), or `(N2, N1, N3, ..., Nk)` with
`indexing="xy"` (NumPy's default, Cartesian: the first two axes swapped). A 0-d tensor counts
as a vector of size 1, as in PyTorch. Each result is its input reshaped and broadcast, so its
gradient is summed back to the input (by the tape).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.movement import broadcast_to, reshape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices
from shapedl.types import DT

__all__ = ["meshgrid"]


def _order(k: int, indexing: str) -> list[int]:
    """The axis of the grid that input `i` runs along."""
    return [1, 0, *range(2, k)] if indexing == "xy" and k > 1 else list(range(k))


def meshgrid_rule(op: str, tensors: Sequence[Shape], indexing: str = "ij") -> tuple[Shape, ...]:
    """One grid shape per input: the inputs' sizes, the first two swapped for `"xy"`."""
    if indexing not in ("ij", "xy"):
        raise shape_error(op, tensors, f"indexing must be 'ij' or 'xy', not {indexing!r}")
    for i, x in enumerate(tensors):
        if len(x) > 1:
            raise shape_error(op, tensors, f"tensor {i} must be 0-d or 1-d, not {len(x)}-d")
    sizes = [x[0] if x else 1 for x in tensors]
    grid = tuple(sizes[i] for i in _order(len(sizes), indexing))
    return (grid,) * len(tensors)


@register(
    "meshgrid",
    meshgrid_rule,
    tensors=(),
    tensor_lists=("tensors",),
    statics=("indexing",),
    returns="tuple",
)
def meshgrid(
    *tensors: Tensor[Any, DT, Any] | Sequence[Tensor[Any, DT, Any]], indexing: str = "ij"
) -> tuple[Tensor[Any, DT, Any], ...]:
    """Coordinate grids: result `i` holds `tensors[i]` along its own axis, repeated along the
    others. `indexing="ij"` (the default, PyTorch's) puts input `i` on axis `i`; `"xy"` (NumPy's
    default) swaps the first two axes. A port of NumPy code passes `indexing="xy"`.

    The tensors come one by one or, as PyTorch's `meshgrid([xs, ys])` takes them, as one list
    or tuple.

    Raises:
        ShapeError: when an input is not 0-d or 1-d, or `indexing` is neither.
        DTypeError: when the inputs' dtypes differ.
        TypeError: when no tensor is given, or something else than tensors.

    Shape:
        `(N,), (M,) -> (N, M), (N, M)`; with `indexing="xy"`, `(M, N), (M, N)`.

    Example:
        >>> import shapedl as sd
        >>> rows, cols = sd.meshgrid(sd.arange(2), sd.arange(3))
        >>> rows.tolist()
        [[0, 0, 0], [1, 1, 1]]
        >>> cols.tolist()
        [[0, 1, 2], [0, 1, 2]]
    """
    xs = _tensors(tensors)
    meshgrid_rule("meshgrid", [x.shape for x in xs], indexing)
    order = _order(len(xs), indexing)
    grid = tuple(xs[i].shape[0] if xs[i].ndim else 1 for i in order)
    check_devices("meshgrid", *xs)
    same_dtype("meshgrid", *xs)
    out = []
    for x, axis in zip(xs, order, strict=True):
        along = tuple(-1 if i == axis else 1 for i in range(len(grid)))
        out.append(broadcast_to(reshape(x, along), grid))
    return tuple(out)


def _tensors(
    args: tuple[Tensor[Any, DT, Any] | Sequence[Tensor[Any, DT, Any]], ...],
) -> Sequence[Tensor[Any, DT, Any]]:
    """The tensors of `meshgrid(x, y)` or of `meshgrid([x, y])`."""
    xs = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
    if not xs:
        raise TypeError("meshgrid: needs at least one tensor")
    for x in xs:
        if not isinstance(x, Tensor):
            raise TypeError(
                f"meshgrid: takes tensors, one by one or in one list, not {type(x).__name__}; "
                "make arrays tensors with sd.tensor(...)"
            )
    return xs  # type: ignore[return-value]
