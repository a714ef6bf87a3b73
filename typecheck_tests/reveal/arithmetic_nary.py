"""`Mul` and `Add` of several dims are their products and sums folded from the left, in the
canonical form of the inferred ones."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

from shapedl import Add, Const, Dim, Mul, Tensor

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)


def shapes(
    x: Tensor[tuple[B, Mul[W, H, C]]], y: Tensor[tuple[Add[C, Const[2], H, Const[1]]]]
) -> None:
    reveal_type(x)  # R: Tensor[tuple[B, Mul[Mul[C, H], W]], f32, NoTape]
    reveal_type(y)  # R: Tensor[tuple[Add[Add[C, H], Literal[3]]], f32, NoTape]
    reveal_type(x.reshape((x.shape[0], -1)))  # R: Tensor[tuple[B, Mul[Mul[C, H], W]], f32, NoTape]
