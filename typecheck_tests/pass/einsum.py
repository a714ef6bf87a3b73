"""einsum typed from its subscripts (attention for every B, H, T, S, D); norm over axes."""

from __future__ import annotations

import math
from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, f32

B = TypeVar("B", bound=Dim)
H = TypeVar("H", bound=Dim)
T = TypeVar("T", bound=Dim)
S = TypeVar("S", bound=Dim)
D = TypeVar("D", bound=Dim)
TT = TypeVar("TT", bound=Tape)


def attend(
    q: Tensor[tuple[B, H, T, D], f32, TT], k: Tensor[tuple[B, H, S, D]], v: Tensor[tuple[B, H, S, D]]
) -> Tensor[tuple[B, H, T, D], f32, TT]:
    scores = sd.ops.einsum("bhtd,bhsd->bhts", q, k) * (1 / math.sqrt(q.shape[3]))  # op: einsum
    weights: Tensor[tuple[B, H, T, S], f32, TT] = scores.softmax(-1)
    return sd.ops.einsum("bhts,bhsd->bhtd", weights, v)


x = sd.ones((2, 3, 4, 5))
out: Tensor[tuple[Const[2], Const[3], Const[4], Const[5]]] = attend(x, sd.ones((2, 3, 6, 5)), sd.ones((2, 3, 6, 5)))
outer: Tensor[tuple[Const[3], Const[4]]] = sd.ops.einsum("i,j", sd.ones((3,)), sd.ones((4,)))
batched: Tensor[tuple[Const[2], Const[3], Const[7]]] = sd.ops.einsum("...ij,jk->...ik", sd.ones((2, 3, 4)), sd.ones((4, 7)))
lengths: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.norm(x, axis=-1)  # op: norm
total: Tensor[tuple[()]] = sd.ops.norm(x, 1)
assert out.shape == (2, 3, 4, 5) and outer.shape == (3, 4) and batched.shape == (2, 3, 7)
