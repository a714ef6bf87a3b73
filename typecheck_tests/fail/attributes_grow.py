"""Attributes: what the user wrote, and what is no size change, keep their errors."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Dyn, Tensor, nn


class Cache(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.k: Tensor[tuple[Const[1], Const[0], Const[64]]] = sd.zeros((1, 0, 64))
        self.v = sd.zeros((1, 0, 64))
        self.w = sd.zeros((1, 0, 64))

    def append(self, k: Tensor[tuple[Const[1], Const[1], Const[64]]]) -> None:
        self.k = sd.concat([self.k, k], axis=1)  # E: [assignment]
        self.v = sd.zeros((1, 0, 64), dtype=sd.f64)  # E: [arg-type]
        self.w = self.w[0]  # E: [assignment]

    def wrong(self) -> Tensor[tuple[Const[1], Dyn, Const[32]]]:
        return self.v  # E: [return-value]


class Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(32, 1000)


model = Backbone()
model.fc = nn.Conv2d(32, 10, 1)  # E: [assignment]
