"""Binary search into sorted values: `searchsorted` and `bucketize` (PyTorch's semantics).

`searchsorted(sorted_sequence, values)` gives, for each value, the index at which it would be
inserted to keep the sequence sorted: after the equal ones with `right=True`, before them
otherwise. A 1-d sequence serves every value; an N-d one holds one sequence per row, and its
leading axes are the values' (`(*L, N), (*L, M) -> (*L, M)`). `bucketize(input, boundaries)`
is `searchsorted(boundaries, input)` for 1-d boundaries. Results are untraced int64.

The search compares as PyTorch's kernel does (`not (mid >= value)` moves right), so a nan
value lands past the end, as there; it runs over every value at once, in log2(N) steps.
The sequence and the values may differ in dtype, as in PyTorch: they are only compared.
"""

from __future__ import annotations

from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices
from shapedl.types import NoTape, i64

__all__ = ["bucketize", "searchsorted"]


def searchsorted_rule(op: str, sorted_sequence: Shape, values: Shape, right: Any = False) -> Shape:
    """`values`' shape; a 1-d sequence serves all of them, an N-d one has their leading axes."""
    shapes = [sorted_sequence, values]
    if not sorted_sequence:
        raise shape_error(op, shapes, "sorted_sequence must have at least one axis, not 0-d")
    lead = sorted_sequence[:-1]
    if lead and (
        len(values) != len(sorted_sequence)
        or any(dims.same(a, b) is False for a, b in zip(lead, values[:-1], strict=False))
    ):
        raise shape_error(
            op,
            shapes,
            "an N-d sorted_sequence must have the values' axes but the last",
            "a 1-d sorted_sequence serves values of any shape",
        )
    return values


def bucketize_rule(op: str, input: Shape, boundaries: Shape, right: Any = False) -> Shape:
    """`input`'s shape; `boundaries` is 1-d."""
    if len(boundaries) != 1:
        raise shape_error(
            op,
            [input, boundaries],
            f"boundaries must be 1-d, not {len(boundaries)}-d",
            "searchsorted takes one sequence per row",
        )
    return input


def _search(xp: Any, seq: Array, values: Array, right: bool) -> Array:
    """Insertion points of `values` into the last axis of `seq` (1-d, or `values`' leading
    axes), by a binary search over all values at once."""
    n = seq.shape[-1]
    lo = xp.zeros(values.shape, dtype="int64")
    hi = xp.full(values.shape, n, dtype="int64")
    if n == 0:
        return lo
    for _ in range(n.bit_length()):
        mid = (lo + hi) // 2
        at = xp.minimum(mid, n - 1)
        pivot = seq[at] if seq.ndim == 1 else xp.take_along_axis(seq, at, axis=-1)
        # NOTE: PyTorch's comparisons, negated, so that nan moves right as in its kernel
        go = ~(pivot > values) if right else ~(pivot >= values)
        open_ = lo < hi
        lo = xp.where(open_ & go, mid + 1, lo)
        hi = xp.where(open_ & ~go, mid, hi)
    return lo


@register(
    "searchsorted",
    searchsorted_rule,
    tensors=("sorted_sequence", "values"),
    statics=("right",),
    dtype="int64",
)
def searchsorted(
    sorted_sequence: Tensor[Any, Any, Any], values: Tensor[Any, Any, Any], right: bool = False
) -> Tensor[Any, i64, NoTape]:
    """Where each of `values` would go in `sorted_sequence` (sorted along its last axis) to
    keep it sorted, as `torch.searchsorted`: before equal values, or after them with
    `right=True`; untraced int64.

    Raises:
        ShapeError: when `sorted_sequence` is 0-d, or N-d without the values' axes but the
            last.

    Shape:
        `(N,), (*S) -> (*S)`; `(*L, N), (*L, M) -> (*L, M)`.

    Example:
        >>> import shapedl as sd
        >>> edges = sd.tensor([1.0, 3.0, 5.0])
        >>> sd.ops.searchsorted(edges, sd.tensor([0.0, 3.0, 6.0])).tolist()
        [0, 1, 3]
        >>> sd.ops.searchsorted(edges, sd.tensor([0.0, 3.0, 6.0]), right=True).tolist()
        [0, 2, 3]
    """
    searchsorted_rule("searchsorted", sorted_sequence.shape, values.shape, right)
    check_devices("searchsorted", sorted_sequence, values)
    out = _search(values.xp, sorted_sequence.data, values.data, right)
    return Tensor(out, values.device)


@register(
    "bucketize", bucketize_rule, tensors=("input", "boundaries"), statics=("right",), dtype="int64"
)
def bucketize(
    input: Tensor[Any, Any, Any], boundaries: Tensor[Any, Any, Any], right: bool = False
) -> Tensor[Any, i64, NoTape]:
    """The bucket of each value of `input` between the sorted 1-d `boundaries`, as
    `torch.bucketize`: `i` such that `boundaries[i-1] < v <= boundaries[i]`, or
    `boundaries[i-1] <= v < boundaries[i]` with `right=True`; untraced int64.

    Raises:
        ShapeError: when `boundaries` is not 1-d.

    Shape:
        `(*S), (N,) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.bucketize(sd.tensor([1.0, 2.5, 9.0]), sd.tensor([1.0, 2.0, 3.0])).tolist()
        [0, 2, 3]
    """
    bucketize_rule("bucketize", input.shape, boundaries.shape, right)
    check_devices("bucketize", input, boundaries)
    return Tensor(_search(input.xp, boundaries.data, input.data, right), input.device)
