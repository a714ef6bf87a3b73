"""The types of attributes that change size: `Dyn` where they do, after the growth is checked."""

# fmt: off
from __future__ import annotations

from typing import Self, reveal_type

import shapedl as sd
from shapedl import Const, Tensor, nn


class Cache(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.k = sd.zeros((1, 0, 64))
        self.d = 64

    def append(self, k: Tensor[tuple[Const[1], Const[1], Const[64]]]) -> Self:
        self.k = sd.concat([self.k, k], axis=1)
        reveal_type(self.k)  # R: Tensor[tuple[Literal[1], Any, Literal[64]], f32, NoTape]
        return self

    def peek(self) -> None:
        reveal_type(self.k)  # R: Tensor[tuple[Literal[1], Any, Literal[64]], f32, NoTape]


# NOTE: at module level, after the class whose method grows the attribute: the grown type
cache = Cache().append(sd.randn((1, 1, 64)))
reveal_type(cache.k)  # R: Tensor[tuple[Literal[1], Any, Literal[64]], f32, NoTape]
