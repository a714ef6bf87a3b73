"""Attributes that change size, as PyTorch code keeps them: no error, and it runs.

An attribute whose type mypy inferred (never written) takes a new size (a KV cache grown with
`concat`, a table resized, a width kept as `self.d`): it is `Dyn` where its sizes differ.
"""

# fmt: off
from __future__ import annotations

from typing import Generic, Self, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Size, Tensor, nn

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
E = TypeVar("E", bound=Dim)
Step = Tensor[tuple[B, Const[1], Const[64]]]


# ---- 1. a KV cache made empty, grown one step at a time ----------------------------------------
class Cache(nn.Module, Generic[B]):
    def __init__(self, batch: Size[B]) -> None:
        super().__init__()
        self.k = sd.zeros((batch, 0, 64))
        self.v = sd.zeros((batch, 0, 64))

    def append(self, k: Step[B], v: Step[B]) -> Tensor[tuple[B, Dyn, Dyn]]:
        self.k = sd.concat([self.k, k], axis=1)
        self.v = sd.concat([self.v, v], axis=1)
        return self.k @ self.v.transpose(1, 2)

    def last(self) -> Tensor[tuple[B, Const[64]]]:
        return self.k[:, -1]


# ---- 2. a table resized in a method that returns Self, and its width kept as an int -----------
class Table(nn.Module, Generic[D]):
    def __init__(self, d: Size[D]) -> None:
        super().__init__()
        self.d = d
        self.w = sd.zeros((d, 3))

    def resize(self, d: int) -> Self:
        self.w = sd.zeros((d, 3))
        self.d = d
        return self

    def twice(self) -> Self:
        self.w = sd.concat([self.w, self.w])
        return self.resize(self.d * 2)

    def like(self, other: Table[E]) -> Self:
        self.d = other.d
        return self.resize(other.d)


# ---- 3. a classifier's head replaced for fine-tuning, inside and outside the class -------------
class Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Linear(16, 32)
        self.fc = nn.Linear(32, 1000)

    def forward(self, x: Tensor[tuple[B, Const[16]]]) -> Tensor[tuple[B, Dyn]]:
        return self.fc(self.features(x).relu())

    def replace_head(self, n: int) -> None:
        self.fc = nn.Linear(32, n)


# ---- 4. read right after the growth, in the method and outside the class: the new sizes --------
class Window(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.seen = sd.zeros((2, 0, 8))

    def push(self, x: Tensor[tuple[Const[2], Const[1], Const[8]]]) -> Tensor[tuple[Const[2], Const[8]]]:
        self.seen = sd.concat([self.seen, x], axis=1)
        return self.seen[:, -1]


def pushed_twice(window: Window, x: Tensor[tuple[Const[2], Const[1], Const[8]]]) -> None:
    window.push(x)
    window.seen = sd.concat([window.seen, x], axis=1)
    assert window.seen[:, -1].shape == (2, 8)


pushed_twice(Window(), sd.randn((2, 1, 8)))
model = Backbone()
model.fc = nn.Linear(32, 10)
head: Tensor[tuple[Const[2], Const[10]]] = model.fc(sd.randn((2, 32)))
assert model(sd.randn((2, 16))).shape == (2, 10)
cache = Cache(2)
for _ in range(3):
    scores = cache.append(sd.randn((2, 1, 64)), sd.randn((2, 1, 64)))
assert scores.shape == (2, 3, 3) and cache.last().shape == (2, 64)
newest: Tensor[tuple[Const[2], Const[64]]] = cache.k[:, -1]  # NOTE: module level: grown too
assert newest.shape == (2, 64)
table = Table(4).twice().like(Table(3))
assert table.w.shape == (3, 3) and table.d == 3
