"""`arange` with float bounds and steps, as NumPy users write it: no error, and it runs."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

grid: Tensor[tuple[Const[10]]] = sd.arange(0, 1, 0.1)
half_steps = sd.arange(0.0, 2.0, 0.5)
t = sd.arange(1.5, 4)
angles = sd.arange(0.0, 6.3, 0.1).sin()
down = sd.arange(1, 0, -0.25)

assert grid.shape == (10,) and half_steps.tolist() == [0.0, 0.5, 1.0, 1.5]
assert t.tolist() == [1.5, 2.5, 3.5] and angles.shape == (63,) and down.shape == (4,)
