"""Logical ops broadcast like comparisons; roll, flip, repeat and tile check axes and counts."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.zeros((3, 4))
m = x > 0
y = sd.ones((3,)) > 0
sd.ops.logical_and(m, y)  # E: [shape] logical_and: shapes (3, 4) and (3,): cannot broadcast 4 against 3 at axis -1  # op: logical_and
sd.ops.logical_or(m, y)  # E: [shape] logical_or: shapes (3, 4) and (3,)  # op: logical_or
sd.ops.logical_xor(m, y)  # E: [shape] logical_xor: shapes (3, 4) and (3,)  # op: logical_xor
_ = m & y  # E: [shape] logical_and: shapes (3, 4) and (3,)
_ = m | y  # E: [shape] logical_or: shapes (3, 4) and (3,)
_ = m ^ y  # E: [shape] logical_xor: shapes (3, 4) and (3,)
_ = x & m  # E: [misc] Invalid self argument
negated = sd.ops.logical_not(m)  # op: logical_not
bad: sd.Tensor[tuple[sd.Const[4], sd.Const[3]], sd.bool_] = negated  # E: [assignment]
sd.ops.roll(x, 1, axis=2)  # E: [shape] roll: shape (3, 4): axis 2 is out of range for rank 2  # op: roll
sd.ops.roll(x, (1, 2), axis=(0,))  # E: [shape] roll: shape (3, 4): 2 shifts for 1 axes (0,)
sd.ops.flip(x, (0, -2))  # E: [shape] flip: shape (3, 4): axis (0, -2) repeats an axis  # op: flip
sd.ops.repeat(x, [1, 2], axis=0)  # E: [shape] repeat: shape (3, 4): 2 repeats for 3 values at axis 0; give one per value  # op: repeat
sd.ops.tile(x, (2, -1))  # E: [shape] tile: shape (3, 4): reps (2, -1) has a negative count  # op: tile
