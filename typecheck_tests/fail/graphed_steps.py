"""`sd.graphed` keeps the step's signature: a wrong argument is an error at the call."""

# fmt: off
from __future__ import annotations

from typing import Any

import shapedl as sd
from shapedl import Const, Tensor, f32


@sd.graphed
def step(x: Tensor[tuple[Const[4], Const[8]], f32, Any]) -> Tensor[tuple[()], f32, Any]:
    return x.sum()


step(sd.zeros((4, 8)), 2)  # E: [call-arg]
step("x")  # E: [arg-type]
step(sd.zeros((4, 9)))  # E: [arg-type]
