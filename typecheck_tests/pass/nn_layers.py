"""The issue 11 layers, typed by their plain signatures: `Size`-typed widths bind the type
parameters (LSTM's hidden width `H` reaches its output and final states), shape-keeping
layers keep the shape, and a chain of them runs."""

from __future__ import annotations

from typing import Any, Literal, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Mul, NoTape, Size, Tensor, Traced, f32

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)
H = TypeVar("H", bound=sd.Dim)
C = TypeVar("C", bound=sd.Dim)
S = TypeVar("S", bound=sd.Dim)


def encode(
    x: Tensor[tuple[B, T, D], f32, Traced], d: Size[D], h: Size[H]
) -> tuple[Tensor[tuple[B, T, H], f32, Traced], Tensor[tuple[Literal[1], B, H], f32, Traced]]:
    lstm = sd.nn.LSTM(d, h)
    assert_type(lstm, sd.nn.LSTM[D, H, Literal[1]])
    out, (h_n, c_n) = lstm(x)
    assert_type(c_n, Tensor[tuple[Literal[1], B, H], f32, Traced])
    again, (h_2, _) = lstm(x, (h_n, c_n))
    gru = sd.nn.GRU(h, h)
    out2, h_g = gru(out, h_2)
    assert_type(out2, Tensor[tuple[B, T, H], f32, Traced])
    return out2 + again, h_g


def both_ways(x: Tensor[tuple[B, T, D]], d: Size[D], h: Size[H]) -> Tensor[tuple[B, T, Mul[Const[2], H]]]:
    out, h_n = sd.nn.GRU(d, h, 2, bidirectional=True)(x)
    assert_type(h_n, Tensor[tuple[Literal[4], B, H], f32, NoTape])
    again, _ = sd.nn.GRU(d, h, 2, bidirectional=True)(x, h_n)
    return out + again


def stacked(x: Tensor[tuple[B, T, D]], d: Size[D], h: Size[H], n: Size[S]) -> None:
    out, h_n = sd.nn.GRU(d, h, n)(x)
    assert_type(h_n, Tensor[tuple[S, B, H], f32, NoTape])
    assert out.shape[2] == h and h_n.shape[0] == n


def keep(x: Tensor[tuple[B, C, T]], c: Size[C]) -> Tensor[tuple[B, C, T]]:
    y = sd.nn.GroupNorm(1, c)(sd.nn.PReLU(c)(x))
    y = sd.nn.RMSNorm(x.shape[2])(sd.nn.Identity()(y))
    assert_type(sd.nn.RMSNorm(c), sd.nn.RMSNorm[C])
    return y


def pool(x: Tensor[tuple[B, C, T, T]], s: Size[S]) -> Tensor[tuple[B, C, S, S]]:
    squeeze = sd.nn.AdaptiveAvgPool2d(s)
    assert_type(squeeze, sd.nn.AdaptiveAvgPool2d[S, S])
    wide: Tensor[tuple[B, C, S, Any]] = sd.nn.AdaptiveMaxPool2d((s, s))(x)
    return squeeze(x) + wide


x = sd.randn((2, 5, 4))
eight: Size[Literal[8]] = Size(8)
out, h_n = encode(x.traced(), x.shape[2], eight)
assert_type(out, Tensor[tuple[Const[2], Const[5], Const[8]], f32, Traced])
assert out.shape == (2, 5, 8) and h_n.shape == (1, 2, 8) and out.is_traced
y, (h, c) = sd.nn.LSTM(4, 8, 2)(x)
assert y.shape == (2, 5, 8) and h.shape == (2, 2, 8) and c.shape == (2, 2, 8)
six: Size[Literal[6]] = Size(6)
stacked(x, x.shape[2], six, Size[Literal[3]](3))
img = sd.randn((2, 3, 8, 8))
seq = sd.randn((2, 3, 7))
assert keep(seq, seq.shape[1]).shape == (2, 3, 7)
up = sd.nn.Upsample(scale_factor=2)(img)
assert_type(up, Tensor[tuple[Const[2], Const[3], Const[16], Const[16]]])  # its registration
assert up.shape == (2, 3, 16, 16)
two: Size[Literal[2]] = Size(2)
assert pool(img, two).shape == (2, 3, 2, 2)
# the adaptive pools' registration records literal sizes, and a None as unknown
tall = sd.nn.AdaptiveMaxPool2d((4, None))(img)
assert_type(tall, Tensor[tuple[Const[2], Const[3], Const[4], Any]])
assert tall.shape == (2, 3, 4, 8)
assert_type(sd.nn.LSTM(4, 8), sd.nn.LSTM[Const[4], Const[8], Const[1]])
heads = sd.nn.SplitInto(sd.nn.Linear(4, 3), sd.nn.Identity())
first, second = heads(x)
both = sd.nn.AddInto(sd.nn.Linear(4, 4), sd.nn.Identity())(x)
# each branch typed, by the registration of the containers (compose="split" / "add")
assert_type(first, Tensor[tuple[Const[2], Const[5], Const[3]]])
assert_type(second, Tensor[tuple[Const[2], Const[5], Const[4]]])
assert_type(both, Tensor[tuple[Const[2], Const[5], Const[4]]])
assert first.shape == (2, 5, 3) and second.shape == (2, 5, 4) and both.shape == (2, 5, 4)
assert_type(sd.ops.sort(x)[1], Tensor[tuple[Const[2], Const[5], Const[4]], sd.i64, NoTape])
assert both_ways(sd.ones((2, 5, 3)), 3, 4).shape == (2, 5, 8)
