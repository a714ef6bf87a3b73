"""Sizes that come from data: NumPy types the shape of most arrays (`rng.normal(size=...)`,
`.astype(...)`, a loaded file) as `tuple[Any, ...]`, so `n = arr.shape[0]` is `Any`; in a
tuple of sizes that is a size known at run time (`Dyn`), as an `int`'s is, and a shape held in
a variable makes `realize` give a tensor of unknown shape, never an error."""

# fmt: off
from __future__ import annotations

from typing import Any, assert_type

import numpy as np

import shapedl as sd
from shapedl import Const, Dyn, Tensor, f32, nn

rng = np.random.default_rng(0)
arr = rng.normal(size=(10, 6)).astype(np.float32)
n = arr.shape[0]  # Any in NumPy's stubs
raw = sd.from_numpy(arr)

# ---- 1. realize with a size read from the array -------------------------------------------
x = raw.realize((n, 6), sd.f32)
assert_type(x, Tensor[tuple[Dyn, Const[6]], f32])
batch = raw.realize((n, -1))
assert batch.shape == (10, 6)
lin = nn.Linear(6, 3)
out: Tensor[tuple[Dyn, Const[3]], f32] = lin(x)
assert out.shape == (10, 3)

# ---- 2. a shape held in a variable: the tensor's shape is unknown, still no error -------------
shape: tuple[int, ...] = arr.shape
whole = raw.realize(shape, sd.f32)
assert_type(whole, Tensor[Any, f32])
assert whole.shape == (10, 6)

# ---- 3. creation and reshape with such a size keep the other, literal ones --------------------
zeros = sd.zeros((n, 6))
assert_type(zeros, Tensor[tuple[Dyn, Const[6]], f32])
noise = sd.randn((n, 2, 3))
assert_type(noise, Tensor[tuple[Dyn, Const[2], Const[3]], f32])
rows = x.reshape(n, 2, 3)
assert_type(rows, Tensor[tuple[Dyn, Const[2], Const[3]], f32])
mask = sd.ones((n, 1)).broadcast_to((n, 6))
assert_type(mask, Tensor[tuple[Dyn, Const[6]], f32])
assert (x * mask).shape == (10, 6)
