"""Elementwise ops: unary keeps the shape, binary ops broadcast; tape and dtype propagate."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((3, 4))
row = sd.ones((4,))
col = sd.ones((3, 1))
reveal_type(x + row)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(col * row)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x - 1)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(2.0 / x)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.traced() * row)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(row ** x.traced())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.ops.add(row, col.traced()))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.ops.maximum(x, 0.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.maximum(col))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.relu().exp())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ops.tanh(x.traced()))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(x.astype(sd.f64))  # R: Tensor[tuple[Literal[3], Literal[4]], f64, NoTape]
reveal_type(-x)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.clamp(0.0, 1.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.traced() % row)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(col // row)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.arange(4, dtype=sd.i64) // 2)  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(7 % sd.arange(4, dtype=sd.i64))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
