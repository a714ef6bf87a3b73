"""`-1` that no batch or length could make whole is the literal case's error: B and T cancel."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

from shapedl import Const, Dim, Tensor, f32

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def split_heads(x: Tensor[tuple[B, T, Const[16]], f32]) -> None:
    b, t, _ = x.shape
    x.view(b, t, 3, -1)  # E: [shape] reshape: shapes (B, T, 16) and (B, T, 3, -1): 16*B*T values do not divide into sizes of product 3*B*T
    x.view(b, t, 4, -1)
    x.view(b, 3, -1)
