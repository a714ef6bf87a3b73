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

assert Shrink()(sd.randn((2, 64, 32, 32))).shape == (2, 10) and logits.shape == (2, 10)
assert Shrink().features(sd.randn((2, 64, 32, 32))).shape == (2, 64, 4, 4)
