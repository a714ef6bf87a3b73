"""Modules and layers built indirectly: through `super().__init__(...)` with the literal sizes
a base's type arguments fix, and through `functools.partial` with the partial's bound
arguments and the call's together."""

from __future__ import annotations

import functools
from functools import partial
from typing import Any, Generic, Literal, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, NoTape, Size, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)
H = TypeVar("H", bound=Dim)
L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
L8 = Literal[8]


class Block(nn.Module, Generic[D]):
    def __init__(self, d: Size[D]) -> None:
        self.fc = nn.Linear(d, d)

    def widen(self, d: Size[D]) -> None:
        self.fc = nn.Linear(d, d)


class Block8(Block[Const[8]]):
    def __init__(self) -> None:
        super().__init__(8)
        super().widen(8)


class Block4(Block[Const[4]]):
    def __init__(self) -> None:
        super().__init__(d=4)


class Block8ByName(Block[Const[8]]):
    def __init__(self) -> None:
        Block.__init__(self, 8)


class Sized(Block[D]):
    def __init__(self, d: Size[D], n: int) -> None:
        super().__init__(d)
        super().widen(n)  # NOTE: a plain int is `Dyn`, which may be `D`


class Loose(Block[Any]):
    def __init__(self) -> None:
        super().__init__(5)


Block8()
Block4()
Block8ByName()
Sized(Size(3), 3)
Loose()

# ---- functools.partial: the partial's arguments and the call's make one layer -----------------
same_conv = functools.partial(nn.Conv2d, padding=1)
conv = same_conv(1, 4, 3)
P1 = tuple[L1, L1]
assert_type(conv, nn.Conv2d[L1, L4, tuple[L3, L3], P1, P1, P1, L1])
y = conv(sd.randn((2, 1, 8, 8)))
assert_type(y, Tensor[tuple[Literal[2], L4, L8, L8], f32, NoTape])
head = nn.Linear(4 * 8 * 8, 10)
head(y.flatten(1))

valid = same_conv(1, 4, 3, padding=0)  # NOTE: the call's keyword replaces the partial's
assert_type(valid(sd.randn((2, 1, 8, 8))), Tensor[tuple[Literal[2], L4, Literal[6], Literal[6]]])
assert_type(
    partial(nn.Conv2d, 1)(4, 3),
    nn.Conv2d[L1, L4, tuple[L3, L3], P1, tuple[Literal[0], Literal[0]], P1, L1],
)
strided = partial(nn.Conv2d, stride=2)(1, 4, 3)
assert_type(strided(sd.randn((2, 1, 9, 9))), Tensor[tuple[Literal[2], L4, L4, L4]])
pool = partial(nn.MaxPool2d, stride=1)(2)
assert_type(pool(sd.randn((2, 4, 8, 8))), Tensor[tuple[Literal[2], L4, Literal[7], Literal[7]]])
assert_type(
    partial(nn.MultiHeadAttention, num_heads=3)(12),
    nn.MultiHeadAttention[Literal[12], L3, Literal[12], Literal[12]],
)
assert_type(partial(nn.LayerNorm, (4, 5))(eps=1e-3), nn.LayerNorm[tuple[L4, Literal[5]]])
lin = partial(nn.Linear, 8)(4)  # NOTE: an overloaded constructor: mypy's partial gives `Any`
lin(sd.randn((2, 8)))
factories = [partial(nn.Conv2d, padding=1), partial(nn.Conv2d, padding=2)]
factories[0](1, 4, 3)(sd.randn((2, 1, 8, 8)))


class Net(nn.Module):
    def __init__(self) -> None:
        self.make = partial(nn.Conv2d, padding=1)
        self.conv = self.make(1, 4, 3)

    def forward(self, x: Tensor[tuple[B, L1, L8, L8]]) -> Tensor[tuple[B, L4, L8, L8]]:
        return self.conv(x)


Net()(sd.randn((2, 1, 8, 8)))


def symbolic(x: Tensor[tuple[B, C, H, H]], c: Size[C]) -> Tensor[tuple[B, L8, H, H]]:
    keep = partial(nn.Conv2d, c, padding=1)
    return keep(8, 3)(x)


symbolic(sd.randn((2, 3, 6, 6)), Size(3))


class SizedBlock(nn.Module, Generic[C, D]):
    """A user's module generic in its sizes, made through a partial (its sizes are then
    `Dyn`: no false alarm where the direct call binds them)."""

    def __init__(self, i: Size[C], o: Size[D], act: bool = True) -> None:
        super().__init__()
        self.lin = nn.Linear(i, o)
        self.act = act

    def forward(self, x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, D]]:
        y = self.lin(x)
        return y.relu() if self.act else y


plain = functools.partial(SizedBlock, act=False)
block = plain(8, 4)
assert block(sd.randn((3, 8))).shape == (3, 4)
