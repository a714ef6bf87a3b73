"""Activation layers (shape-keeping maps) and `Flatten`.

Each activation is a parameterless module around its op in `shapedl.ops`; its `__call__`
keeps the input's shape, dtype and tape in the type: `Tensor[S, DT, TT] -> Tensor[S, DT, TT]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import Shape
from shapedl.errors import NotStatic
from shapedl.nn.module import Module
from shapedl.nn.registry import ALL, register_layer
from shapedl.ops import elementwise
from shapedl.ops.activation import gelu, prelu
from shapedl.ops.creation import full
from shapedl.ops.movement import flatten, flatten_rule
from shapedl.ops.softmax import softmax
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, S, Size

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = [
    "GELU",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "PReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
]

# NOTE: the mypy plugin records Flatten's axes in these (Any without it)
Sa = DefaultTypeVar("Sa", default=Any, covariant=True)
Ea = DefaultTypeVar("Ea", default=Any, covariant=True)
# the number of PReLU's slopes (1, or the channels of its input)
Np = DefaultTypeVar("Np", bound=Dim, default=Any, covariant=True)


@register_layer(keeps=ALL)
class _Elementwise(Module):
    """An activation without hyperparameters: the op `op` of its class, on each element."""

    op: ClassVar[staticmethod[[Tensor[Any, Any, Any]], Tensor[Any, Any, Any]]]

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return self.op(x)

    __call__ = forward


class ReLU(_Elementwise):
    """`max(x, 0)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ReLU()(sd.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
        True
    """

    op = staticmethod(elementwise.relu)


@register_layer(keeps=ALL)
class GELU(Module):
    """GELU, `x * Phi(x)` (`Phi` the standard normal CDF), as PyTorch's `GELU`.

    `GELU(approximate="tanh")` is the tanh approximation, PyTorch's `GELU(approximate="tanh")`.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.nn.GELU()(sd.tensor([-1.0, 1.0])).tolist()]
        [-0.1587, 0.8413]
    """

    approximate: Literal["none", "tanh"] = "none"

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return gelu(x, self.approximate)

    __call__ = forward


class SiLU(_Elementwise):
    """`x * sigmoid(x)` (swish)."""

    op = staticmethod(elementwise.silu)


class Tanh(_Elementwise):
    """Hyperbolic tangent."""

    op = staticmethod(elementwise.tanh)


class Sigmoid(_Elementwise):
    """`1 / (1 + e ** -x)`."""

    op = staticmethod(elementwise.sigmoid)


@register_layer(keeps=ALL)
class Identity(Module):
    """The input, unchanged (a placeholder where a layer is optional).

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Identity()(sd.tensor([1.0, 2.0])).tolist()
        [1.0, 2.0]
    """

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return x

    __call__ = forward


@register_layer(keeps=ALL)
class PReLU(Module, Generic[Np]):
    """`x` where positive, `weight * x` elsewhere, with learned slopes (PyTorch's `PReLU`).

    Args:
        num_parameters: 1 (one slope shared by all) or the channels of the input (axis 1).
        init: the slopes' initial value.
        device: where the parameters live (the default device when None).

    Raises:
        ShapeError: (on call) when `num_parameters` is neither 1 nor the input's channels.

    Shape:
        `(N, C, *) -> (N, C, *)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.PReLU()(sd.tensor([-2.0, 3.0])).tolist()
        [-0.5, 3.0]
    """

    # NOTE: the dtype is the input's after `astype`, so it is not pinned to f32 here
    weight: Tensor[tuple[Np], Any]
    num_parameters: int

    @overload
    def __init__(
        self, num_parameters: Size[Np], init: float = 0.25, *, device: Device | None = None
    ) -> None: ...
    @overload
    def __init__(
        self: PReLU[Any],
        num_parameters: int = 1,
        init: float = 0.25,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, *, device: Device | None = None
    ) -> None:
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be >= 1, got {num_parameters}")
        self.num_parameters = num_parameters
        self.weight = full((num_parameters,), init, device=device)

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return prelu(x, self.weight)

    __call__ = forward


@register_layer(keeps=ALL)
class LeakyReLU(Module):
    """`x` where positive, `negative_slope * x` elsewhere.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.LeakyReLU(0.5)(sd.tensor([-2.0, 2.0])).tolist()
        [-1.0, 2.0]
    """

    negative_slope: float = 0.01

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return elementwise.leaky_relu(x, self.negative_slope)

    __call__ = forward


@register_layer(keeps=ALL)
class Softmax(Module):
    """Softmax over `axis` (the last one by default).

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Softmax()(sd.tensor([[0.0, 0.0]])).tolist()
        [[0.5, 0.5]]
    """

    axis: int = -1

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return softmax(x, self.axis)

    __call__ = forward


def _flatten_shape(x: Shape, start_axis: object, end_axis: object) -> Shape:
    if not isinstance(start_axis, int) or not isinstance(end_axis, int):
        raise NotStatic("flatten: axes known only at run time")
    return flatten_rule("flatten", x, start_axis, end_axis)


@register_layer(params=("start_axis", "end_axis"), shape=_flatten_shape)
class Flatten(Module, Generic[Sa, Ea]):
    """Merge axes `start_axis..end_axis` (inclusive) into one; by default all but the batch.

    Shape:
        `(N, C, H, W) -> (N, C * H * W)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Flatten()(sd.ones((2, 3, 4, 5))).shape
        (2, 60)
    """

    start_axis: int = 1
    end_axis: int = -1

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return flatten(x, self.start_axis, self.end_axis)

    __call__ = forward
