"""`Mul[C, H, W]` is the product of all three: a flatten of the last two axes only is not it;
`Sub` and `FloorDiv` take two dimensions."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

from shapedl import Dim, FloorDiv, Mul, Sub, Tensor

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)


def flat(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, Mul[C, H, W]]]:
    return x.flatten(2)  # E: [return-value]


def bad(x: Tensor[tuple[Sub[C, H, W]]]) -> None: ...  # E: [shape] Sub takes 2 dimensions, got 3
def worse(x: Tensor[tuple[FloorDiv[C]]]) -> None: ...  # E: [shape] FloorDiv takes 2 dimensions, got 1
