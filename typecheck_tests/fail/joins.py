"""Joins of shapes (a list of tensors of different sizes) keep the errors that matter."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Mul, Tensor, nn

lin: nn.Linear[Const[3], Const[4]] = nn.Linear(3, 5)  # E: [assignment]
x: Tensor[tuple[Const[3]]] = sd.randn((4,))  # E: [assignment]
sd.stack([sd.randn((3, 4)), sd.randn((3, 5))])  # E: [shape] stack: shapes (3, 4) and (3, 5)


def first(xs: list[Tensor[tuple[Const[3]]]]) -> None: ...


first([sd.randn((3,)), sd.randn((4,))])  # E: [list-item]


# ---- dimension arithmetic over a function's own type variables -------------------------------
B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)


def halves(x: Tensor[tuple[B, Mul[Const[2], D]]]) -> Tensor[tuple[B, D]]:
    return x[:, ::2]


def gate(x: Tensor[tuple[B, Mul[Const[2], D]]], bias: Tensor[tuple[D]]) -> Tensor[tuple[B, D]]:
    return x[:, ::2] + bias


halves(sd.randn((2, 7)))  # E: [arg-type]
gate(sd.randn((2, 8)), sd.zeros((5,)))  # E: [arg-type] Literal[10]]

# a join has its items' dtype (f64 here), not the f32 of an unsolved default
x64 = sd.randn((3, 4)).astype(sd.f64)
f32_rows: Tensor[tuple[Const[6], Const[4]]] = sd.concat([x64, x64])  # E: [assignment]
where_64: Tensor[tuple[Const[3], Const[4]]] = sd.where(x64 > 0, x64, 0.0)  # E: [arg-type]


# a list held in a variable: the sizes its tensors share are still checked
def _chunks(parts: list[Tensor[tuple[sd.Dyn, Const[16]]]]) -> None:
    sd.concat(parts, axis=0) @ sd.randn((5, 3))  # E: [shape] matmul: shapes (Dyn, 16) and (5, 3)
