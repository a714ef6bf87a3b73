"""Reductions over literal axes."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.ones((2, 3, 4))
a: Tensor[tuple[()]] = x.sum()  # op: sum
b: Tensor[tuple[Const[2], Const[4]]] = x.sum(axis=1)
c: Tensor[tuple[Const[2], Const[1], Const[4]]] = x.sum(axis=-2, keepdims=True)
d: Tensor[tuple[Const[3]]] = sd.ops.sum(x, axis=(0, 2))
assert d.tolist() == [8.0, 8.0, 8.0]
