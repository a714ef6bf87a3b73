"""Creation: literal ints give Const dims, other ints Dyn, Size values their symbol."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Tensor

n: int = 5

reveal_type(sd.zeros((3, 4)))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.zeros((n, 4)))  # R: Tensor[tuple[Any, Literal[4]], f32, NoTape]
reveal_type(sd.zeros(7))  # R: Tensor[tuple[Literal[7]], f32, NoTape]
reveal_type(sd.ones((2, 3), dtype=sd.f64))  # R: Tensor[tuple[Literal[2], Literal[3]], f64, NoTape]
reveal_type(sd.full((2,), 1.5))  # R: Tensor[tuple[Literal[2]], f32, NoTape]
reveal_type(sd.randn((4, 1)))  # R: Tensor[tuple[Literal[4], Literal[1]], f32, NoTape]
reveal_type(sd.rand(()))  # R: Tensor[tuple[()], f32, NoTape]
reveal_type(sd.ops.zeros((1, 2)))  # R: Tensor[tuple[Literal[1], Literal[2]], f32, NoTape]
reveal_type(sd.arange(10))  # R: Tensor[tuple[Literal[10]], i64, NoTape]
reveal_type(sd.arange(2, 10))  # R: Tensor[tuple[Literal[8]], i64, NoTape]
reveal_type(sd.arange(0, 10, 3))  # R: Tensor[tuple[Literal[4]], i64, NoTape]
reveal_type(sd.arange(n))  # R: Tensor[tuple[Any], i64, NoTape]
reveal_type(sd.arange(0.0, 10))  # R: Tensor[tuple[Literal[10]], f32, NoTape]
reveal_type(sd.arange(10, dtype=sd.f64))  # R: Tensor[tuple[Literal[10]], f64, NoTape]
reveal_type(sd.eye(3))  # R: Tensor[tuple[Literal[3], Literal[3]], f32, NoTape]
reveal_type(sd.eye(3, 5))  # R: Tensor[tuple[Literal[3], Literal[5]], f32, NoTape]
reveal_type(sd.tensor([[1.0, 2.0], [3.0, 4.0]]))  # R: Tensor[tuple[Literal[2], Literal[2]], f32, NoTape]
reveal_type(sd.tensor([1, 2, 3]))  # R: Tensor[tuple[Literal[3]], i64, NoTape]
reveal_type(sd.tensor([True, False]))  # R: Tensor[tuple[Literal[2]], bool_, NoTape]
reveal_type(sd.tensor(2.5))  # R: Tensor[tuple[()], f32, NoTape]
reveal_type(sd.tensor([[1, 2]], dtype=sd.f64))  # R: Tensor[tuple[Literal[1], Literal[2]], f64, NoTape]
reveal_type(sd.zeros((8 * 13 * 13,)))  # R: Tensor[tuple[Literal[1352]], f32, NoTape]

x = sd.zeros((n, 10))
reveal_type(x.realize((5, 10)))  # R: Tensor[tuple[Literal[5], Literal[10]], f32, NoTape]
reveal_type(x.realize((-1, 10)))  # R: Tensor[tuple[Any, Literal[10]], f32, NoTape]

B = TypeVar("B", bound=sd.Dim)
C = TypeVar("C", bound=sd.Dim)


def symbolic(x: Tensor[tuple[B, C]]) -> None:
    b, c = x.shape
    reveal_type(sd.zeros((b, 2 * c)))  # R: Tensor[tuple[B, Mul[Literal[2], C]], f32, NoTape]
    reveal_type(sd.ones((c, b)))  # R: Tensor[tuple[C, B], f32, NoTape]


def spelled(a: Tensor[sd.Rank3[B, C, 4]], b: Tensor[sd.Rank0], c: sd.Const[7]) -> None:
    reveal_type(a)  # R: Tensor[tuple[B, C, Literal[4]], f32, NoTape]
    reveal_type(b)  # R: Tensor[tuple[()], f32, NoTape]
    reveal_type(c)  # R: Literal[7]
    reveal_type(forward)  # R: Tensor[tuple[Literal[2], Literal[5]], f32, NoTape]


forward: Tensor[sd.Rank2[2, 5]] = sd.zeros((2, 5))
