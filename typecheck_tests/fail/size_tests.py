"""A decided size test leaves the branch the run takes checked, and an undecided one both."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
fc = nn.Linear(5, 2)


def taken(x: Tensor[tuple[B, Const[4]], f32]) -> None:
    if x.shape[1] == 4:
        fc(x)  # E: [shape] Linear: shapes (B, 4) and (2, 5)


def undecided(x: Tensor[tuple[B, Const[4]], f32]) -> None:
    if x.shape[0] == 1:
        x.squeeze(1)  # E: [shape] squeeze: shape (1, 4): axis 1 has size 4, not 1


def decided_true(x: Tensor[tuple[B, Const[1], Const[8]], f32]) -> None:
    if x.shape[1] == 1:
        x = x.squeeze(1)
    nn.Linear(8, 4)(x[:, 0])  # E: [shape] Linear: shapes (B,) and (4, 8)


class Cache(nn.Module):
    """A KV cache grown by concat: its type holds its first size, so a test of it decides
    nothing (every call after the first takes the other branch)."""

    def __init__(self) -> None:
        super().__init__()
        self.k = sd.zeros((1, 0, 4))

    def forward(self, k: Tensor[tuple[Const[1], Const[1], Const[4]], f32]) -> None:
        if self.k.shape[1] == 0:
            self.k = k
        else:
            self.k + sd.ones((3,))  # E: [shape] add: shapes
            self.k = sd.concat([self.k, k], axis=1)


def kept(x: Tensor[tuple[B, Const[1], Const[8]], f32], flag: bool) -> None:
    n = x.shape[1]
    if flag:
        n = 4  # NOTE: not read from a shape: the test decides nothing
    if n == 4:
        x.squeeze(2)  # E: [shape] squeeze: shape (B, 1, 8): axis 2 has size 8, not 1


def each(a: Tensor[tuple[B, Const[1]], f32], b: Tensor[tuple[B, Const[3]], f32]) -> None:
    for out in (a, b):
        if out.shape[1] != 1:
            out.squeeze(1)  # E: [shape] squeeze: shape (B, 3): axis 1 has size 3, not 1


C = TypeVar("C", bound=Dim)


def wrong_branch(x: Tensor[tuple[B, C], f32]) -> None:
    # NOTE: the size test fixes C in its branch only
    if x.shape[-1] == 1:
        pass
    else:
        x.squeeze(-1)  # E: [shape] squeeze: shape (B, C): axis 1 has size C, not 1
    x.squeeze(1)  # E: [shape] squeeze: shape (B, C): axis 1 has size C, not 1
