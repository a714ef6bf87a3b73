"""Comparisons and `where` broadcast like arithmetic."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.zeros((3, 4))
y = sd.ones((3,))
_ = x < y  # E: [shape] lt: shapes (3, 4) and (3,): cannot broadcast 4 against 3 at axis -1  # op: lt
_ = x <= y  # E: [shape] le: shapes (3, 4) and (3,)  # op: le
_ = x > y  # E: [shape] gt: shapes (3, 4) and (3,)  # op: gt
_ = x >= y  # E: [shape] ge: shapes (3, 4) and (3,)  # op: ge
x.eq(y)  # E: [shape] eq: shapes (3, 4) and (3,)  # op: eq
sd.ops.ne(x, y)  # E: [shape] ne: shapes (3, 4) and (3,)  # op: ne
sd.ops.where(x > 0, x, y)  # E: [shape] where: shapes (3, 4) and (3, 4) and (3,)  # op: where
