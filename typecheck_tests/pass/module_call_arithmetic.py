"""A user's module called as `up(x, skip)` (through `Module.__call__(*args, **kwargs)`) solves
a `forward` whose type variable sits inside `Mul[...]` as `up.forward(x, skip)` does: U-Net's
up step, `x` of `(H,)` and a skip of `(2*H,)`."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Mul, Tensor, f32, nn

H = TypeVar("H", bound=Dim)
G = TypeVar("G", bound=Dim)


class Up(nn.Module):
    def forward(self, x: Tensor[tuple[H], f32], skip: Tensor[tuple[Mul[Const[2], H]], f32]) -> Tensor[tuple[Mul[Const[2], H]], f32]:
        return sd.concat([x, x]) + skip


up = Up()
assert_type(up(sd.randn((4,)), sd.randn((8,))), Tensor[tuple[Const[8]], f32])
assert_type(up(sd.randn((4,)), skip=sd.randn((8,))), Tensor[tuple[Const[8]], f32])


def decoder(y: Tensor[tuple[Mul[Const[2], G]], f32], x: Tensor[tuple[Mul[Const[4], G]], f32]) -> Tensor[tuple[Mul[Const[4], G]], f32]:
    return up(y, x)


assert decoder(sd.randn((4,)), sd.randn((8,))).shape == (8,)
