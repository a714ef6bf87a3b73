"""A rank test keeps the members of its rank checked."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, i64

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


def other(m: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]:
    return m


def rebound(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> None:
    if mask.dim() == 3:
        mask = other(mask)
        mask.sum(axis=2)  # E: [shape] sum: shape (B, T): axis 2 is out of range for rank 2
    assert mask.dim() == 3
    for _ in range(2):
        mask.sum(axis=2)  # E: [shape] sum: shape (B, T): axis 2 is out of range for rank 2
        mask = other(mask)


def other_left(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64], m: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> None:
    is_3d = mask.dim() == 3
    mask = m
    if is_3d:
        mask.sum(axis=2)  # E: [shape] sum: shape (B, T): axis 2 is out of range for rank 2
    if mask.ndim > 2:
        return
    mask.sum(axis=2)  # E: [shape] sum: shape (B, T): axis 2 is out of range for rank 2


def unbatched_wrong(x: Tensor[tuple[T, Const[8]], f32] | Tensor[tuple[B, T, Const[8]], f32]) -> None:
    # NOTE: the 2-d member is left out after the `if`; the 3-d ones are still checked
    if x.dim() == 2:
        x = x.unsqueeze(0)
    sd.nn.Linear(4, 8)(x)  # E: [shape] input width 8 at axis -1 differs from in_features 4
