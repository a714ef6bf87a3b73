"""The types model-building code gets, as PyTorch users port it."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tape, Tensor, f32

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
TT = TypeVar("TT", bound=Tape)


# ---- a function generic in its tape: traced if one argument is, as for the ops --------------
def mix(a: Tensor[tuple[B, D], f32, TT], b: Tensor[tuple[B, D], f32, TT]) -> Tensor[tuple[B, D], f32, TT]:
    return a * b.sigmoid()


def both(a: Tensor[tuple[B], f32, TT], b: Tensor[tuple[B], f32, TT]) -> tuple[Tensor[tuple[B], f32, TT], int]:
    return a + b, 0


x = sd.ones((2, 4))
reveal_type(mix(x.traced(), x))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, Traced]
reveal_type(mix(x, x.traced()))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, Traced]
reveal_type(mix(x, x))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(both(x[0], x[1].traced()))  # R: tuple[Tensor[tuple[Literal[4]], f32, Traced], int]


def inside(a: Tensor[tuple[B, D], f32, TT], w: Tensor[tuple[B, D], f32]) -> None:
    reveal_type(mix(a, w))  # R: Tensor[tuple[B, D], f32, TT]
