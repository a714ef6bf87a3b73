"""A running count of i32 labels or of a mask is i64, statically and at run time (PyTorch's
dtypes, as their sums); an i32 squared stays i32: no error, and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, bool_, i32, i64

B = TypeVar("B", bound=Dim)


def offsets(lengths: Tensor[tuple[B], i32]) -> Tensor[tuple[B], i64]:
    return lengths.cumsum(0)


def seen(mask: Tensor[tuple[B], bool_]) -> Tensor[tuple[B], i64]:
    return sd.ops.cumsum(mask, axis=0)


def squares(y: Tensor[tuple[B], i32]) -> Tensor[tuple[B], i32]:
    return y**2 + y


lengths = sd.tensor([2**30, 2**30, 2**30], dtype=i64).astype(i32)
assert offsets(lengths).dtype is i64 and offsets(lengths).tolist()[-1] == 3 * 2**30
assert seen(lengths > 0).tolist() == [1, 2, 3]
assert squares(sd.arange(3, dtype=i32)).dtype is i32
