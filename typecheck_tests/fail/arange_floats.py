"""`arange` with float steps is counted: a length that is not NumPy's is an error, and so is a
zero step."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

quarters: Tensor[tuple[Const[5]]] = sd.arange(0, 1, 0.25)  # E: [assignment]  # op: arange
sd.arange(0, 1, 0.0)  # E: [shape] arange: step must not be 0
