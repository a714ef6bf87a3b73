"""A loop's state is still checked: a width no member has, or a tuple item that does not fit."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
TT = TypeVar("TT", bound=Tape)
w_hh = sd.randn((4, 4))
proj = nn.Linear(4, 4)


def rnn(x: Tensor[tuple[B, T, Const[4]], f32, TT]) -> tuple[Tensor[tuple[B, Const[5]], f32, TT], int]:
    h = sd.zeros((x.shape[0], 4))
    for t in range(x.shape[1]):
        h = (x[:, t] + h @ w_hh).tanh()
    return h, 1  # E: [return-value] Incompatible return value type


def shrink(x: Tensor[tuple[B, Const[8]], f32], n: int) -> tuple[Tensor[tuple[B, Const[4]], f32], Tensor[tuple[B], f32]]:
    h = x
    for _ in range(n):
        h = proj(x[:, :4])
    return h, x[:, 0:2]  # E: [return-value] Incompatible return value type
