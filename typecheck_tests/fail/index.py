"""Indexing: literal ints must be in range, no more indices than axes; gather/select ranks."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.zeros((2, 3, 4))
x[2]  # E: [shape] getitem: shape (2, 3, 4)  # op: getitem
x[0, -4]  # E: [shape] getitem: shape (2, 3, 4)
x[0, 0, 0, 0]  # E: [shape] getitem: shape (2, 3, 4)
m = sd.zeros((3, 4))
m.gather(sd.zeros((3,), dtype=sd.i64))  # E: [shape] gather: shapes (3, 4) and (3,): index has rank 1, x has rank 2  # op: gather
m.select(sd.zeros((2, 2), dtype=sd.i64))  # E: [shape] select: shapes (3, 4) and (2, 2): index must be 1-d, not rank 2  # op: select
sd.ops.tril(sd.ones((3,)))  # E: [shape] tril: shape (3,): needs at least 2 axes (a matrix), got rank 1  # op: tril
sd.ones((3,)).triu()  # E: [shape] triu: shape (3,): needs at least 2 axes  # op: triu
m.masked_fill(sd.ones((3, 4, 2)) > 0, 0.0)  # E: [shape] masked_fill: shapes (3, 4) and (3, 4, 2)  # op: masked_fill
sd.ops.pad(m, ((1, 1), (1, 1), (1, 1)))  # E: [shape] pad: shape (3, 4): pad_width ((1, 1), (1, 1), (1, 1)) does not give (before, after) for rank 2  # op: pad
