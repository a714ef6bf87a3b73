"""A rank test keeps the members of its rank checked."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

from shapedl import Dim, Tensor, i64

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def extended(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> None:
    if mask.dim() == 2:
        mask[:, None, :, :]  # E: [shape] getitem: shape (B, T): too many indices: 3 for rank 2
    if mask.ndim == 3:
        mask[:, :, :, None, 0]  # E: [shape] getitem: shape (B, T, T): too many indices: 4 for rank 3


def batched(x: Tensor[tuple[B, T], i64]) -> Tensor[tuple[B, T], i64]:
    if x.dim() == 2:
        x = x[None]
    return x  # E: [return-value] Incompatible return value type
