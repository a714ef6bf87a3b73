"""A lambda given to a helper generic in its dims: mypy tries it against the helper's
parameter types before it solves them, and that try is no error (it runs). So is the try of
an overloaded helper's first overload that does not fit: the one that fits is taken."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, overload

import shapedl as sd
from shapedl import Const, Dim, Tensor, nn

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

X5 = Tensor[tuple[Const[3], Const[5]]]
X8 = Tensor[tuple[Const[3], Const[8]]]


@overload
def apply_either(f: Callable[[X5], X5], x: X5) -> X5: ...
@overload
def apply_either(f: Callable[[X8], X8], x: X8) -> X8: ...
def apply_either(f: Any, x: Any) -> Any:
    return f(x)


bias = sd.zeros((8,))
z: X8 = apply_either(lambda t: lin(t), x)
z = apply_either(lambda t: t + bias, z)
z = apply_either(lambda t: sd.cat([t, t], axis=0)[:3], z)
assert z.shape == (3, 8)

# NOTE: `where` is overloaded itself: its own trial is not the helper's
keep = sd.ones((3, 8), dtype=sd.bool_)
z = apply_either(lambda t: sd.where(keep, t, 0.0), z)
z = apply_either(lambda t: sd.where(keep, 0.0, t), z)
assert z.shape == (3, 8)
