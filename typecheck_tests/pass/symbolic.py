"""One check for every batch size: B, T, C flow through reshape, heads, matmul and back.

A width split into parts and joined back is the width: heads `view`ed as `(H, C // H)` and
merged, the halves of `chunk(2)` or `split(2)` concatenated (`H * (C // H)` is `C`, since the
split checks at run time that the parts make the whole), whichever way it is written."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, FloorDiv, Mul, Size, Tape, Tensor, f32

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


def rotate_half(x: Tensor[tuple[B, T, K], sd.f32, TT]) -> Tensor[tuple[B, T, K], sd.f32, TT]:
    x1, x2 = x.chunk(2, axis=-1)
    return sd.concat([-x2, x1], axis=-1)


def swap_halves(x: Tensor[tuple[B, T, K]]) -> Tensor[tuple[B, T, K]]:
    x1, x2 = sd.split(x, 2, axis=-1)
    return sd.concat([x2, x1], axis=-1)


def merge_heads(x: Tensor[tuple[B, T, C]], h: Size[H]) -> list[Tensor[tuple[B, T, C]]]:
    b, t, c = x.shape
    heads = x.view(b, t, h, c // h).transpose(1, 2)  # (B, H, T, C // H)
    hd = heads.shape[-1]
    back = heads.transpose(1, 2)
    return [back.reshape(b, t, -1), back.reshape(b, t, h * hd), back.flatten(2)]


def residual(x: Tensor[tuple[B, K]], y: Tensor[tuple[B, K]]) -> Tensor[tuple[B, K]]:
    return x + y


def block(x: Tensor[tuple[B, C]], h: Size[H]) -> Tensor[tuple[B, C]]:
    b, c = x.shape
    merged = x.view(b, h, c // h).reshape(b, -1)
    return residual(x, merged)


def written(x: Tensor[tuple[B, Mul[H, FloorDiv[C, H]]]]) -> Tensor[tuple[B, C]]:
    return x


def halves_of_halves(x: Tensor[tuple[B, K]]) -> Tensor[tuple[B, K]]:
    a, b = x.chunk(2, axis=1)
    return sd.concat([*a.chunk(2, axis=1), b], axis=1)


y = self_attention(sd.randn((2, 5, 8)), sd.randn((8, 8)))
assert y.shape == (2, 5, 8)
z = self_attention(sd.randn((3, 7, 8)).traced(), sd.randn((8, 8)))
assert z.is_traced
assert round_trip(sd.ones((2, 3, 4))).shape == (2, 3, 4)
conv_size(sd.ones((1, 2, 5, 5)))
assert rotate_half(sd.randn((2, 3, 8))).shape == (2, 3, 8)
assert rotate_half(sd.randn((2, 3, 7))).shape == (2, 3, 7)  # chunk's pieces join back whole
assert swap_halves(sd.randn((2, 3, 8))).shape == (2, 3, 8)
assert all(m.shape == (2, 3, 8) for m in merge_heads(sd.randn((2, 3, 8)), 4))
assert block(sd.randn((2, 8)), 2).shape == (2, 8)
assert written(sd.randn((2, 6))).shape == (2, 6)
assert halves_of_halves(sd.randn((2, 8))).shape == (2, 8)


W = TypeVar("W", bound=Dim)
down, up = sd.nn.Conv2d(4, 4, 3, stride=2, padding=1), sd.nn.Upsample(scale_factor=2)


def down_and_up(x: Tensor[tuple[B, Const[4], H, W]]) -> Tensor[tuple[B, Const[4], H, W]]:
    # NOTE: a strided conv's (H + 1) // 2 is not taken as divisible: upsampled by 2 it is H
    # or H + 1, never claimed to be H + 1 (an autoencoder's 28 -> 14 -> 7 -> 14 -> 28)
    return up(down(x)) + x


assert down_and_up(sd.randn((1, 4, 8, 8))).shape == (1, 4, 8, 8)


class SameConv(sd.nn.Module, Generic[C, K]):
    """fast_neural_style's ConvLayer generic in its kernel: `k // 2` on each side keeps `H`
    for an odd kernel, `H + 1` for an even one: undecided, accepted (the run checks)."""

    def __init__(self, channels: Size[C], kernel_size: Size[K]) -> None:
        self.pad = sd.nn.ReflectionPad2d(kernel_size // 2)
        self.conv = sd.nn.Conv2d(channels, channels, kernel_size)

    def forward(self, x: Tensor[tuple[B, C, H, H]]) -> Tensor[tuple[B, C, H, H]]:
        return self.conv(self.pad(x))


class Mix(sd.nn.Module, Generic[C]):
    def __init__(self, c: Size[C]) -> None:
        self.fc = sd.nn.Linear(c, c)

    def forward(self, x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, C]]:
        return self.fc(x)

    __call__ = forward


class Up(sd.nn.Module, Generic[C]):
    """A U-Net's up block: channels halved and joined to the skip's half are `C` again where
    2 divides `C`, which the run checks; `Mix` takes them."""

    def __init__(self, c: Size[C]) -> None:
        self.down = sd.nn.Linear(c, c // 2)
        self.mix = Mix(c)

    def forward(self, x: Tensor[tuple[B, C]], skip: Tensor[tuple[B, FloorDiv[C, Const[2]]]]) -> Tensor[tuple[B, C]]:
        return self.mix(sd.concat([skip, self.down(x)], axis=1))


assert SameConv(4, 3)(sd.randn((2, 4, 10, 10))).shape == (2, 4, 10, 10)
assert Up(8)(sd.randn((2, 8)), sd.randn((2, 4))).shape == (2, 8)


def rotary(
    q: Tensor[tuple[B, T, K]], k: Tensor[tuple[B, T, K]]
) -> tuple[Tensor[tuple[B, T, K]], Tensor[tuple[B, T, K]]]:
    # NOTE: a tuple of two undecided halves joined (LLaMA's q and k rotated)
    q1, q2 = q.chunk(2, axis=-1)
    k1, k2 = k.chunk(2, axis=-1)
    return sd.concat([-q2, q1], axis=-1), sd.concat([-k2, k1], axis=-1)


def fuse(a: Tensor[tuple[B, C, H, W], f32, TT], skip: Tensor[tuple[B, C, H, W], f32, TT]) -> Tensor[tuple[B, C, H, W], f32, TT]:
    return a + skip


def decode(skip: Tensor[tuple[B, C, H, W], f32, TT]) -> Tensor[Any, f32, TT]:
    # NOTE: 2 * (H // 2) and H given to one helper: mypy joined them into `object`
    return fuse(up(sd.nn.MaxPool2d(2)(skip)), skip)


assert all(t.shape == (2, 3, 8) for t in rotary(sd.randn((2, 3, 8)), sd.randn((2, 3, 8))))
assert decode(sd.randn((2, 3, 8, 8))).shape == (2, 3, 8, 8)
