"""concat/stack: the other dims must agree; split/chunk: the sections must fit."""

# fmt: off
from __future__ import annotations

import shapedl as sd

a = sd.zeros((2, 3))
b = sd.ones((4, 5))
sd.ops.concat([a, b], axis=0)  # E: [shape] concat: shapes (2, 3) and (4, 5)  # op: concat
sd.ops.concat([a, a], axis=2)  # E: [shape] concat: shape (2, 3): axis 2 is out of range for rank 2
sd.ops.stack([a, b])  # E: [shape] stack: shapes (2, 3) and (4, 5)  # op: stack
a.split(2, axis=1)  # E: [shape] split: shape (2, 3)  # op: split
sd.ops.split(a, 3, axis=2)  # E: [shape] split: shape (2, 3): axis 2 is out of range for rank 2
a.chunk(2, axis=3)  # E: [shape] chunk: shape (2, 3): axis 3 is out of range  # op: chunk
