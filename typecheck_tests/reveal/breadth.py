"""Issue 11's ops: exact results for literals and symbols, Dyn (`Any`) for a non-literal option."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Size, Tensor, i64

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)

k = len([1, 2])
x = sd.zeros((3, 4))
reveal_type(x > 0)  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type((x > 0) & (sd.ones((4,)) > 1))  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(~(x > 0))  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]
reveal_type(sd.ops.repeat(x, k, axis=1))  # R: Tensor[tuple[Literal[3], Any], f32, NoTape]
reveal_type(sd.ops.repeat(x, 2, axis=k))  # R: Tensor[tuple[Any, Any], f32, NoTape]
reveal_type(sd.ops.tile(x, (k, 2)))  # R: Tensor[tuple[Any, Literal[8]], f32, NoTape]
reveal_type(sd.ops.roll(x, k, axis=k))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ops.cumsum(x.traced(), axis=k))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.ops.argsort(x))  # R: Tensor[tuple[Literal[3], Literal[4]], i64, NoTape]
reveal_type(sd.ops.one_hot(sd.zeros((5,), dtype=i64), k))  # R: Tensor[tuple[Literal[5], Any], i64, NoTape]
reveal_type(sd.ops.cosine_similarity(x, x, axis=k))  # R: Tensor[tuple[Any], f32, NoTape]
img = sd.zeros((2, 3, 8, 6))
reveal_type(sd.ops.interpolate(img, scale_factor=0.5))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4], Literal[3]], f32, NoTape]
reveal_type(sd.ops.adaptive_max_pool2d(img, (k, None)))  # R: Tensor[tuple[Literal[2], Literal[3], Any, Literal[6]], f32, NoTape]


def symbolic(x: Tensor[tuple[B, C]], classes: Size[C]) -> None:
    reveal_type(sd.ops.tile(x, (2, 1)))  # R: Tensor[tuple[Mul[Literal[2], B], C], f32, NoTape]
    reveal_type(sd.ops.one_hot(x.argmax(axis=1), classes))  # R: Tensor[tuple[B, C], i64, NoTape]
    reveal_type(sd.ops.cumprod(x))  # R: Tensor[tuple[Mul[B, C]], f32, NoTape]
    reveal_type(sd.ops.scatter_add(x, 1, sd.zeros((2, 2), dtype=i64), x))  # R: Tensor[tuple[B, C], f32, NoTape]
    b, c = x.shape
    reveal_type(sd.ops.interpolate(x.reshape((1, 1, b, c)), scale_factor=2))  # R: Tensor[tuple[Literal[1], Literal[1], Mul[Literal[2], B], Mul[Literal[2], C]], f32, NoTape]
reveal_type(sd.einsum("ij,jk", x, sd.ones((4, 2))))  # R: Tensor[tuple[Literal[3], Literal[2]], f32, NoTape]
reveal_type(sd.cumsum(x, axis=None))  # R: Tensor[tuple[Literal[12]], f32, NoTape]
