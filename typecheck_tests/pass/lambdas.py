"""A lambda given to a helper generic in its dims: mypy tries it against the helper's
parameter types before it solves them, and that try is no error (it runs)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, nn

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)


def apply(
    f: Callable[[Tensor[tuple[B, D]]], Tensor[tuple[B, D]]], x: Tensor[tuple[B, D]]
) -> Tensor[tuple[B, D]]:
    return f(x)


lin = nn.Linear(8, 8)
x = sd.randn((3, 8))
y = apply(lambda t: lin(t), x)
print(apply(lambda t: (t @ sd.eye(8)) + 1.0, x).shape)
xs = [sd.randn((3, 8)), sd.randn((3, 8))]
ys = list(map(lambda t: lin(t), xs))
total = functools.reduce(lambda a, b: a + lin(b), xs, sd.zeros((3, 8)))
assert y.shape == (3, 8) and total.shape == (3, 8)
