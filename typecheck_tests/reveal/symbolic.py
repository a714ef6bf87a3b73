"""The symbolic case, inferred exactly with no Dyn: reshape, heads (C // 4), matmul, merge."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Dim, Mul, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)


def attention(x: Tensor[tuple[B, T, C]], w: Tensor[tuple[C, C]]) -> None:
    b, t, c = x.shape
    rows = x.reshape((b * t, c))
    reveal_type(rows)  # R: Tensor[tuple[Mul[B, T], C], f32, NoTape]
    reveal_type(x.reshape((t * b, c)))  # R: Tensor[tuple[Mul[B, T], C], f32, NoTape]
    reveal_type(x.reshape(t * b, c))  # R: Tensor[tuple[Mul[B, T], C], f32, NoTape]
    reveal_type(x.traced().permute(2, 0, 1))  # R: Tensor[tuple[C, B, T], f32, Traced]
    q = (rows @ w).reshape((b, t, c))
    reveal_type(q)  # R: Tensor[tuple[B, T, C], f32, NoTape]
    heads = q.reshape((b, t, 4, c // 4)).transpose(1, 2)
    reveal_type(heads)  # R: Tensor[tuple[B, Literal[4], T, FloorDiv[C, Literal[4]]], f32, NoTape]
    scores = heads @ heads.transpose(-2, -1)
    reveal_type(scores)  # R: Tensor[tuple[B, Literal[4], T, T], f32, NoTape]
    out = (scores.softmax(axis=-1) @ heads).transpose(1, 2).reshape((b, t, c))
    reveal_type(out)  # R: Tensor[tuple[B, T, C], f32, NoTape]
    reveal_type(x.traced().reshape((b * t, c)))  # R: Tensor[tuple[Mul[B, T], C], f32, Traced]
    reveal_type(x.split(2, axis=2)[0])  # R: Tensor[tuple[B, T, FloorDiv[C, Literal[2]]], f32, NoTape]
    reveal_type(x.reshape(b, t, 4, -1))  # R: Tensor[tuple[B, T, Literal[4], Any], f32, NoTape]
    reveal_type(sd.ops.concat(x.chunk(2, axis=2), axis=2))  # R: Tensor[tuple[B, T, Mul[Literal[2], FloorDiv[C, Literal[2]]]], f32, NoTape]
    reveal_type(x.flatten())  # R: Tensor[tuple[Mul[Mul[B, C], T]], f32, NoTape]
    reveal_type(sd.ops.concat([x, x], axis=2))  # R: Tensor[tuple[B, T, Mul[Literal[2], C]], f32, NoTape]
    reveal_type(sd.ops.stack([x, x]))  # R: Tensor[tuple[Literal[2], B, T, C], f32, NoTape]
    reveal_type(x.sum(axis=1))  # R: Tensor[tuple[B, C], f32, NoTape]
    reveal_type(x[0, 1:3])  # R: Tensor[tuple[Any, C], f32, NoTape]


def factored(x: Tensor[tuple[B, T, Mul[H, K]]], h: sd.Size[H]) -> None:
    b, t, hk = x.shape
    heads = x.reshape((b, t, h, hk // h)).permute((0, 2, 1, 3))
    reveal_type(heads)  # R: Tensor[tuple[B, H, T, K], f32, NoTape]
    merged = heads.permute((0, 2, 1, 3)).reshape((b, t, h * (hk // h)))
    reveal_type(merged)  # R: Tensor[tuple[B, T, Mul[H, K]], f32, NoTape]


def starred(x: Tensor[tuple[B, T, Mul[H, K]]], h: sd.Size[H]) -> None:
    """PyTorch's `x.view(*x.shape[:-1], heads, -1)`: a shape spread from another's."""
    heads = x.reshape(*x.shape[:-1], h, -1)
    reveal_type(heads)  # R: Tensor[tuple[B, T, H, K], f32, NoTape]
    reveal_type(x.reshape((*x.shape[:-1], h, -1)))  # R: Tensor[tuple[B, T, H, K], f32, NoTape]
    reveal_type(heads.reshape(*heads.shape[:-2], -1))  # R: Tensor[tuple[B, T, Mul[H, K]], f32, NoTape]
    reveal_type(heads.permute(*range(2), 3, 2))  # R: Tensor[Any, f32, NoTape]
    reveal_type(x.reshape(*x.shape))  # R: Tensor[tuple[B, T, Mul[H, K]], f32, NoTape]


def conv_sizes(x: Tensor[tuple[B, Const[3], H, H]]) -> None:
    n, ch, size, _ = x.shape
    reveal_type((size + 2 * 1 - 3) // 2 + 1)  # R: Size[FloorDiv[Add[H, Literal[1]], Literal[2]]]
    y = sd.ops.conv2d(x, sd.ones((8, 3, 3, 3)), stride=2, padding=1)
    reveal_type(y)  # R: Tensor[tuple[B, Literal[8], FloorDiv[Add[H, Literal[1]], Literal[2]], FloorDiv[Add[H, Literal[1]], Literal[2]]], f32, NoTape]
    reveal_type(sd.ops.max_pool2d(x, 2))  # R: Tensor[tuple[B, Literal[3], FloorDiv[H, Literal[2]], FloorDiv[H, Literal[2]]], f32, NoTape]


def conv_channels_must_agree(x: Tensor[tuple[B, C, H, H]]) -> None:
    sd.ops.conv2d(x, sd.ones((8, 3, 3, 3)))  # E: [shape] conv2d: shapes (B, C, H, H) and (8, 3, 3, 3): input has C channels (axis 1) but the weight expects 3
