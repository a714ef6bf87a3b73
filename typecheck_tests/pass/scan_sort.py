"""cumsum, cumprod, argsort with literal and symbolic sizes; sort and topk by plain typing."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Mul, Tensor, i64

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)

x = sd.ones((3, 4))
s1: Tensor[tuple[Const[3], Const[4]]] = sd.ops.cumsum(x, axis=1)  # op: cumsum
s2: Tensor[tuple[Const[12]]] = sd.ops.cumsum(x)
p1: Tensor[tuple[Const[3], Const[4]]] = sd.ops.cumprod(x, axis=-2)  # op: cumprod
a1: Tensor[tuple[Const[3], Const[4]], i64] = sd.ops.argsort(x, descending=True)  # op: argsort
a2: Tensor[tuple[Const[12]], i64] = sd.ops.argsort(x, axis=None)
values, indices = sd.ops.sort(x, axis=0)
v1: Tensor[tuple[Const[3], Const[4]]] = values
i1: Tensor[tuple[Const[3], Const[4]], i64] = indices
top, where = sd.ops.topk(x, 2)
t1: Tensor[Any, sd.f32] = top
t2: Tensor[Any, i64] = where


def flat(x: Tensor[tuple[B, T]]) -> Tensor[tuple[Mul[B, T]]]:
    order: Tensor[tuple[B, T], i64] = sd.ops.argsort(sd.ops.cumsum(x, 1))
    assert order.shape == x.shape
    return sd.ops.cumprod(x)


assert flat(x).shape == (12,) and t1.shape == (3, 2) and i1.shape == (3, 4)
