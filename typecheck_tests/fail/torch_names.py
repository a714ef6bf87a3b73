"""PyTorch's method names: the ops' own shape errors, and results that are not what is annotated."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.randn((2, 3))
x.add(sd.ones((4,)))  # E: [shape] add: shapes (2, 3) and (4,): cannot broadcast 3 against 4 at axis -1
x.traced().mul(sd.ones((3, 3)))  # E: [shape] mul: shapes (2, 3) and (3, 3): cannot broadcast 2 against 3 at axis -2
x.lt(sd.ones((2, 2)))  # E: [shape] lt: shapes (2, 3) and (2, 2): cannot broadcast 3 against 2 at axis -1
x.cumsum(2)  # E: [shape] cumsum: shape (2, 3): axis 2 is out of range for rank 2
x.flip(5)  # E: [shape] flip: shape (2, 3): axis 5 is out of range for rank 2
f1: Tensor[tuple[Const[2], Const[3]], sd.i64] = x.float()  # E: [assignment]
f2: Tensor[tuple[Const[2], Const[3]]] = x.t()  # E: [assignment]
f3: Tensor[tuple[Const[3]]] = x.norm(2, 1)  # E: [assignment]
sd.ones((2, 3, 4)).t()  # E: [misc]
x.tile(2, -1)  # E: [shape] tile: shape (2, 3): reps (2, -1) has a negative count
x.logical_or(sd.ones((4,)))  # E: [shape] logical_or: shapes (2, 3) and (4,): cannot broadcast 3 against 4 at axis -1
