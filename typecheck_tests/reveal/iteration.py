"""`for row in x` (and `a, b = x`) gives `x[0]`'s type: the rows of an `(N, D)` tensor are `(D,)`
tensors, not `Tensor[Any]`. `list(x)`, `zip` and `enumerate` read `__iter__`'s declaration, and a
shape that starts with `*Bs` has rows of no fixed rank: `Tensor[Any]`, never an error."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar, TypeVarTuple, reveal_type

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32

B = TypeVar("B", bound=Dim)
Bs = TypeVarTuple("Bs")


def rows(x: Tensor[tuple[B, Const[3], Const[4]], f32], y: Tensor[tuple[B, Const[2]], f32]) -> None:
    for r in x:
        reveal_type(r)  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
    for t in y.traced():
        reveal_type(t)  # R: Tensor[tuple[Literal[2]], f32, Traced]
    for _i, e in enumerate(x):
        reveal_type(e)  # R: Tensor[Any, f32, NoTape]
    reveal_type(list(x))  # R: list[Tensor[Any, f32, NoTape]]


def variadic(x: Tensor[tuple[*Bs, Const[3]], f32]) -> None:
    for r in x:
        reveal_type(r)  # R: Tensor[Any, f32, NoTape]
    reveal_type(list(x))  # R: list[Tensor[Any, f32, NoTape]]
    first, *rest = x
    reveal_type(first)  # R: Tensor[Any, f32, NoTape]


a, b = sd.zeros((2, 5))
reveal_type(a)  # R: Tensor[tuple[Literal[5]], f32, NoTape]
for v in sd.zeros((3,)):
    reveal_type(v)  # R: Tensor[tuple[()], f32, NoTape]
loose: Tensor[Any, f32] = sd.zeros((3,))
for w in loose:
    reveal_type(w)  # R: Tensor[Any, f32, NoTape]
