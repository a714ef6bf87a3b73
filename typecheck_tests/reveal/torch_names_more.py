"""More of PyTorch's names users port: the shape each gives, dtypes and tapes as the
runtime's."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((2, 3, 4))
reveal_type(x.movedim(0, -1))  # R: Tensor[tuple[Literal[3], Literal[4], Literal[2]], f32, NoTape]
reveal_type(sd.moveaxis(x.traced(), (0, 1), (2, 0)))  # R: Tensor[tuple[Literal[3], Literal[4], Literal[2]], f32, Traced]
reveal_type(x.swapaxes(0, 2))  # R: Tensor[tuple[Literal[4], Literal[3], Literal[2]], f32, NoTape]
reveal_type(sd.swapdims(x.astype(sd.i64), 0, 1))  # R: Tensor[tuple[Literal[3], Literal[2], Literal[4]], i64, NoTape]
reveal_type(x.diagonal(0, 1, 2))  # R: Tensor[tuple[Literal[2], Literal[3]], f32, NoTape]
reveal_type(sd.diagonal(x.traced(), -1, -1, 0))  # R: Tensor[tuple[Literal[3], Literal[2]], f32, Traced]
reveal_type(sd.diag(sd.ones((3,)), 2))  # R: Tensor[tuple[Literal[5], Literal[5]], f32, NoTape]
reveal_type(sd.ones((3, 5)).diag(1))  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(sd.trace(x[0].traced()))  # R: Tensor[tuple[()], f32, Traced]
reveal_type(sd.trace(x[0].astype(sd.i32)))  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(sd.meshgrid(sd.arange(3), sd.arange(4)))  # R: tuple[Tensor[tuple[Literal[3], Literal[4]], i64, NoTape], Tensor[tuple[Literal[3], Literal[4]], i64, NoTape]]
reveal_type(sd.meshgrid(x[0, 0], x[0, 0, :2], indexing="xy")[0])  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(sd.randperm(7))  # R: Tensor[tuple[Literal[7]], i64, NoTape]
reveal_type(sd.randperm(2, dtype=sd.f32))  # R: Tensor[tuple[Literal[2]], f32, NoTape]
