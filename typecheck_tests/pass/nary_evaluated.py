"""`Mul` and `Add` of several dims in annotations that Python evaluates: without
`from __future__ import annotations` a function's and a class's annotations run at
definition, where `Generic` alone refused a third dim (a `TypeError`) though mypy passed it."""

# fmt: off
from typing import TypeVar

import shapedl as sd
from shapedl import Add, Const, Dim, Mul, Tensor, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)


def flat(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, Mul[C, H, W]]]:
    return x.flatten(1)


def grown(x: Tensor[tuple[B, C]], y: Tensor[tuple[B, H]], z: Tensor[tuple[B, W]]) -> Tensor[tuple[B, Add[C, H, W]]]:
    return sd.concat([x, y, z], axis=1)


class Head(nn.Module):
    fc: nn.Linear[Mul[Const[3], Const[4], Const[5]], Const[10]]

    def __init__(self) -> None:
        self.fc = nn.Linear(60, 10)

    def forward(self, x: Tensor[tuple[B, Const[3], Const[4], Const[5]]]) -> Tensor[tuple[B, Const[10]]]:
        return self.fc(flat(x))


assert flat(sd.zeros((2, 3, 4, 5))).shape == (2, 60)
assert grown(sd.zeros((2, 1)), sd.zeros((2, 2)), sd.zeros((2, 3))).shape == (2, 6)
assert Head()(sd.zeros((2, 3, 4, 5))).shape == (2, 10)
