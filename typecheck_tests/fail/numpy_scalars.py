"""A NumPy scalar operand changes neither the shape checks nor the dtypes: an integer tensor
scaled by a NumPy float is f64, as at run time."""

# fmt: off
from __future__ import annotations

import numpy as np

import shapedl as sd
from shapedl import Const, Tensor, i64

x = sd.randn((5, 3))
ids = sd.arange(3, dtype=i64)
kept: Tensor[tuple[Const[3]], i64] = ids * np.float32(0.5)  # E: [assignment]
sd.where(x > 0, x, sd.zeros((4,)))  # E: [shape] where: shapes
