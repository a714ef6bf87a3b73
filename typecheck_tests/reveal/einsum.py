"""einsum: the result's shape read from the subscripts string, symbols included."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor

B = TypeVar("B", bound=Dim)
H = TypeVar("H", bound=Dim)
T = TypeVar("T", bound=Dim)
S = TypeVar("S", bound=Dim)
D = TypeVar("D", bound=Dim)

q, k = sd.ones((2, 4, 3)), sd.ones((2, 5, 3))
reveal_type(sd.ops.einsum("btd,bsd->bts", q, k))  # R: Tensor[tuple[Literal[2], Literal[4], Literal[5]], f32, NoTape]
reveal_type(sd.ops.einsum("btd,bsd", q, k.traced()))  # R: Tensor[tuple[Literal[5], Literal[4]], f32, Traced]
reveal_type(sd.ops.einsum("...ij,jk->...ik", q, sd.ones((3, 7))))  # R: Tensor[tuple[Literal[2], Literal[4], Literal[7]], f32, NoTape]
reveal_type(sd.ops.einsum("ii->i", sd.ones((3, 3))))  # R: Tensor[tuple[Literal[3]], f32, NoTape]


def attention(q: Tensor[tuple[B, H, T, D]], k: Tensor[tuple[B, H, S, D]]) -> None:
    reveal_type(sd.ops.einsum("bhtd,bhsd->bhts", q, k))  # R: Tensor[tuple[B, H, T, S], f32, NoTape]
    reveal_type(sd.ops.einsum("bhtd->bd", q))  # R: Tensor[tuple[B, D], f32, NoTape]
