"""`Mul[C, H, W]` and `Add[A, B, C]`, as a user writes a product or sum of several dims: no
error, and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Add, Const, Dim, Mul, Size, Tensor

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)
P = TypeVar("P", bound=Dim)


def flat(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, Mul[C, H, W]]]:
    return x.flatten(1)


def patches(
    x: Tensor[tuple[B, C, Mul[H, P], Mul[W, P]]], p: Size[P], h: Size[H], w: Size[W]
) -> Tensor[tuple[B, Mul[H, W], Mul[C, P, P]]]:
    b, c = x.shape[0], x.shape[1]
    y = x.reshape((b, c, h, p, w, p)).permute((0, 2, 4, 1, 3, 5))
    return y.reshape((b, h * w, c * p * p))


def joined(
    a: Tensor[tuple[B, C]], b: Tensor[tuple[B, H]], c: Tensor[tuple[B, W]]
) -> Tensor[tuple[B, Add[C, H, W, Const[1]]]]:
    return sd.concat([a, b, c, sd.ones((a.shape[0], 1))], axis=1)


assert flat(sd.randn((2, 3, 4, 5))).shape == (2, 60)
assert patches(sd.randn((2, 3, 8, 8)), Size(4), Size(2), Size(2)).shape == (2, 4, 48)
assert joined(sd.ones((2, 1)), sd.ones((2, 2)), sd.ones((2, 3))).shape == (2, 7)
