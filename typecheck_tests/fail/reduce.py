"""Reductions: an axis out of range or repeated is a `[shape]` error naming the rank."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.zeros((2, 3))
x.sum(axis=2)  # E: [shape] sum: shape (2, 3): axis 2 is out of range for rank 2  # op: sum
x.sum(axis=-3)  # E: [shape] sum: shape (2, 3): axis -3 is out of range for rank 2
sd.ops.sum(x, axis=(0, 0))  # E: [shape] sum: shape (2, 3): axis (0, 0) repeats an axis
x.mean(axis=5)  # E: [shape] mean: shape (2, 3): axis 5 is out of range  # op: mean
x.max(axis=(1, -1))  # E: [shape] max: shape (2, 3): axis (1, -1) repeats an axis  # op: max
sd.zeros((0, 3)).min(axis=0)  # E: [shape] min: shape (0, 3): axis 0 has size 0  # op: min
x.var(axis=2)  # E: [shape] var: shape (2, 3): axis 2 is out of range  # op: var
x.std(axis=-4, ddof=1)  # E: [shape] std: shape (2, 3): axis -4 is out of range  # op: std
x.logsumexp(axis=3)  # E: [shape] logsumexp: shape (2, 3): axis 3  # op: logsumexp
x.argmax(axis=2)  # E: [shape] argmax: shape (2, 3): axis 2 is out of range  # op: argmax
sd.ops.argmin(x, axis=-3)  # E: [shape] argmin: shape (2, 3): axis -3  # op: argmin
(x > 0).any(axis=2)  # E: [shape] any: shape (2, 3): axis 2 is out of range  # op: any
sd.ops.all(x, axis=(1, 1))  # E: [shape] all: shape (2, 3): axis (1, 1) repeats an axis  # op: all
x.softmax(axis=2)  # E: [shape] softmax: shape (2, 3): axis 2 is out of range for rank 2  # op: softmax
x.log_softmax(axis=-3)  # E: [shape] log_softmax: shape (2, 3): axis -3 is out of range  # op: log_softmax
