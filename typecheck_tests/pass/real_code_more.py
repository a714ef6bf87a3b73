"""More correct code as users write it (second round): no error, and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
D = TypeVar("D", bound=Dim)


# ---- 1. `d ** -0.5` of a size is a float (typeshed's `int ** float` is Any) -------------------
def attention(q: Tensor[tuple[B, T, D]], k: Tensor[tuple[B, T, D]]) -> Tensor[tuple[B, T, T]]:
    d = q.shape[-1]
    return ((q @ k.mT) * d**-0.5).softmax(axis=-1)


assert attention(sd.randn((2, 3, 4)), sd.randn((2, 3, 4))).shape == (2, 3, 3)
