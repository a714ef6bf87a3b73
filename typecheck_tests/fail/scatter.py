"""one_hot needs a class count that is not negative; scatter_add checks ranks and extents."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import i64

labels = sd.zeros((4,), dtype=i64)
sd.ops.one_hot(labels, -3)  # E: [shape] one_hot: shape (4,): num_classes -3 is negative  # op: one_hot
x = sd.zeros((5, 3))
sd.ops.scatter_add(x, 0, sd.zeros((4,), dtype=i64), sd.ones((4, 3)))  # E: [shape] scatter_add: shapes (5, 3) and (4,) and (4, 3): index has rank 1, x has rank 2  # op: scatter_add
sd.ops.scatter_add(x, 1, sd.zeros((6, 3), dtype=i64), sd.ones((6, 3)))  # E: [shape] scatter_add: shapes (5, 3) and (6, 3) and (6, 3): index has size 6 at axis 0, x only 5
sd.ops.scatter_add(x, 0, sd.zeros((4, 3), dtype=i64), sd.ones((3, 3)))  # E: [shape] scatter_add: shapes (5, 3) and (4, 3) and (3, 3): index has size 4 at axis 0, src only 3
