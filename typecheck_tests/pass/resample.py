"""Adaptive pools and interpolate with literal and symbolic sizes: a small encoder-decoder."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Mul, Tensor

N = TypeVar("N", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)

x = sd.randn((2, 3, 7, 5))
p1: Tensor[tuple[Const[2], Const[3], Const[1], Const[1]]] = sd.ops.adaptive_avg_pool2d(x, 1)  # op: adaptive_avg_pool2d
p2: Tensor[tuple[Const[2], Const[3], Const[7], Const[2]]] = sd.ops.adaptive_max_pool2d(x, (None, 2))  # op: adaptive_max_pool2d
u1: Tensor[tuple[Const[2], Const[3], Const[14], Const[10]]] = sd.ops.interpolate(x, scale_factor=2)  # op: interpolate
u2: Tensor[tuple[Const[2], Const[3], Const[4], Const[9]]] = sd.ops.interpolate(x, (4, 9), mode="bilinear")
u3: Tensor[tuple[Const[2], Const[3], Const[10], Const[7]]] = sd.ops.interpolate(x, scale_factor=1.5)


def skip(x: Tensor[tuple[N, C, Mul[Const[2], H], Mul[Const[2], W]]]) -> Tensor[tuple[N, C, Mul[Const[2], H], Mul[Const[2], W]]]:
    n, c, h2, w2 = x.shape
    down = sd.ops.adaptive_avg_pool2d(x, (h2 // 2, w2 // 2))
    up = sd.ops.interpolate(down, scale_factor=2, mode="bilinear", align_corners=True)
    return x + up


image: Any = sd.ones((1, 2, 4, 6))  # NOTE: mypy cannot solve H from 2*H = 4
assert skip(image).shape == (1, 2, 4, 6) and u3.shape == (2, 3, 10, 7)
