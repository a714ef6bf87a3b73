"""An integer tensor divided (or scaled by a float) is f64, as at run time: kept as an int, or
mixed with an f32 tensor, it is an error."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, i64

B = TypeVar("B", bound=Dim)


def still_int(y: Tensor[tuple[B], i64]) -> Tensor[tuple[B], i64]:
    return y / 2  # E: [return-value]


ids = sd.arange(3, dtype=i64)
x = sd.randn((3,))
x * (ids * 0.5)  # E: [dtype] mul: dtypes float32 and float64 differ
kept: Tensor[tuple[sd.Const[3]], i64] = ids * 1.5  # E: [assignment]
