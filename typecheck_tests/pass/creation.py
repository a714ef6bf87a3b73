"""Creation with literal, run-time and symbolic sizes; annotations in every spelling."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dyn, Rank2, Tensor, f64, i64

a: Tensor[tuple[Const[3], Const[4]]] = sd.zeros((3, 4))  # op: zeros
b: Tensor[Rank2[3, 4]] = sd.ones((3, 4))  # op: ones
c: Tensor[tuple[Const[2], Const[2]]] = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
d: Tensor[tuple[Const[2]], f64] = sd.full((2,), 0.5, dtype=sd.f64)  # op: full
e: Tensor[tuple[Const[4], Const[1]]] = sd.randn((4, 1))  # op: randn
f: Tensor[tuple[()]] = sd.rand(())  # op: rand
g: Tensor[tuple[Const[5]], i64] = sd.arange(5)  # op: arange
g2: Tensor[tuple[Const[5]]] = sd.arange(5.0)
g3: Tensor[tuple[Const[5]], f64] = sd.arange(5, dtype=sd.f64)
assert sd.zeros((6, 3))[sd.arange(4)].shape == (4, 3)  # int64 indices, as in PyTorch
g4: Tensor[tuple[Const[4], Const[2]]] = sd.nn.Embedding(5, 2)(sd.arange(4))
g5: Tensor[tuple[Const[4], Const[2]]] = sd.nn.Embedding(5, 2, padding_idx=0)(sd.arange(4))
h: Tensor[tuple[Const[3], Const[3]]] = sd.eye(3)  # op: eye
n = len([1, 2, 3])
i: Tensor[tuple[Dyn, Const[4]]] = sd.zeros((n, 4))
j: Tensor[tuple[Const[3], Const[4]]] = i.realize((3, 4))
k: Tensor[tuple[Const[1352]]] = sd.zeros((8 * 13 * 13,))

B = TypeVar("B", bound=sd.Dim)
C = TypeVar("C", bound=sd.Dim)


def widen(x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, sd.Mul[Const[2], C]]]:
    b, c = x.shape
    return sd.zeros((b, 2 * c))


assert widen(sd.ones((3, 5))).shape == (3, 10)
assert j.shape == (3, 4) and k.shape == (1352,)

# a size written `int` (or `Dim`) is any size: created tensors of literal sizes fit it
as_ints: Tensor[tuple[int, int]] = sd.zeros((3, 4))
as_dims: Tensor[tuple[sd.Dim, sd.Dim]] = sd.ones((3, 4))
any_rank: Tensor[tuple[int, ...]] = sd.zeros((2, 3, 4))


def twice(x: Tensor[tuple[int, ...]]) -> Tensor[tuple[int, ...]]:
    return x * 2


assert twice(sd.ones((2, 2))).shape == (2, 2) and any_rank.shape == (2, 3, 4)

# the dtype asked for, or the default, wherever the tensor goes
looked_up = sd.nn.Embedding(10, 4)(sd.zeros((2, 3), dtype=i64))
doubles: Tensor[tuple[int], f64] = sd.ones((3,), f64)
counted: Tensor[tuple[int], i64] = sd.arange(4) + sd.randint(0, 5, (4,))
assert looked_up.shape == (2, 3, 4) and doubles.dtype is f64 and counted.dtype is i64
