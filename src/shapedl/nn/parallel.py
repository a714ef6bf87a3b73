"""Parallel branches (dfdx's): `SplitInto` runs several layers on one input and returns their
outputs as a tuple, `AddInto` returns their sum.

Like `Sequential`, the branches' types are the class's type arguments
(`SplitInto[Linear[...], Linear[...]]`), so that a checker can type each branch's call: with
the mypy plugin a `SplitInto` call is the tuple of its branches' results, and an `AddInto` call
their broadcast sum (a `[shape]` error where they do not broadcast).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Generic, TypeVarTuple, cast

from shapedl.nn.module import Module
from shapedl.nn.registry import register_layer
from shapedl.tensor import Tensor
from shapedl.types import DT, TT

__all__ = ["AddInto", "SplitInto"]

Ls = TypeVarTuple("Ls")
Layer = Callable[[Any], Any]


class _Branches(Module, Generic[*Ls]):
    layers: tuple[*Ls]
    indexed_fields: ClassVar[tuple[str, ...]] = ("layers",)  # `0.weight`, as a `Sequential`

    def __init__(self, *layers: *Ls) -> None:
        if not layers:
            raise ValueError(f"{type(self).__name__}: give at least one branch")
        self.layers = layers

    def _outputs(self, x: Any) -> list[Any]:
        return [layer(x) for layer in cast(tuple[Layer, ...], self.layers)]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(cast(tuple[Layer, ...], self.layers))


@register_layer(compose="split")
class SplitInto(_Branches[*Ls], init=False):
    """Each branch applied to the same input; their outputs as a tuple, in order.

    Example:
        >>> import shapedl as sd
        >>> heads = sd.nn.SplitInto(sd.nn.Linear(4, 3), sd.nn.Linear(4, 2))
        >>> [y.shape for y in heads(sd.ones((5, 4)))]
        [(5, 3), (5, 2)]
    """

    def forward(self, x: Tensor[Any, DT, TT]) -> tuple[Tensor[Any, DT, TT], ...]:
        return tuple(self._outputs(x))

    __call__ = forward


@register_layer(compose="add")
class AddInto(_Branches[*Ls], init=False):
    """Each branch applied to the same input; the sum of their outputs (broadcast).

    Raises:
        ShapeError: (on call) when the branches' outputs do not broadcast together.

    Example:
        >>> import shapedl as sd
        >>> both = sd.nn.AddInto(sd.nn.Identity(), sd.nn.ReLU())
        >>> both(sd.tensor([-1.0, 2.0])).tolist()
        [-1.0, 4.0]
    """

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        first, *rest = self._outputs(x)
        out: Tensor[Any, DT, TT] = first
        for y in rest:
            out = out + y
        return out

    __call__ = forward
