"""A subclass of a layer is built with the layer's constructor, its sizes in its own type."""

# fmt: off
from __future__ import annotations

from typing import Any, Generic, TypeVar, TypeVarTuple, reveal_type

import shapedl as sd
from shapedl import Tensor
from shapedl.types import DT, TT

In = TypeVar("In", bound=sd.Dim)
Out = TypeVar("Out", bound=sd.Dim)
Bs = TypeVarTuple("Bs")


class ReluLinear(sd.nn.Linear[In, Out]):
    def forward(self, x: Tensor[tuple[*Bs, In], DT, TT]) -> Tensor[tuple[*Bs, Out], DT, TT]:
        return super().forward(x).relu()


class Swapped(sd.nn.Linear[In, Out], Generic[Out, In]):
    """Its type variables in another order: each still takes `Linear`'s argument."""


class Wide(sd.nn.Linear[In, Out]):
    """A forward that takes any width: called as this forward, not `Linear`'s."""

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return x


class Tagged(sd.nn.Linear[Any, Any]):
    tag: str = "head"


def sized(d: sd.Size[In]) -> None:
    reveal_type(ReluLinear(d, 2 * d))  # R: ReluLinear[In, Mul[Literal[2], In]]


reveal_type(ReluLinear(784, 128))  # R: ReluLinear[Literal[784], Literal[128]]
reveal_type(ReluLinear(784, 128)(sd.ones((2, 784))))  # R: Tensor[tuple[Literal[2], Literal[128]], f32, NoTape]
reveal_type(Swapped(3, 4))  # R: Swapped[Literal[4], Literal[3]]
reveal_type(Swapped(3, 4)(sd.ones((2, 3))))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(Wide(3, 4)(sd.ones((2, 5))))  # R: Tensor[Any, f32, NoTape]
reveal_type(Tagged(8, 3))  # R: Tagged
reveal_type(sd.nn.BatchNorm1d(3))  # R: BatchNorm1d[Literal[3]]
reveal_type(sd.nn.BatchNorm2d(16)(sd.ones((2, 16, 4, 4))))  # R: Tensor[tuple[Literal[2], Literal[16], Literal[4], Literal[4]], f32, NoTape]
