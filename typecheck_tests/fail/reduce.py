"""Reductions: an axis out of range or repeated is a `[shape]` error naming the rank."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.zeros((2, 3))
x.sum(axis=2)  # E: [shape] sum: shape (2, 3): axis 2 is out of range for rank 2  # op: sum
x.sum(axis=-3)  # E: [shape] sum: shape (2, 3): axis -3 is out of range for rank 2
sd.ops.sum(x, axis=(0, 0))  # E: [shape] sum: shape (2, 3): axis (0, 0) repeats an axis
