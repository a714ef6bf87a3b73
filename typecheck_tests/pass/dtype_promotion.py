"""Integer and boolean tensors follow NumPy's dtypes, as at run time: no error, and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, bool_, f64, i32, i64

B = TypeVar("B", bound=Dim)
K = TypeVar("K", bound=Dim)


# ---- a mean written by hand: an int sum over a count is f64 --------------------------------
def mean_label(y: Tensor[tuple[B], i64]) -> Tensor[tuple[()], f64]:
    return y.sum() / y.shape[0]


# ---- scaling integer ids by a float, halving them -------------------------------------------
def scaled(ids: Tensor[tuple[B], i64], scale: float) -> Tensor[tuple[B], f64]:
    return ids * scale


def halves(ids: Tensor[tuple[B], i32]) -> Tensor[tuple[B], f64]:
    return ids / 2


# ---- counting with a mask: a bool plus an int is i64, a bool times a float f64 ---------------
def as_counts(mask: Tensor[tuple[B, K], bool_]) -> Tensor[tuple[B, K], i64]:
    return mask + 0


def as_weights(mask: Tensor[tuple[B, K], bool_]) -> Tensor[tuple[B, K], f64]:
    return 2.0 * mask


# ---- the sum of i32 labels is i64, their exp or sqrt f64 (NumPy's rules) ---------------------
def total(y: Tensor[tuple[B], i32]) -> Tensor[tuple[()], i64]:
    return y.sum()


def root(y: Tensor[tuple[B], i64]) -> Tensor[tuple[B], f64]:
    return y.sqrt()


labels = sd.tensor([0, 1, 3], dtype=i64)
assert mean_label(labels).item() == 4 / 3
assert scaled(labels, 0.5).tolist() == [0.0, 0.5, 1.5]
assert halves(labels.astype(i32)).tolist() == [0.0, 0.5, 1.5]
hit = labels.unsqueeze(1) == sd.arange(4, dtype=i64)
assert as_counts(hit).sum().item() == 3
assert as_weights(hit).sum().item() == 6.0
assert total(labels.astype(i32)).item() == 4
assert root(labels).tolist()[3 - 1] == 3**0.5
