"""A user's module called through `Module.__call__`: a size that no binding fits is still an
error."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Mul, Tensor, f32, nn

H = TypeVar("H", bound=Dim)


class Up(nn.Module):
    def forward(self, x: Tensor[tuple[H], f32], skip: Tensor[tuple[Mul[Const[2], H]], f32]) -> Tensor[tuple[Mul[Const[2], H]], f32]:
        return sd.concat([x, x]) + skip


Up()(sd.randn((4,)), sd.randn((9,)))  # E: [arg-type]
