"""Idioms of models ported from PyTorch: their neighbouring real errors are still caught."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, DType, Tensor, nn

B = TypeVar("B", bound=Dim)
DT = TypeVar("DT", bound=DType)

body = nn.Sequential(*[nn.Linear(8, 8) for _ in range(3)])
w: Tensor[tuple[Const[8], Const[4]]] = body[0].weight  # E: [assignment]
body[1](sd.randn((2, 4)))  # E: [shape] Linear


# ---- a list of tensors takes other sizes where mypy inferred it, not another rank or a written type
def kept(x: Tensor[tuple[B, Const[3]]]) -> None:
    xs = [x]
    xs.append(x.sum(axis=1))  # E: [arg-type]
    ys: list[Tensor[tuple[B, Const[3]]]] = []
    ys.append(sd.concat([x, x], axis=1))  # E: [arg-type]


def zeros_like(x: Tensor[tuple[B], DT]) -> Tensor[tuple[B], sd.f32]:
    return sd.zeros(x.shape, dtype=x.dtype)  # E: [arg-type]
