"""More elementwise math, tests of values, products, `_like` creation and draws: the shape is
kept or computed by the op's rule; dtypes and tapes as the runtime's."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((3, 4))
row = sd.ones((4,))
reveal_type(x.log1p())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.erf(x.traced()))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.atan2(x.traced(), row))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.atan2(2.0, row))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(sd.arange(4, dtype=sd.i64).log2())  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(sd.arange(4, dtype=sd.i64).floor())  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(x.traced().round(2))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(x.traced().isnan())  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(sd.isfinite(x.traced()))  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(x.traced().nan_to_num(nan=1.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(x.traced().count_nonzero(axis=0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(x.count_nonzero(axis=1, keepdims=True))  # R: Tensor[tuple[Literal[3], Literal[1]], i64, NoTape]
reveal_type(x.traced().prod(axis=1))  # R: Tensor[tuple[Literal[3]], f32, Traced]
reveal_type(x.prod())  # R: Tensor[tuple[()], f32, NoTape]
reveal_type(sd.arange(4, dtype=sd.i32).prod())  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(sd.outer(row.traced(), x[:, 0]))  # R: Tensor[tuple[Literal[4], Literal[3]], f32, Traced]
reveal_type(x.traced().clone())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.zeros_like(x.traced()))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.full_like(x, 1, dtype=sd.i64))  # R: Tensor[tuple[Literal[3], Literal[4]], i64, NoTape]
reveal_type(sd.randn_like(row.astype(sd.f64)))  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(sd.randint(0, 5, (2, 3)))  # R: Tensor[tuple[Literal[2], Literal[3]], i64, NoTape]
reveal_type(sd.randint(0, 5, 4, dtype=sd.i32))  # R: Tensor[tuple[Literal[4]], i32, NoTape]
reveal_type(sd.linspace(0, 1, 9))  # R: Tensor[tuple[Literal[9]], f32, NoTape]
reveal_type(sd.multinomial(x.traced().softmax(), 2))  # R: Tensor[tuple[Literal[3], Literal[2]], i64, NoTape]
reveal_type(row.multinomial(10, replacement=True))  # R: Tensor[tuple[Literal[10]], i64, NoTape]
