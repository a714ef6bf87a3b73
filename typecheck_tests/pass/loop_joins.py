"""Names rebound in loops over layers of different widths: no error, and it runs.

After `h = x` and a loop of `h = layer(h)`, `h` is the union of `x`'s shape (the loop never
ran) and the loop's; the stale member says nothing at a return or an annotated assignment,
and a tuple of layers met by a union of widths is fine where each layer fits one of them. A sum
started from an untraced zero and traced in the loop is traced where it is returned or passed.
"""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Size, Tape, Tensor, Traced, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)
C = TypeVar("C", bound=Dim)
O = TypeVar("O", bound=Dim)
Features = Tensor[tuple[B, Const[784]], f32, TT]
Logits = Tensor[tuple[B, Const[10]], f32, TT]


# ---- 1. a list of layers, then a return with the last width written out ----------------------
class Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = [nn.Linear(784, 256), nn.Linear(256, 64), nn.Linear(64, 10)]

    def forward(self, x: Features[B, TT]) -> Logits[B, TT]:
        h = x
        for layer in self.layers:
            h = layer(h).relu()
        return h

    def with_width(self, x: Features[B, TT]) -> tuple[Logits[B, TT], int]:
        h = x
        for layer in self.layers:
            h = layer(h)
        return h, h.shape[1]

    def annotated(self, x: Features[B, TT]) -> Logits[B, TT]:
        h = x
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < len(self.layers) - 1:
                h = sd.ops.gelu(h)
        out: Logits[B, TT] = h
        return out


# ---- 2. a tuple of layers: each one meets the width it fits -----------------------------------
class Tower(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x: Features[B, TT]) -> Tensor[tuple[B, Dyn], f32, TT]:
        h = x
        for layer in (self.fc1, self.fc2, self.fc3):
            h = layer(h).relu()
        return h


# ---- 3. a Sequential's layers one by one, and a loop that doubles the width ----------------------
class Steps(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x: Features[B, TT]) -> Logits[B, TT]:
        h = x
        for layer in self.net:
            h = layer(h)
        return h


def widen(x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[32]]]:
    h = x
    while h.shape[1] < 32:
        h = sd.concat([h, h], axis=1)
    return h


# ---- 4. a loss summed from an untraced zero, returned and passed on; a loop's name passed on ----
def report(loss: Tensor[tuple[()], f32, Traced]) -> float:
    return loss.item()


def head(h: Tensor[tuple[Const[2], Const[10]]]) -> Tensor[tuple[Const[2]]]:
    return h.sum(axis=1)


def total_loss(model: nn.Linear[Const[4], Const[1]], batches: list[Tensor[tuple[Const[8], Const[4]]]]) -> Tensor[tuple[()], f32, Traced]:
    total = sd.zeros(())
    for xb in batches:
        total = total + (model(xb.traced()) ** 2).mean()
    report(total)
    mean = total / len(batches)
    return mean


def through(layers: list[nn.Linear[int, int]]) -> Tensor[tuple[Const[2]]]:
    h = sd.randn((2, 784))
    for layer in layers:
        h = layer(h)
    return head(h=h) + head(h)


# ---- 5. a user's module generic in its sizes, in a list and in a tuple of different sizes ------
class Block(nn.Module, Generic[C, O]):
    def __init__(self, c: Size[C], o: Size[O]) -> None:
        super().__init__()
        self.lin = nn.Linear(c, o)

    def forward(self, x: Tensor[tuple[B, C], f32, TT]) -> Tensor[tuple[B, O], f32, TT]:
        return self.lin(x).relu()


class Blocks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.listed = [Block(8, 16), Block(16, 8)]
        self.tupled = (Block(8, 16), Block(16, 32), Block(32, 4))

    def forward(self, x: Tensor[tuple[B, Const[8]], f32, TT]) -> Tensor[tuple[B, Dyn], f32, TT]:
        h = x
        for blk in self.listed:
            h = blk(h)
        for blk in self.tupled:
            h = blk(h)
        return h


x = sd.randn((2, 784))
mlp = Mlp()
assert Blocks()(sd.randn((2, 8))).shape == (2, 4)
assert total_loss(nn.Linear(4, 1), [sd.randn((8, 4))]).backward() is not None
assert through([nn.Linear(784, 10)]).shape == (2,)
assert mlp(x).shape == (2, 10) and mlp.with_width(x)[1] == 10 and mlp.annotated(x).shape == (2, 10)
assert Tower()(x).shape == (2, 10) and Steps()(x.traced()).shape == (2, 10)
assert widen(sd.randn((3, 8))).shape == (3, 32)


H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)


class ConvBlock(nn.Module, Generic[C, O]):
    def __init__(self, cin: Size[C], cout: Size[O]) -> None:
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x: Tensor[tuple[B, C, H, W], f32, TT]) -> Tensor[tuple[B, O, H, W], f32, TT]:
        return self.conv(x)

    __call__ = forward


enc1, enc2, pool = ConvBlock(3, 8), ConvBlock(8, 16), nn.MaxPool2d(2)


def encode(x: Tensor[tuple[B, Const[3], H, W], f32, TT]) -> Tensor[tuple[B, Dyn, Dyn, Dyn], f32, TT]:
    # NOTE: a U-Net's encoder: the pool halves H and W, which mypy alone joined to `object`
    # ("Value of type variable H of forward of ConvBlock cannot be object") across the steps
    h = x
    for enc in (enc1, enc2):
        h = pool(enc(h))
    return h


assert encode(sd.randn((2, 3, 8, 8))).shape == (2, 16, 2, 2)
