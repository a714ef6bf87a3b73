"""`x.flip(0, 1)`, PyTorch's spelling: the axes are checked as in `x.flip((0, 1))`."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.randn((2, 3))
x.flip(0, 5)  # E: [shape] flip: shape (2, 3): axis 5 is out of range for rank 2
x.flip(1, -1)  # E: [shape] flip: shape (2, 3): axis (1, -1) repeats an axis
f1: Tensor[tuple[Const[3], Const[2]]] = x.flip(0, 1)  # E: [assignment]
