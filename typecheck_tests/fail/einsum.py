"""einsum: a letter with two sizes is a [shape] error naming the letter, operands and axes;
norm checks its axes."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
D = TypeVar("D", bound=Dim)
E = TypeVar("E", bound=Dim)

q, k = sd.ones((2, 4, 3)), sd.ones((2, 5, 6))
sd.ops.einsum("btd,bsd->bts", q, k)  # E: [shape] einsum: shapes (2, 4, 3) and (2, 5, 6): letter 'd' is 3 at axis 2 of operand 0 but 6 at axis 2 of operand 1  # op: einsum
sd.ops.einsum("btd,bsd->btx", q, q)  # E: [shape] einsum: shapes (2, 4, 3) and (2, 4, 3): output letter 'x' is in no operand
sd.ops.norm(q, axis=3)  # E: [shape] norm: shape (2, 4, 3): axis 3 is out of range for rank 3  # op: norm
sd.ops.einsum("btd,bd->bt", q, q)  # E: [shape] einsum: shapes (2, 4, 3) and (2, 4, 3): operand 1 has rank 3, but 'bd' names 2 axes

# ---- one operand is checked as several are -----------------------------------------------------
sd.ops.einsum("btdx->b", q)  # E: [shape] einsum: shape (2, 4, 3): operand 0 has rank 3, but 'btdx' names 4 axes
sd.ops.einsum("btd,bsd->bts", q)  # E: [shape] einsum: shape (2, 4, 3): subscripts 'btd,bsd->bts' name 2 operands, got 1
sd.ops.einsum("btd->btt", q)  # E: [shape] einsum: shape (2, 4, 3): output letter 't' appears twice


def scores(q: Tensor[tuple[B, T, D]], k: Tensor[tuple[B, T, E]]) -> None:
    sd.ops.einsum("btd,bsd->bts", q, k)  # E: [shape] einsum: shapes (B, T, D) and (B, T, E): letter 'd' is D at axis 2 of operand 0 but E at axis 2 of operand 1
