"""Ints given to `Size[...]` parameters that cannot be the size: each reported once."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Mul, Size, Tensor, nn

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


class Square(Two[N, N]):
    pass


square(3, 4)  # E: [arg-type] Argument 2 to "square" has incompatible type "int"; expected "Size[Literal[3]]"
square(Size(3), 4)  # E: [arg-type] Argument 1 to "square" has incompatible type "Size[Literal[3]]"; expected "Size[Literal[4]]"
Square(16, 17)  # E: [arg-type] Argument 2 to "Square" has incompatible type "int"; expected "Size[Literal[16]]"


def doubled(x: Tensor[tuple[H]], width: Size[Mul[Const[2], H]]) -> Tensor[tuple[Mul[Const[2], H]]]:
    return sd.zeros((width,))


class Attn(nn.Module, Generic[H, K]):
    def __init__(self, width: Size[Mul[H, K]], heads: Size[H]) -> None:
        self.qkv = nn.Linear(width, 3 * width)


doubled(sd.randn((3,)), 7)  # E: [arg-type] Argument 2 to "doubled" has incompatible type "int"; expected "Size[Literal[6]]"
Attn(7, 3)  # E: [arg-type] Argument 1 to "Attn" has incompatible type "int"; expected "Size[Literal[6]]"


def split(x: Tensor[tuple[B, Mul[H, K]]], h: Size[H], k: Size[K]) -> Tensor[tuple[B, H, K]]:
    return x.reshape((x.shape[0], h, k))


k5: Size[Const[5]] = Size(5)
split(sd.randn((2, 12)), Size(3), k5)  # E: [arg-type] Argument 1 to "split" has incompatible type "Tensor[tuple[Literal[2], Literal[12]], f32, NoTape]"; expected "Tensor[tuple[Literal[2], Literal[15]], f32, NoTape]"


def narrow(y: Tensor[tuple[B, H]], h: Size[H], k: Size[K]) -> None:
    split(y, h, k)  # E: [arg-type] expected "Tensor[tuple[B, Mul[H, K]], f32, NoTape]"
