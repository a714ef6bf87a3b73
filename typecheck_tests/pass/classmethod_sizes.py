"""A module generic in its sizes built by a classmethod preset, `cls(64)` (or `cls(width=64)`):
the literal binds the size as `Encoder(64)` by the class's name does."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Size, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
O = TypeVar("O", bound=Dim)


class Encoder(nn.Module, Generic[D]):
    def __init__(self, width: Size[D]) -> None:
        self.proj = nn.Linear(width, width)

    def forward(self, x: Tensor[tuple[B, D], f32]) -> Tensor[tuple[B, D], f32]:
        return self.proj(x).relu()

    @classmethod
    def small(cls) -> Encoder[Const[64]]:
        return cls(64)

    @classmethod
    def large(cls) -> Encoder[Any]:
        return cls(width=256)

    @classmethod
    def sized(cls, width: int) -> Encoder[Any]:
        return cls(width)


class Head(nn.Module, Generic[D, O]):
    def __init__(self, width: Size[D], classes: Size[O]) -> None:
        self.fc = nn.Linear(width, classes)

    def forward(self, x: Tensor[tuple[B, D], f32]) -> Tensor[tuple[B, O], f32]:
        return self.fc(x)

    @classmethod
    def binary(cls, width: int) -> Head[Any, Const[2]]:
        return cls(width, 2)


enc = Encoder.small()
assert_type(enc, Encoder[Const[64]])
head = Head.binary(64)
y = head(enc(sd.randn((4, 64))))
assert_type(y, Tensor[tuple[Const[4], Const[2]], f32])
assert y.shape == (4, 2) and Encoder.large().proj.weight.shape == (256, 256)
assert Encoder.sized(8)(sd.randn((2, 8))).shape == (2, 8)
