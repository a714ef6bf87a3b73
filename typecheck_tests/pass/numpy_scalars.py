"""NumPy scalars where Python's go (statistics computed in NumPy, `np.float32(...)`, sizes
counted by NumPy): every op takes them as the scalars they hold, so no error, and it runs."""

from __future__ import annotations

import numpy as np

import shapedl as sd
from shapedl import Const, Tensor, f64, i64

rng = np.random.default_rng(0)
data = rng.standard_normal((8, 3)).astype(np.float32)
x = sd.tensor(data).realize((8, 3), sd.f32)

normed: Tensor[tuple[Const[8], Const[3]]] = (x - np.mean(data)) / np.float32(data.std())
clipped = x.clamp(np.float32(-1.0), np.float32(1.0))
relu = sd.where(x > 0, x, np.float32(0.0))
filled = sd.full((2,), np.float32(1.5))
ids = sd.arange(3, dtype=i64)
halves: Tensor[tuple[Const[3]], f64] = ids * np.float64(0.5)
count = np.int64(len(data)) // 2
mask_rows = sd.zeros((count, np.int64(3)))

assert normed.shape == clipped.shape == relu.shape == (8, 3)
assert filled.tolist() == [1.5, 1.5] and halves.tolist() == [0.0, 0.5, 1.0]
assert mask_rows.shape == (int(count), 3)
