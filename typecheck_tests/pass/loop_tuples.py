"""A loop over a tuple of layers of different widths: after it, the name is what the last
layer gave, so a declared literal width fits (a return, an annotated name, the next layer)."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Size, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
O = TypeVar("O", bound=Dim)  # noqa: E741
TT = TypeVar("TT", bound=Tape)
Features = Tensor[tuple[B, Const[784]], f32, TT]


# ---- 1. a tower of layers, looped over as a tuple of attributes -------------------------------
class Tower(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)
        self.head = nn.Linear(10, 2)

    def forward(self, x: Features[B, TT]) -> Tensor[tuple[B, Const[10]], f32, TT]:
        for layer in (self.fc1, self.fc2, self.fc3):
            x = layer(x)
        return x

    def activated(self, x: Features[B, TT]) -> Tensor[tuple[B, Const[2]], f32, TT]:
        h = x
        for layer in (self.fc1, self.fc2, self.fc3):
            h = layer(h)
            h = h.relu()
        scale = 2.0
        return self.head(h) * scale


# ---- 2. blocks of a user's generic module ------------------------------------------------------
class Block(nn.Module, Generic[C, O]):
    def __init__(self, c: Size[C], o: Size[O]) -> None:
        super().__init__()
        self.lin = nn.Linear(c, o)

    def forward(self, x: Tensor[tuple[B, C], f32, TT]) -> Tensor[tuple[B, O], f32, TT]:
        return self.lin(x).relu()


class Blocks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = (Block(8, 16), Block(16, 32), Block(32, 4))

    def forward(self, x: Tensor[tuple[B, Const[8]], f32, TT]) -> Tensor[tuple[B, Const[4]], f32, TT]:
        for blk in self.blocks:
            x = blk(x)
        return x


class Expressions(nn.Module):
    """The loop's last type reaches an expression of the name too, and a name given from it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 16), nn.Linear(16, 32)

    def shifted(self, x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[32]]]:
        for layer in (self.fc1, self.fc2):
            x = layer(x)
        return x.relu() * 2 + 1

    def biased(self, x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[32]]]:
        for layer in (self.fc1, self.fc2):
            x = layer(x)
        return x + sd.zeros((32,))

    def paired(
        self, x: Tensor[tuple[B, Const[8]]]
    ) -> tuple[Tensor[tuple[B, Const[32]]], Tensor[tuple[B, Const[32]]]]:
        for layer in (self.fc1, self.fc2):
            x = layer(x)
        return x, x.relu()

    def swish(self, x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[32]]]:
        for layer in (self.fc1, self.fc2):
            x = layer(x)
        return x * x.sigmoid()

    def activated(self, x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[32]]]:
        for layer in (self.fc1, self.fc2):
            x = layer(x)
        return nn.GELU()(x)

    def named(self, x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[32]]]:
        for layer in (self.fc1, self.fc2):
            x = layer(x)
        out = x.relu()
        return out


# ---- 3. at module level, into an annotated name ------------------------------------------------
tower = Tower()
z = sd.randn((2, 784))
for lay in (tower.fc1, tower.fc2, tower.fc3):
    z = lay(z)
logits: Tensor[tuple[Const[2], Const[10]]] = z

assert tower(sd.randn((3, 784)).traced()).shape == (3, 10) and logits.shape == (2, 10)
assert tower.activated(sd.randn((3, 784))).shape == (3, 2)
assert Blocks()(sd.randn((5, 8))).shape == (5, 4)
assert Expressions().shifted(sd.randn((2, 8))).shape == Expressions().named(sd.randn((2, 8))).shape
