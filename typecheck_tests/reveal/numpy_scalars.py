"""A NumPy scalar operand is a Python scalar: the tensor keeps its shape, and an integer
tensor takes the dtype NumPy gives it with that scalar."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import numpy as np

import shapedl as sd
from shapedl import i64

x = sd.randn((5, 3))
n = sd.arange(3, dtype=i64)
reveal_type(x - np.float32(0.5))  # R: Tensor[tuple[Literal[5], Literal[3]], f32, NoTape]
reveal_type(x.traced() * np.float64(2.0))  # R: Tensor[tuple[Literal[5], Literal[3]], f32, Traced]
reveal_type(sd.where(x > 0, x, np.float32(0.0)))  # R: Tensor[tuple[Literal[5], Literal[3]], f32, NoTape]
reveal_type(n * np.float32(0.5))  # R: Tensor[tuple[Literal[3]], f64, NoTape]
reveal_type(n + np.int64(2))  # R: Tensor[tuple[Literal[3]], i64, NoTape]
