"""A name rebound by a loop that runs a run-time number of times (`while`, `for` over a range):
any shape it took may be the one after the loop, so a layer or a declared type that fits one
of them is right (the runtime checks which); one that fits none is an error (`fail/`)."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, nn

B = TypeVar("B", bound=Dim)
Image = Tensor[tuple[Const[2], Const[64], Const[32], Const[32]]]


# ---- 1. pooled until small enough, then a classifier sized for the end -------------------------
class Shrink(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(64 * 4 * 4, 10)

    def forward(self, x: Image) -> Tensor[tuple[Const[2], Const[10]]]:
        while x.shape[-1] > 4:
            x = self.pool(x)
        return self.fc(x.flatten(1))

    def features(self, x: Image) -> Tensor[tuple[Const[2], Const[64], Const[4], Const[4]]]:
        while x.shape[-1] > 4:
            x = self.pool(x)
        return x


# ---- 2. a fixed number of halvings, at module level ---------------------------------------------
pool = nn.MaxPool2d(2)
h = sd.randn((2, 64, 32, 32))
for _ in range(3):
    h = pool(h)
logits = nn.Linear(64 * 4 * 4, 10)(h.flatten(1))


# ---- 3. the loop's result named first, or passed to a function that takes the end shape -------
def head(h: Tensor[tuple[Const[2], Const[64], Const[4], Const[4]]]) -> Tensor[tuple[Const[2]]]:
    return h.sum((1, 2, 3))


def classify(x: Tensor[tuple[B, Const[64], Const[32], Const[32]]]) -> Tensor[tuple[B, Const[10]]]:
    for _ in range(3):
        x = pool(x)
    flat = x.flatten(1)  # NOTE: a name given from the loop's name is counted as it is
    same = flat
    return nn.Linear(64 * 4 * 4, 10)(same)


def summed(x: Image) -> Tensor[tuple[Const[2]]]:
    while x.shape[-1] > 4:
        x = pool(x)
    y = x.relu()
    return head(y) + head(x)


assert classify(sd.randn((2, 64, 32, 32))).shape == (2, 10)
assert summed(sd.randn((2, 64, 32, 32))).shape == (2,)
assert Shrink()(sd.randn((2, 64, 32, 32))).shape == (2, 10) and logits.shape == (2, 10)
assert Shrink().features(sd.randn((2, 64, 32, 32))).shape == (2, 64, 4, 4)
