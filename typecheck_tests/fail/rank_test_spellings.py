"""A rank test in any spelling decides the branch; the branch the run takes is still checked,
and so is what follows with its shapes."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
fc = nn.Linear(8, 4)


def taken(x: Tensor[tuple[B, Const[5], Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if x.dim() == 3:
        x = x.mean(axis=2)  # NOTE: the wrong axis: (B, 5) is left
    return fc(x)  # E: [shape] Linear: shapes (B, 5) and (4, 8): input width 5 at axis -1 differs from in_features 8


def ordered(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if x.ndim < 3:
        x = x.unsqueeze(1)
    h = fc(x)
    return h  # E: [return-value] Incompatible return value type (got "Tensor[tuple[B, Literal[1], Literal[4]], f32, NoTape]"


def named(x: Tensor[tuple[B, Const[5], Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    flat = len(x.size()) == 2
    if flat:
        x = x.mean(axis=1)
    h = fc(x)
    return h  # E: [return-value] Incompatible return value type (got "Tensor[tuple[B, Literal[5], Literal[4]], f32, NoTape]"


def listed(x: Tensor[tuple[B, Const[5], Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if x.ndim in (2, 3):
        x = x.mean(axis=2)
    return fc(x)  # E: [shape] Linear: shapes (B, 5) and (4, 8)
