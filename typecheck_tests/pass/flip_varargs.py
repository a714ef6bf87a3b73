"""`x.flip(0, 1)`, PyTorch's spelling, typed as `x.flip((0, 1))` (executed too)."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced

B = TypeVar("B", bound=Dim)


def mirrored(
    x: Tensor[tuple[B, Const[2], Const[3]], sd.f32, Traced],
) -> Tensor[tuple[B, Const[2], Const[3]], sd.f32, Traced]:
    return x.flip(1, 2) + x.flip((0, -1)) + x.flip(axis=0) + x.flip()


x = sd.randn((4, 2, 3))
both: Tensor[tuple[Const[4], Const[2], Const[3]]] = x.flip(0, 2)
assert both.tolist() == x.flip((0, 2)).tolist()
grads = mirrored(x.traced()).sum().backward()
assert grads[x].shape == (4, 2, 3)
