"""Idioms of models ported from PyTorch, found to be false errors once: no error, and it runs."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Dyn, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)


# ---- 1. a Sequential of a list's layers, read by index under warn_return_any ---------------------
class Deep(nn.Module):
    def __init__(self, d: int, n: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*[nn.Linear(d, d) for _ in range(n)])

    @property
    def width(self) -> int:
        return self.body[0].weight.shape[1]

    def forward(self, x: Tensor[tuple[B, Dyn], f32, TT]) -> Tensor[tuple[B, Dyn], f32, TT]:
        return self.body(x)


deep = Deep(8, 2)
assert deep.width == 8 and deep(sd.randn((3, 8))).shape == (3, 8)
