"""Dims bound through a tuple of tensors or a layer typed by its sizes, where they agree."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
C = TypeVar("C", bound=Dim)


def step(
    x: Tensor[tuple[B, Const[4]], f32],
    state: tuple[Tensor[tuple[B, Const[8]], f32], Tensor[tuple[B, Const[8]], f32]],
) -> Tensor[tuple[B, Const[8]], f32]:
    return state[0] + state[1] + x.sum(axis=1, keepdims=True)


def apply(layer: nn.Linear[D, C], x: Tensor[tuple[B, D], f32]) -> Tensor[tuple[B, C], f32]:
    return layer(x)


n = int("16")
assert step(sd.zeros((3, 4)), (sd.zeros((3, 8)), sd.zeros((3, 8)))).shape == (3, 8)
assert apply(nn.Linear(16, 4), sd.ones((2, 16))).shape == (2, 4)
assert apply(nn.Linear(n, 4), sd.ones((2, 16))).shape == (2, 4)
