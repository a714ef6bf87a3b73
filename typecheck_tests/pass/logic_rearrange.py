"""Logical ops, `& | ^ ~`, roll, flip, repeat and tile with literal and symbolic sizes."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Mul, Tensor, bool_

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)

x = sd.ones((3, 4))
m = x > 0
l1: Tensor[tuple[Const[3], Const[4]], bool_] = sd.ops.logical_and(m, x < 2)  # op: logical_and
l2: Tensor[tuple[Const[3], Const[4]], bool_] = sd.ops.logical_or(m, sd.ones((4,)))  # op: logical_or
l3: Tensor[tuple[Const[3], Const[4]], bool_] = sd.ops.logical_xor(m, True)  # op: logical_xor
l4: Tensor[tuple[Const[3], Const[4]], bool_] = sd.ops.logical_not(x)  # op: logical_not
o1: Tensor[tuple[Const[3], Const[4]], bool_] = (m & (x < 2)) | ~m ^ (sd.ones((4,)) > 0)
r1: Tensor[tuple[Const[3], Const[4]]] = sd.ops.roll(x, 1, axis=0)  # op: roll
r2: Tensor[tuple[Const[3], Const[4]]] = sd.ops.flip(x, (0, 1))  # op: flip
r3: Tensor[tuple[Const[3], Const[8]]] = sd.ops.repeat(x, 2, axis=1)  # op: repeat
r4: Tensor[tuple[Const[24]]] = sd.ops.repeat(x, 2)
r5: Tensor[tuple[Const[6], Const[4]]] = sd.ops.repeat(x, [1, 0, 5], axis=0)
r6: Tensor[tuple[Const[2], Const[6], Const[4]]] = sd.ops.tile(x, (2, 2, 1))  # op: tile


def doubled(x: Tensor[tuple[B, T]], k: int) -> Tensor[tuple[B, Mul[Const[2], T]]]:
    rolled = sd.ops.flip(sd.ops.roll(x, k, axis=k), k)
    keep: Tensor[tuple[B, Dyn]] = sd.ops.repeat(rolled, k, axis=1)
    assert keep.shape[0] == x.shape[0]
    return sd.ops.tile(rolled, (1, 2))


assert doubled(x, 1).shape == (3, 8) and o1.shape == (3, 4) and r5.shape == (6, 4)
