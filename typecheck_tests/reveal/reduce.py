"""Reductions over literal axes (int, tuple, negative) with and without keepdims."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((2, 3, 4))
reveal_type(x.sum())  # R: Tensor[tuple[()], f32, NoTape]
reveal_type(x.sum(axis=1))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(x.sum(-1))  # R: Tensor[tuple[Literal[2], Literal[3]], f32, NoTape]
reveal_type(x.sum(axis=(0, 2)))  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(x.sum(axis=1, keepdims=True))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[4]], f32, NoTape]
reveal_type(sd.ops.sum(x.traced(), axis=0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
