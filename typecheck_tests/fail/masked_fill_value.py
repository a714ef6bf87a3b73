"""`masked_fill`'s value is a number or a 0-d tensor, as PyTorch's: the same words as the
run time's."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor

B = TypeVar("B", bound=Dim)

x = sd.zeros((3, 4))
x.masked_fill(x > 0, sd.ones((4,)))  # E: [shape] masked_fill: shapes (3, 4) and (3, 4) and (4,): the value must be a number or a 0-d tensor, not 1-d (as PyTorch's); fill with a tensor of values: sd.where(mask, values, x)
t: Tensor[tuple[Const[3], Const[4]]] = x.masked_fill(x > 0, sd.ones(()).traced())  # E: [assignment]


def per_row(y: Tensor[tuple[B, Const[4]]], v: Tensor[tuple[B]]) -> None:
    y.masked_fill(y > 0, v)  # E: [shape] masked_fill: shapes (B, 4) and (B, 4) and (B,): the value must be a number or a 0-d tensor, not 1-d
