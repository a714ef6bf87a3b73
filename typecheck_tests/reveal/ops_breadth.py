"""PyTorch's names users port: exact results for literals and symbols, Dyn (`Any`) where an
option is not a literal."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Size, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)

k = len([1, 2])
x = sd.zeros((3, 4))
reveal_type(sd.ops.lerp(x, sd.ones((2, 1, 4)), 0.5))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.traced().logaddexp(x))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(x.expand(2, -1, -1))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.narrow(1, 1, k))  # R: Tensor[tuple[Literal[3], Any], f32, NoTape]
reveal_type(x.narrow(k, 1, 2))  # R: Tensor[tuple[Any, Any], f32, NoTape]
reveal_type(x.unbind(0))  # R: tuple[Tensor[tuple[Literal[4]], f32, NoTape], Tensor[tuple[Literal[4]], f32, NoTape], Tensor[tuple[Literal[4]], f32, NoTape]]
reveal_type(x.unbind(k))  # R: tuple[Tensor[Any, f32, NoTape], ...]
reveal_type(sd.ops.diff(x, axis=k))  # R: Tensor[tuple[Any, Any], f32, NoTape]
reveal_type(x.view(-1))  # R: Tensor[tuple[Literal[12]], f32, NoTape]
reveal_type(sd.ops.normalize(x, axis=k))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.contiguous())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]


def symbolic(x: Tensor[tuple[B, T]], t: Size[T]) -> None:
    reveal_type(x.diff())  # R: Tensor[tuple[B, Sub[T, Literal[1]]], f32, NoTape]
    reveal_type(x.narrow(1, 0, 1))  # R: Tensor[tuple[B, Literal[1]], f32, NoTape]
    reveal_type(x.unbind(1))  # R: tuple[Tensor[Any, f32, NoTape], ...]
    reveal_type(x.amax(0))  # R: Tensor[tuple[T], f32, NoTape]
    reveal_type(x.unsqueeze(0).expand(3, -1, t))  # R: Tensor[tuple[Literal[3], B, T], f32, NoTape]
    reveal_type(x.repeat_interleave(2, axis=0))  # R: Tensor[tuple[Mul[Literal[2], B], T], f32, NoTape]
