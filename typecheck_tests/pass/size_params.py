"""Ints given to `Size[...]` parameters as users write them: one variable in two parameters,
arithmetic in one, `*sizes` and `**cfg`, and `Size` arguments for a tensor's arithmetic."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Mul, NoTape, Size, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
N = TypeVar("N", bound=Dim)
O = TypeVar("O", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)


def square(n: Size[N], m: Size[N]) -> Tensor[tuple[N, N]]:
    return sd.zeros((n, m))


class Two(nn.Module, Generic[N, O]):
    def __init__(self, din: Size[N], dout: Size[O]) -> None:
        self.fc = nn.Linear(din, dout)

    def forward(self, x: Tensor[tuple[B, N]]) -> Tensor[tuple[B, O]]:
        return self.fc(x)


class Square(Two[N, N]):  # din == dout
    pass


class Attn(nn.Module, Generic[H, K]):
    def __init__(self, width: Size[Mul[H, K]], heads: Size[H]) -> None:
        self.qkv = nn.Linear(width, 3 * width)
        self.heads = heads


def doubled(x: Tensor[tuple[H]], width: Size[Mul[Const[2], H]]) -> Tensor[tuple[Mul[Const[2], H]]]:
    return sd.zeros((width,))


def split(x: Tensor[tuple[B, Mul[H, K]]], h: Size[H], k: Size[K]) -> Tensor[tuple[B, H, K]]:
    return x.reshape((x.shape[0], h, k))


class Heads(nn.Module, Generic[H, K]):
    def __init__(self, h: Size[H], k: Size[K]) -> None:
        self.h, self.k = h, k

    def forward(self, x: Tensor[tuple[B, Mul[H, K]]]) -> Tensor[tuple[B, H, K]]:
        return split(x, self.h, self.k)


def main() -> None:
    assert square(3, 3).shape == (3, 3)
    assert Square(16, 16).fc.weight.shape == (16, 16)
    assert doubled(sd.randn((3,)), 6).shape == (6,)
    attn = Attn(12, 3)
    assert attn.qkv.weight.shape == (36, 12)
    cfg = {"din": 4, "dout": 3}
    sizes = (4, 3)
    for head in (Two(**cfg), Two(*sizes)):
        assert_type(head, Two[Any, Any])
        assert head(sd.randn((2, 4))).shape == (2, 3)
    x = sd.randn((2, 12))
    y = split(x, Size(3), Size(4))
    assert_type(y, Tensor[tuple[Const[2], Const[3], Const[4]], f32, NoTape])
    assert Heads(Size(3), Size(4))(x).shape == (2, 3, 4)


main()
