"""cumsum, cumprod, argsort, sort and topk check their axis (topk its k); sort's indices are
int64 and untraced."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, i64

x = sd.zeros((3, 4))
sd.ops.cumsum(x, axis=2)  # E: [shape] cumsum: shape (3, 4): axis 2 is out of range for rank 2  # op: cumsum
sd.ops.cumprod(x, -3)  # E: [shape] cumprod: shape (3, 4): axis -3 is out of range for rank 2  # op: cumprod
sd.ops.argsort(x, 2)  # E: [shape] argsort: shape (3, 4): axis 2 is out of range for rank 2  # op: argsort
flat: Tensor[tuple[Const[3], Const[4]]] = sd.ops.cumsum(x)  # E: [assignment]
sd.ops.sort(x, axis=2)  # E: [shape] sort: shape (3, 4): axis 2 is out of range for rank 2  # op: sort
sd.ops.topk(x, 5)  # E: [shape] topk: shape (3, 4): k 5 is larger than axis -1 of size 4  # op: topk
sd.ops.topk(x, 2, axis=-3)  # E: [shape] topk: shape (3, 4): axis -3 is out of range for rank 2
values, indices = sd.ops.sort(x.traced())
as_values: Tensor[tuple[Const[3], Const[4]], sd.f32] = indices  # E: [assignment]
untraced: Tensor[tuple[Const[3], Const[4]], sd.f32, sd.NoTape] = values  # E: [assignment]
wrong_k: Tensor[tuple[Const[3], Const[3]], i64] = sd.ops.topk(x, 2)[1]  # E: [assignment]
