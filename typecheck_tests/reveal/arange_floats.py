"""`arange` with float bounds or steps has NumPy's length, `ceil((stop - start) / step)`."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

n = int("3")
reveal_type(sd.arange(0, 1, 0.1))  # R: Tensor[tuple[Literal[10]], f32, NoTape]
reveal_type(sd.arange(5.0))  # R: Tensor[tuple[Literal[5]], f32, NoTape]
reveal_type(sd.arange(1, 0, -0.25))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(sd.arange(0.5, n))  # R: Tensor[tuple[Any], f32, NoTape]
reveal_type(sd.arange(0, 7, 2))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
