"""One check for every batch size: B, T, C flow through reshape, heads, matmul and back."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, FloorDiv, Mul, Tape, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)
TT = TypeVar("TT", bound=Tape)


def self_attention(
    x: Tensor[tuple[B, T, C], sd.f32, TT], w: Tensor[tuple[C, C]]
) -> Tensor[tuple[B, T, C], sd.f32, TT]:
    b, t, c = x.shape
    rows: Tensor[tuple[Mul[B, T], C], sd.f32, TT] = x.reshape((b * t, c))
    q = (rows @ w).reshape((b, t, c))
    heads: Tensor[tuple[B, Const[4], T, FloorDiv[C, Const[4]]], sd.f32, TT] = q.reshape(
        (b, t, 4, c // 4)
    ).transpose(1, 2)
    scores: Tensor[tuple[B, Const[4], T, T], sd.f32, TT] = heads @ heads.transpose(-2, -1)
    out = (scores.softmax(axis=-1) @ heads).transpose(1, 2).reshape((b, t, c))
    return out


def multi_head(x: Tensor[tuple[B, T, Mul[H, K]]], h: sd.Size[H]) -> Tensor[tuple[B, T, Mul[H, K]]]:
    b, t, hk = x.shape
    heads = x.reshape((b, t, h, hk // h)).permute((0, 2, 1, 3))
    att = (heads @ heads.transpose()).softmax() @ heads
    merged: Tensor[tuple[B, T, Mul[H, K]]] = att.permute((0, 2, 1, 3)).reshape((b, t, hk))
    return merged


def round_trip(x: Tensor[tuple[B, T, C]]) -> Tensor[tuple[B, T, C]]:
    b, t, c = x.shape
    return x.reshape((b * t, c)).reshape((b, t, c))


def conv_size(x: Tensor[tuple[B, C, H, H]]) -> None:
    n, ch, size, _ = x.shape
    y = sd.zeros((n, ch, (size + 2 * 1 - 3) // 1 + 1))
    assert y.shape[2] == size


y = self_attention(sd.randn((2, 5, 8)), sd.randn((8, 8)))
assert y.shape == (2, 5, 8)
z = self_attention(sd.randn((3, 7, 8)).traced(), sd.randn((8, 8)))
assert z.is_traced
assert round_trip(sd.ones((2, 3, 4))).shape == (2, 3, 4)
conv_size(sd.ones((1, 2, 5, 5)))
