"""one_hot and scatter_add with literal and symbolic sizes."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Size, Tensor, Traced, i64

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)

labels = sd.zeros((4, 2), dtype=i64)
h: Tensor[tuple[Const[4], Const[2], Const[10]], i64] = sd.ops.one_hot(labels, 10)  # op: one_hot
x = sd.zeros((5, 3))
src = sd.ones((4, 3)).traced()
s: Tensor[tuple[Const[5], Const[3]], sd.f32, Traced] = sd.ops.scatter_add(  # op: scatter_add
    x, 0, sd.zeros((4, 3), dtype=i64), src
)


def encode(y: Tensor[tuple[B], i64], classes: Size[C]) -> Tensor[tuple[B, C], i64]:
    return sd.ops.one_hot(y, classes)


assert encode(sd.zeros((3,), dtype=i64), sd.ones((4,)).shape[0]).shape == (3, 4) and s.shape == (
    5,
    3,
)
