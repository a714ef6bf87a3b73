"""A subclass of a layer is checked as the layer: its constructor's arguments, its input width."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd

In = TypeVar("In", bound=sd.Dim)
Out = TypeVar("Out", bound=sd.Dim)


class Swapped(sd.nn.Linear[In, Out], Generic[Out, In]):
    """Keeps `Linear`'s forward, so `Linear`'s width check, with `Linear`'s sizes."""


Swapped(3, 4)(sd.ones((2, 5)))  # E: [shape] Linear: shapes (2, 5) and (4, 3): input width 5 at axis -1 differs from in_features 3
Swapped(3)  # E: [call-overload] No overload variant of "Swapped" matches argument type "int"
Swapped(3, 4, device="cpu")  # E: [call-overload] No overload variant
sd.nn.BatchNorm1d()  # E: [call-arg] Missing positional argument "num_features"
