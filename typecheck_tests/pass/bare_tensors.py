"""A bare `Tensor` (shape, dtype and tape `Any`: PyTorch's habit) rebound through layers: no
error, no crash of mypy, and it runs.

The layers' `*Bs` solved from a bare tensor made a shape of unknown rank with a known last
size, and a name rebound through two such calls crashed mypy 2.4 (an INTERNAL ERROR);
`shapedl_mypy/rankless.py` says why and what is given instead."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Tensor, f32, nn

B = TypeVar("B", bound=Dim)


# ---- 1. the PyTorch tutorial's forward ----------------------------------------------------------
class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 2)

    def forward(self, x: Tensor) -> Tensor:
        x = self.fc1(x)
        x = self.fc2(x)
        x = self.fc3(x)
        return x

    def tokens(self, x: Tensor) -> Tensor:
        x = self.embed(x)
        x = self.fc1(x)
        x = self.fc2(x).relu()
        return x


# ---- 2. a helper typed with bare tensors, then a layer sized at run time ----------------------
fc = nn.Linear(int("192"), 10)


def helper(x: Tensor) -> Tensor:
    return x


def head(x: Tensor[tuple[B, Const[3], Dyn, Dyn], f32]) -> Tensor[tuple[B, Dyn], f32]:
    x = helper(x)
    x = x.flatten(1)
    x = fc(x)
    return x


assert Net()(sd.randn((3, 4))).shape == (3, 2)
assert Net().tokens(sd.tensor([[1, 2, 3]])).shape == (1, 3, 16)
assert head(sd.randn((2, 3, 8, 8))).shape == (2, 10)
