"""Idioms of models ported from PyTorch: their neighbouring real errors are still caught."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, nn

body = nn.Sequential(*[nn.Linear(8, 8) for _ in range(3)])
w: Tensor[tuple[Const[8], Const[4]]] = body[0].weight  # E: [assignment]
body[1](sd.randn((2, 4)))  # E: [shape] Linear
