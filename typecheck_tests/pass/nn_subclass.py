"""Subclasses of built-in layers: built with the layer's own constructor, called as their forward.

`Module` is a `dataclass_transform` base, so checkers would give a subclass without its own
`__init__` a constructor generated from its fields; the runtime and the plugin keep the
hand-written one it inherits (`Linear(in_features, out_features, ...)`), with no `init=False`.
"""

from __future__ import annotations

from typing import Any, TypeVar, TypeVarTuple, assert_type

import shapedl as sd
from shapedl import Const, NoTape, Tensor, f32
from shapedl.types import DT, TT

In = TypeVar("In", bound=sd.Dim)
Out = TypeVar("Out", bound=sd.Dim)
Bs = TypeVarTuple("Bs")


class ReluLinear(sd.nn.Linear[In, Out]):
    """`Linear` then `relu`: only `forward` is written (the runtime makes it `__call__`)."""

    def forward(self, x: Tensor[tuple[*Bs, In], DT, TT]) -> Tensor[tuple[*Bs, Out], DT, TT]:
        return super().forward(x).relu()


layer = ReluLinear(3, 4)
assert_type(layer, ReluLinear[Const[3], Const[4]])
y = layer(sd.ones((2, 3)) * -1)
assert_type(y, Tensor[tuple[Const[2], Const[4]], f32, NoTape])
assert y.shape == (2, 4)
assert layer.weight.shape == (4, 3)
# the override runs, not `Linear.forward`
assert y.numpy().min() >= 0.0

no_bias = ReluLinear(in_features=5, out_features=2, bias=False)
assert_type(no_bias, ReluLinear[Const[5], Const[2]])
assert no_bias.bias is None


class Tagged(sd.nn.Linear[Any, Any]):
    """A plain subclass with a field of its own: still `Linear`'s constructor and forward."""

    tag: str = "head"


head = Tagged(8, 3)
assert head.tag == "head"
assert head(sd.ones((5, 8))).shape == (5, 3)

# a subclass in a chain: each layer's call, the subclass's included, types the output
model = sd.nn.Sequential(ReluLinear(4, 8), sd.nn.Linear(8, 2))
out = model(sd.ones((5, 4)))
assert_type(out, Tensor[tuple[Const[5], Const[2]], f32, NoTape])
assert out.shape == (5, 2)

# the batch norms inherit `_BatchNorm`'s constructor (they write none of their own)
bn1 = sd.nn.BatchNorm1d(3)
bn2 = sd.nn.BatchNorm2d(16, eps=1e-3, device=None)
assert bn1(sd.ones((4, 3))).shape == (4, 3)
assert bn2(sd.ones((2, 16, 4, 4))).shape == (2, 16, 4, 4)
