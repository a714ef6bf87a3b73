"""Scans of integers and booleans count in i64, as their sums do and as at run time (PyTorch's
dtypes); an i32 to a Python int power stays i32."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor, i32

B = TypeVar("B", bound=Dim)

m = sd.arange(4, dtype=i32)
hit = m > 1
reveal_type(m.cumsum(0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(m.cumprod(0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(sd.ops.cumsum(m))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(sd.ops.cumprod(m, axis=0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(hit.cumsum(0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(sd.arange(4).cumsum(0))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(sd.ones((4,)).cumsum(0))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(m ** 2)  # R: Tensor[tuple[Literal[4]], i32, NoTape]
reveal_type(m ** 0)  # R: Tensor[tuple[Literal[4]], i32, NoTape]
reveal_type(m ** 2 + m)  # R: Tensor[tuple[Literal[4]], i32, NoTape]


def generic(y: Tensor[tuple[B], i32]) -> None:
    reveal_type(y.cumsum(0))  # R: Tensor[tuple[B], i64, NoTape]
    reveal_type(y ** 2)  # R: Tensor[tuple[B], i32, NoTape]
