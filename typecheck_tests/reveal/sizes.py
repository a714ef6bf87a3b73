"""`x.shape` is a tuple of `Size[...]`; arithmetic on sizes stays symbolic and folds literals."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Tensor

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)
C = TypeVar("C", bound=sd.Dim)

x = sd.zeros((3, 4))
reveal_type(x.shape)  # R: tuple[Size[Literal[3]], Size[Literal[4]]]
reveal_type(8 * 13 * 13)  # R: Literal[1352]?
reveal_type(x.shape[0] * x.shape[1])  # R: Literal[12]?


def f(x: Tensor[tuple[B, T, C]], h: int) -> None:
    b, t, c = x.shape
    reveal_type(b)  # R: Size[B]
    reveal_type(b * t)  # R: Size[Mul[B, T]]
    reveal_type(t * b)  # R: Size[Mul[B, T]]
    reveal_type(c // 4)  # R: Size[FloorDiv[C, Literal[4]]]
    reveal_type(c // 4 * 4)  # R: Size[Mul[Literal[4], FloorDiv[C, Literal[4]]]]
    reveal_type(3 * (c // 2))  # R: Size[Mul[Literal[3], FloorDiv[C, Literal[2]]]]
    reveal_type(b * c // (2 * b))  # R: Size[FloorDiv[C, Literal[2]]]
    reveal_type(2 * c)  # R: Size[Mul[Literal[2], C]]
    reveal_type(c + 2 * 3 - 5)  # R: Size[Add[C, Literal[1]]]
    reveal_type(t - t)  # R: Literal[0]?
    reveal_type(c * h)  # R: int
    reveal_type(t + 2 * b - 3)  # R: Size[Sub[Add[Mul[Literal[2], B], T], Literal[3]]]


reveal_type(sd.nn.Linear(8 * 13 * 13, 10))  # R: Linear[Literal[1352], Literal[10]]


def scale(x: Tensor[tuple[B, T, C]]) -> None:
    d = x.shape[-1]
    reveal_type(d ** -0.5)  # R: float
    reveal_type(x * d ** -0.5)  # R: Tensor[tuple[B, T, C], f32, NoTape]
    reveal_type(d ** 2)  # R: int


def sizes(x: Tensor[tuple[B, T, C]], i: int) -> None:
    # PyTorch's spelling: `x.size(i)` is `x.shape[i]`, and `x.size()` is `x.shape`
    reveal_type(x.size(0))  # R: Size[B]
    reveal_type(x.size(-1))  # R: Size[C]
    reveal_type(x.size(axis=1))  # R: Size[T]
    reveal_type(x.size())  # R: tuple[Size[B], Size[T], Size[C]]
    reveal_type(x.size(i))  # R: int
    reveal_type(x.size(3))  # R: int
    reveal_type(x.reshape(x.size(0), -1))  # R: Tensor[tuple[B, Mul[C, T]], f32, NoTape]


def ranks(x: Tensor[tuple[B, T, C]], bare: Tensor) -> None:
    reveal_type(x.ndim)  # R: Literal[3]
    reveal_type(x.dim())  # R: Literal[3]
    reveal_type(bare.ndim)  # R: int


def slices(x: Tensor[tuple[B, T]]) -> None:
    b, t = x.shape
    reveal_type(x[:, :t])  # R: Tensor[tuple[B, T], f32, NoTape]
    # NOTE: past the end for every `T`: the whole axis, as NumPy gives it
    reveal_type(x[:, : t + 1])  # R: Tensor[tuple[B, T], f32, NoTape]
    reveal_type(x[:, : t - 1])  # R: Tensor[tuple[B, Sub[T, Literal[1]]], f32, NoTape]
