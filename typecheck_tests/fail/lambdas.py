"""A lambda's body is still checked once its parameter types are known."""

# fmt: off
from __future__ import annotations

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


x = sd.randn((3, 8))
apply(lambda t: nn.Linear(5, 8)(t), x)  # E: [shape] Linear: shapes (3, 8) and (8, 5): input width 8 at axis -1 differs from in_features 5
list(map(lambda t: nn.Linear(5, 8)(t), [x]))  # E: [shape] Linear: shapes (3, 8) and (8, 5)
apply(lambda t: sd.cat([t, sd.zeros((3, 5))], axis=0), x)  # E: [shape] concat: shapes (3, 8) and (3, 5)
apply(lambda t: t.sum(axis=0, keepdims=True) + sd.zeros((5,)), x)  # E: [shape] add: shapes (1, 8) and (5,)

X5 = Tensor[tuple[Const[3], Const[5]]]
X8 = Tensor[tuple[Const[3], Const[8]]]


@overload
def apply_either(f: Callable[[X5], X5], x: X5) -> X5: ...
@overload
def apply_either(f: Callable[[X8], X8], x: X8) -> X8: ...
def apply_either(f: Any, x: Any) -> Any:
    return f(x)


keep = sd.ones((3, 8), dtype=sd.bool_)
apply_either(lambda t: sd.where(keep, t, 0.0), sd.randn((3, 5)))  # E: [shape] where: shapes (3, 8) and (3, 5) and ()
