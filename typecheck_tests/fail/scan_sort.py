"""cumsum, cumprod and argsort check their axis."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.zeros((3, 4))
sd.ops.cumsum(x, axis=2)  # E: [shape] cumsum: shape (3, 4): axis 2 is out of range for rank 2  # op: cumsum
sd.ops.cumprod(x, -3)  # E: [shape] cumprod: shape (3, 4): axis -3 is out of range for rank 2  # op: cumprod
sd.ops.argsort(x, 2)  # E: [shape] argsort: shape (3, 4): axis 2 is out of range for rank 2  # op: argsort
flat: Tensor[tuple[Const[3], Const[4]]] = sd.ops.cumsum(x)  # E: [assignment]
