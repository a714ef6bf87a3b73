"""A subclass of a layer without the plugin: `init=False` keeps the layer's constructor.

Checkers give a `dataclass_transform` subclass without its own `__init__` one generated from
its fields; the class keyword `init=False` tells them the runtime keeps the inherited one
(the plugin needs no keyword). `BatchNorm1d`/`BatchNorm2d` are written so.
"""

from __future__ import annotations

from typing import Any, TypeVar, TypeVarTuple

import shapedl as sd
from shapedl import Tensor
from shapedl.types import DT, TT

In = TypeVar("In", bound=sd.Dim)
Out = TypeVar("Out", bound=sd.Dim)
Bs = TypeVarTuple("Bs")


class Kept(sd.nn.Linear[In, Out], init=False):
    def forward(self, x: Tensor[tuple[*Bs, In], DT, TT]) -> Tensor[tuple[*Bs, Out], DT, TT]:
        return super().forward(x).relu()

    __call__ = forward


class Generated(sd.nn.Linear[Any, Any]):
    pass


layer: Kept[Any, Any] = Kept(3, 4, bias=False)
layer(sd.ones((2, 3)))
sd.nn.BatchNorm1d(3)
sd.nn.BatchNorm2d(16, eps=1e-3)
Generated(3, 4)  # E: Missing positional arguments  # E: [arg-type] Argument 1 to "Generated"  # E: [arg-type] Argument 2 to "Generated"  # NOTE: a constructor from the fields
