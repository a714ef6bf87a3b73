"""cumsum, cumprod, argsort, sort and topk with literal and symbolic sizes."""

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
values, indices = sd.ops.sort(x, axis=0)  # op: sort
v1: Tensor[tuple[Const[3], Const[4]]] = values
i1: Tensor[tuple[Const[3], Const[4]], i64] = indices
top, where = sd.ops.topk(x, 2)  # op: topk
t1: Tensor[tuple[Const[3], Const[2]], sd.f32] = top
t2: Tensor[tuple[Const[3], Const[2]], i64] = where
t3: Tensor[Any, sd.f64] = sd.ops.topk(sd.ones((5,), sd.f64), 5, largest=False)[0]
traced_values: Tensor[tuple[Const[2], Const[4]], sd.f32, sd.Traced]
untraced_indices: Tensor[tuple[Const[2], Const[4]], i64, sd.NoTape]
traced_values, untraced_indices = sd.ops.topk(x.traced(), 2, axis=0)


def top3(x: Tensor[tuple[B, T]]) -> tuple[Tensor[tuple[B, Const[3]]], Tensor[tuple[B, T], i64]]:
    values, _ = sd.ops.topk(x, 3)
    return values, sd.ops.sort(x, descending=True)[1]


def flat(x: Tensor[tuple[B, T]]) -> Tensor[tuple[Mul[B, T]]]:
    order: Tensor[tuple[B, T], i64] = sd.ops.argsort(sd.ops.cumsum(x, 1))
    assert order.shape == x.shape
    return sd.ops.cumprod(x)


assert flat(x).shape == (12,) and t1.shape == (3, 2) and i1.shape == (3, 4)
assert top3(x)[0].shape == (3, 3) and untraced_indices.shape == (2, 4)
