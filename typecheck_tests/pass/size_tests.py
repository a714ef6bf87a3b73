"""A test of a size the types know decides its branch, as a rank test does: code written for
several shapes (`if x.shape[1] == 1: x = x.squeeze(1)`) is no error where this tensor's size
makes the test false, nor after the `if` where it makes it true."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
fc = nn.Linear(5, 2)


def never(x: Tensor[tuple[B, Const[5]], f32]) -> Tensor[tuple[B, Const[2]], f32]:
    if x.shape[1] == 1:
        x = x.squeeze(1)
    return fc(x)


def always(x: Tensor[tuple[B, Const[5], Const[1]], f32]) -> Tensor[tuple[B, Const[2]], f32]:
    if x.shape[-1] == 1:
        x = x.squeeze(-1)
    return fc(x)


def unless(x: Tensor[tuple[B, Const[5], Const[1]], f32]) -> Tensor[tuple[B, Const[2]], f32]:
    if x.size(2) != 1:
        x = x.mean(axis=2, keepdims=True)
    return fc(x.squeeze(2))


assert never(sd.randn((3, 5))).shape == (3, 2)
assert always(sd.randn((3, 5, 1))).shape == (3, 2)
assert unless(sd.randn((3, 5, 1))).shape == (3, 2)
