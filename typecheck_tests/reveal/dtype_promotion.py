"""Integer and boolean tensors take NumPy's dtypes through ops, as at run time: `i64 / 2`,
`i64 * 0.5` and `exp` of an int are f64, `bool_ + 1` is i64, the sum of i32 is i64. Float
tensors keep theirs."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor, i32, i64

B = TypeVar("B", bound=Dim)

n = sd.arange(4, dtype=i64)
m = n.astype(i32)
hit = n > 1
x = sd.randn((4,))
reveal_type(n + 1)  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(n + 1.5)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(0.5 * n)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(n / 2)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(1 / n)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(n / n)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(m * 2)  # R: Tensor[tuple[Literal[4]], i32, NoTape]
reveal_type(m / 2)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(hit + 1)  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(hit * 1.0)  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(hit * True)  # R: Tensor[tuple[Literal[4]], bool_, NoTape]
reveal_type(m.sum())  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(hit.sum(axis=0))  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(n.exp())  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(sd.sqrt(m))  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(sd.maximum(n, 0.5))  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(sd.where(hit, n, 0.5))  # R: Tensor[tuple[Literal[4]], f64, NoTape]
reveal_type(sd.where(hit, n, 0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(sd.cumsum(m, axis=0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(n.clamp(0.5))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(n[1:] - n[:-1])  # R: Tensor[tuple[Literal[3]], i64, NoTape]
reveal_type(x / 2)  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(x.traced() * hit.astype(sd.f32))  # R: Tensor[tuple[Literal[4]], f32, Traced]


def generic(y: Tensor[tuple[B], i64], scale: float) -> None:
    reveal_type(y * scale)  # R: Tensor[tuple[B], f64, NoTape]
generic(sd.arange(2, dtype=i64), 0.5)
