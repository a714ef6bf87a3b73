"""Joins of shapes (a list of tensors of different sizes) keep the errors that matter."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, nn

lin: nn.Linear[Const[3], Const[4]] = nn.Linear(3, 5)  # E: [assignment]
x: Tensor[tuple[Const[3]]] = sd.randn((4,))  # E: [assignment]
sd.stack([sd.randn((3, 4)), sd.randn((3, 5))])  # E: [shape] stack: shapes (3, 4) and (3, 5)


def first(xs: list[Tensor[tuple[Const[3]]]]) -> None: ...


first([sd.randn((3,)), sd.randn((4,))])  # E: [list-item]
