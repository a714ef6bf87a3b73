"""PyTorch's method names for what shapedl has under its own: the same types, literal and
symbolic."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)

x = sd.zeros((3, 4))
reveal_type(x.t())  # R: Tensor[tuple[Literal[4], Literal[3]], f32, NoTape]
reveal_type(x.float())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.traced().long())  # R: Tensor[tuple[Literal[3], Literal[4]], i64, Traced]
reveal_type(x.int())  # R: Tensor[tuple[Literal[3], Literal[4]], i32, NoTape]
reveal_type(x.bool())  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(x.half())  # R: Tensor[tuple[Literal[3], Literal[4]], f16, NoTape]
reveal_type(x.double())  # R: Tensor[tuple[Literal[3], Literal[4]], f64, NoTape]
reveal_type(x.type_as(sd.zeros((1,), dtype=sd.i64)))  # R: Tensor[tuple[Literal[3], Literal[4]], i64, NoTape]
reveal_type(x.dim())  # R: Literal[2]
reveal_type(x.size(0))  # R: Size[Literal[3]]
reveal_type(x.add(sd.ones((2, 1, 4))))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.traced().mul(2.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(x.lt(0.0))  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(x.neg())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.clip(-1.0, 1.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.cumsum(1))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.cumsum())  # R: Tensor[tuple[Literal[12]], f32, NoTape]
reveal_type(x.flip(0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.roll(1, 1))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.norm(2, -1))  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(x.expand_as(sd.zeros((5, 3, 4))))  # R: Tensor[tuple[Literal[5], Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.reshape_as(sd.zeros((12,))))  # R: Tensor[tuple[Literal[12]], f32, NoTape]
reveal_type(x.tile(2, 1))  # R: Tensor[tuple[Literal[6], Literal[4]], f32, NoTape]
reveal_type(x.traced().tile((2, 1, 3)))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[12]], f32, Traced]
reveal_type(x.tile(2))  # R: Tensor[tuple[Literal[3], Literal[8]], f32, NoTape]
reveal_type(x.logical_not())  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(x.logical_and(sd.ones((2, 1, 4))))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], bool_, NoTape]


def symbolic(x: Tensor[tuple[B, T]], y: Tensor[tuple[T, B], sd.i64]) -> None:
    reveal_type(x.t())  # R: Tensor[tuple[T, B], f32, NoTape]
    reveal_type(x.sub(x).div(2.0))  # R: Tensor[tuple[B, T], f32, NoTape]
    reveal_type(x.cumprod(0))  # R: Tensor[tuple[B, T], f32, NoTape]
    reveal_type(x.view_as(y))  # R: Tensor[tuple[T, B], f32, NoTape]
    reveal_type(x.ge(y.float().t()))  # R: Tensor[tuple[B, T], bool_, NoTape]
