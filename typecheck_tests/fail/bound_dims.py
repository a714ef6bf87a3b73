"""A dim a user's function binds twice, through a tuple of tensors (an LSTM's `(h, c)`) or a
layer typed by its sizes (`nn.Linear[D, C]`), must agree, as between two tensors."""

# fmt: off
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
) -> None: ...


def apply(layer: nn.Linear[D, C], x: Tensor[tuple[D], f32]) -> Tensor[tuple[C], f32]:
    return layer(x)


step(sd.zeros((3, 4)), (sd.zeros((3, 8)), sd.zeros((5, 8))))  # E: [shape] step: shapes (3, 4) and (5, 8): B is 3 at axis 0 of x but 5 at axis 0 of state[1]
apply(nn.Linear(16, 4), sd.ones((8,)))  # E: [shape] apply: shape (8,): D is 16 as size 0 of layer (Linear) but 8 at axis 0 of x


def chain(a: nn.Linear[D, C], b: nn.Linear[C, D], x: Tensor[tuple[D], f32]) -> None: ...


chain(nn.Linear(16, 4), nn.Linear(5, 16), sd.ones((16,)))  # E: [shape] chain: C is 4 as size 1 of a (Linear) but 5 as size 0 of b (Linear)
