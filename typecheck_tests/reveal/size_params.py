"""Ints given to `Size[...]` parameters: one variable in two of them, arithmetic in one, the
items of `*sizes` and `**cfg`, and `Size` arguments that solve a tensor's arithmetic."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Dim, Dyn, Mul, Size, Tensor, nn

B = TypeVar("B", bound=Dim)
N = TypeVar("N", bound=Dim)
O = TypeVar("O", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)


# ---- one variable in two `Size` parameters -------------------------------------------------
def square(n: Size[N], m: Size[N]) -> Tensor[tuple[N, N]]:
    return sd.zeros((n, m))


class Two(nn.Module, Generic[N, O]):
    def __init__(self, din: Size[N], dout: Size[O]) -> None:
        self.fc = nn.Linear(din, dout)

    def pair(self, a: Size[H], b: Size[H]) -> Tensor[tuple[H, O]]:
        return sd.zeros((a, self.fc.weight.shape[0]))


class Square(Two[N, N]):
    pass


def many(*ns: Size[N]) -> Tensor[tuple[N]]:
    return sd.zeros((ns[0],))


n = int("3")
reveal_type(square(3, 3))  # R: Tensor[tuple[Literal[3], Literal[3]], f32, NoTape]
reveal_type(square(n, 3))  # R: Tensor[tuple[Literal[3], Literal[3]], f32, NoTape]
reveal_type(Square(16, 16))  # R: Square[Literal[16]]
reveal_type(Two(4, 8).pair(2, 2))  # R: Tensor[tuple[Literal[2], Literal[8]], f32, NoTape]
reveal_type(many(3, 3, 3))  # R: Tensor[tuple[Literal[3]], f32, NoTape]


# ---- arithmetic in a `Size` parameter ------------------------------------------------------
def doubled(x: Tensor[tuple[H]], width: Size[Mul[Const[2], H]]) -> Tensor[tuple[Mul[Const[2], H]]]:
    return sd.zeros((width,))


class Attn(nn.Module, Generic[H, K]):
    def __init__(self, width: Size[Mul[H, K]], heads: Size[H]) -> None:
        self.qkv = nn.Linear(width, 3 * width)


reveal_type(doubled(sd.randn((3,)), 6))  # R: Tensor[tuple[Literal[6]], f32, NoTape]
reveal_type(doubled(sd.randn((3,)), Size(6)))  # R: Tensor[tuple[Literal[6]], f32, NoTape]
reveal_type(Attn(12, 3))  # R: Attn[Literal[3], Literal[4]]
reveal_type(Attn(heads=3, width=12))  # R: Attn[Literal[3], Literal[4]]
reveal_type(Attn(n, 3))  # R: Attn[Literal[3], Any]
reveal_type(Attn(12, n))  # R: Attn[Any, Any]


# ---- `*sizes` and `**cfg`: a plain int is `Dyn` ---------------------------------------------
cfg = {"din": 4, "dout": 3}
sizes = (4, 3)
reveal_type(Two(**cfg))  # R: Two[Any, Any]
reveal_type(Two(*sizes))  # R: Two[Any, Any]
reveal_type(Two(*[4, 3]))  # R: Two[Any, Any]
reveal_type(Two(*(4, 3)))  # R: Two[Literal[4], Literal[3]]
reveal_type(Attn(*(12, 3)))  # R: Attn[Literal[3], Literal[4]]
reveal_type(many(*(3, 3)))  # R: Tensor[tuple[Literal[3]], f32, NoTape]


def from_shape(x: Tensor[tuple[B, N]]) -> None:
    reveal_type(Two(*x.shape))  # R: Two[B, N]


# ---- `Size` arguments solve a tensor formal's arithmetic -----------------------------------
def split(x: Tensor[tuple[B, Mul[H, K]]], h: Size[H], k: Size[K]) -> Tensor[tuple[B, H, K]]:
    return x.reshape((x.shape[0], h, k))


class Heads(nn.Module, Generic[H, K]):
    def __init__(self, h: Size[H], k: Size[K]) -> None:
        self.h, self.k = h, k

    def forward(self, x: Tensor[tuple[B, Mul[H, K]]]) -> Tensor[tuple[B, H, K]]:
        reveal_type(split(x, self.h, self.k))  # R: Tensor[tuple[B, H, K], f32, NoTape]
        return split(x, self.h, self.k)


x = sd.randn((2, 12))
reveal_type(split(x, Size(3), Size(4)))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(split(x, Size(3), 4))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]


def halves(x: Tensor[tuple[Mul[Const[2], K]]], k: Size[K]) -> Tensor[tuple[K]]:
    return sd.zeros((k,))


some: Size[Dyn] = Size(int("4"))
reveal_type(halves(sd.randn((8,)), some))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(halves(sd.randn((8,)), Size(4)))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
