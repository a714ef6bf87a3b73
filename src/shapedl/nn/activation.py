"""Activation layers (shape-keeping maps), `Flatten` and `Unflatten`.

Each activation is a parameterless module around its op in `shapedl.ops`; its `__call__`
keeps the input's shape, dtype and tape in the type: `Tensor[S, DT, TT] -> Tensor[S, DT, TT]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, cast, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.dims import Shape
from shapedl.errors import NotStatic, shape_error
from shapedl.nn.module import Module
from shapedl.nn.registry import ALL, register_layer
from shapedl.ops import activation, elementwise
from shapedl.ops.activation import gelu, prelu, prelu_rule
from shapedl.ops.creation import full
from shapedl.ops.movement import flatten, flatten_rule, reshape, reshape_rule
from shapedl.ops.softmax import log_softmax, softmax, softmax_rule
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, S, Size

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = [
    "ELU",
    "GELU",
    "SELU",
    "Flatten",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Identity",
    "LeakyReLU",
    "LogSoftmax",
    "LogSigmoid",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "Unflatten",
]

# NOTE: the mypy plugin records Flatten's axes, and Unflatten's axis and sizes, in these
Sa = DefaultTypeVar("Sa", default=Any, covariant=True)
Ea = DefaultTypeVar("Ea", default=Any, covariant=True)
Ua = DefaultTypeVar("Ua", default=Any, covariant=True)
Us = DefaultTypeVar("Us", default=Any, covariant=True)
# the number of PReLU's slopes (1, or the channels of its input)
Np = DefaultTypeVar("Np", bound=Dim, default=Any, covariant=True)
# the axis of Softmax and LogSoftmax, recorded by the mypy plugin
Ax = DefaultTypeVar("Ax", default=Any, covariant=True)


@register_layer(keeps=ALL)
class _Elementwise(Module):
    """An activation without hyperparameters: the op `op` of its class, on each element."""

    op: ClassVar[staticmethod[[Tensor[Any, Any, Any]], Tensor[Any, Any, Any]]]

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return self.op(x)

    __call__ = forward


class _InPlace(_Elementwise):
    """An activation that takes PyTorch's `inplace`, so that `nn.ReLU(inplace=True)` ports as
    it is: the result is the same, computed out of place (the tape keeps its operands)."""

    inplace: bool = False

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class ReLU(_InPlace):
    """`max(x, 0)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ReLU()(sd.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
        True
    """

    op = staticmethod(elementwise.relu)


class ReLU6(_InPlace):
    """`min(max(x, 0), 6)` (PyTorch's `ReLU6`, MobileNet's activation; `ops.relu6`).

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ReLU6()(sd.tensor([-1.0, 3.0, 7.0])).tolist()
        [0.0, 3.0, 6.0]
    """

    op = staticmethod(activation.relu6)


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


class SiLU(_InPlace):
    """`x * sigmoid(x)` (swish)."""

    op = staticmethod(elementwise.silu)


class Tanh(_Elementwise):
    """Hyperbolic tangent."""

    op = staticmethod(elementwise.tanh)


class Sigmoid(_Elementwise):
    """`1 / (1 + e ** -x)`."""

    op = staticmethod(elementwise.sigmoid)


class SELU(_InPlace):
    """`scale * elu(x, alpha)` with the self-normalizing constants (PyTorch's `SELU`)."""

    op = staticmethod(activation.selu)


class Mish(_InPlace):
    """`x * tanh(softplus(x))` (PyTorch's `Mish`)."""

    op = staticmethod(activation.mish)


class LogSigmoid(_Elementwise):
    """`log(sigmoid(x))`, computed without overflow (PyTorch's `LogSigmoid`)."""

    op = staticmethod(activation.logsigmoid)


class Softsign(_Elementwise):
    """`x / (1 + |x|)` (PyTorch's `Softsign`)."""

    op = staticmethod(activation.softsign)


class Hardswish(_InPlace):
    """`x * hardsigmoid(x)` (PyTorch's `Hardswish`, MobileNetV3's activation)."""

    op = staticmethod(activation.hardswish)

    def extra_repr(self) -> str:
        return ""  # NOTE: PyTorch's repr leaves `inplace` out here


class Hardsigmoid(_InPlace):
    """`clip(x / 6 + 1 / 2, 0, 1)` (PyTorch's `Hardsigmoid`)."""

    op = staticmethod(activation.hardsigmoid)

    def extra_repr(self) -> str:
        return ""  # NOTE: PyTorch's repr leaves `inplace` out here


@register_layer(keeps=ALL)
class ELU(Module):
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere (PyTorch's `ELU`).

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.nn.ELU()(sd.tensor([-1.0, 2.0])).tolist()]
        [-0.6321, 2.0]
    """

    alpha: float = 1.0
    inplace: bool = False  # NOTE: PyTorch's, as `ReLU`'s: the same result, out of place

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return activation.elu(x, self.alpha)

    __call__ = forward

    def extra_repr(self) -> str:
        return ", ".join(filter(None, (f"alpha={self.alpha}", _inplace(self.inplace))))


@register_layer(keeps=ALL)
class Hardtanh(Module):
    """`x` limited to `[min_val, max_val]` (PyTorch's `Hardtanh`).

    Raises:
        ValueError: (on call) when `min_val` is above `max_val`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Hardtanh(-2.0, 2.0)(sd.tensor([-3.0, 0.5, 3.0])).tolist()
        [-2.0, 0.5, 2.0]
    """

    min_val: float = -1.0
    max_val: float = 1.0
    inplace: bool = False  # NOTE: PyTorch's, as `ReLU`'s: the same result, out of place

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return activation.hardtanh(x, self.min_val, self.max_val)

    __call__ = forward

    def extra_repr(self) -> str:
        shown = f"min_val={self.min_val}, max_val={self.max_val}"
        return ", ".join(filter(None, (shown, _inplace(self.inplace))))


@register_layer(keeps=ALL)
class Softplus(Module):
    """`log(1 + exp(beta * x)) / beta`, and `x` itself where `beta * x > threshold`, as
    PyTorch's `Softplus`.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.nn.Softplus(beta=2.0)(sd.tensor([0.0, 30.0])).tolist()]
        [0.3466, 30.0]
    """

    beta: float = 1.0
    threshold: float = 20.0

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return elementwise.softplus(x, self.beta, self.threshold)

    __call__ = forward


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


def _prelu_shape(x: Shape, num_parameters: dims.Dim) -> Shape:
    return prelu_rule("prelu", x, (num_parameters,))


@register_layer(params=("num_parameters",), shape=_prelu_shape, keeps=ALL)
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
    inplace: bool = False  # NOTE: PyTorch's, as `ReLU`'s: the same result, out of place

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return elementwise.leaky_relu(x, self.negative_slope)

    __call__ = forward

    def extra_repr(self) -> str:
        shown = f"negative_slope={self.negative_slope}"
        return ", ".join(filter(None, (shown, _inplace(self.inplace))))


def _inplace(inplace: bool) -> str:
    """PyTorch's `repr` of `inplace`: shown only where it is True."""
    return "inplace=True" if inplace else ""


def softmax_shape(op: str) -> Any:
    """The output shape of the layer of `op` (`softmax`, `log_softmax`): the op's rule."""

    def shape(x: Shape, axis: object) -> Shape:
        if not dims.is_axis(axis):
            raise NotStatic(f"{op}: axis known only at run time")
        return softmax_rule(op, x, axis)

    return shape


@register_layer(params=("axis",), shape=softmax_shape("softmax"), keeps=ALL)
class Softmax(Module, Generic[Ax]):
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


@register_layer(params=("axis",), shape=softmax_shape("log_softmax"), keeps=ALL)
class LogSoftmax(Module, Generic[Ax]):
    """The logarithm of the softmax over `axis` (the last one by default), computed stably.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.nn.LogSoftmax()(sd.tensor([[0.0, 0.0]])).tolist()[0]]
        [-0.6931, -0.6931]
    """

    axis: int = -1

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return log_softmax(x, self.axis)

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


def unflatten_shape(x: Shape, axis: object, unflattened_size: object) -> Shape:
    """`x` with axis `axis` split into `unflattened_size` (one size may be -1), whose product
    must be that axis's size."""
    if not dims.is_axis(axis) or not isinstance(unflattened_size, tuple | list):
        raise NotStatic("unflatten: axis or sizes known only at run time")
    a = dims.normalize_axis("unflatten", axis, x)
    sizes = tuple(unflattened_size)
    free = any(isinstance(d, int) and d < 0 for d in sizes)
    known = dims.product(d for d in sizes if not (isinstance(d, int) and d < 0))
    filled = dims.mul(dims.floordiv(x[a], known), known) if free and known != 0 else known
    if dims.same(filled, x[a]) is False:
        raise shape_error(
            "unflatten",
            [x, sizes],
            f"the sizes (product {known}) do not fill size {x[a]} of axis {a}",
            "their product must be that size (or divide it, with one -1)",
        )
    return x[:a] + reshape_rule("unflatten", (x[a],), sizes) + x[a + 1 :]


@register_layer(params=("axis", "unflattened_size"), shape=unflatten_shape)
class Unflatten(Module, Generic[Ua, Us]):
    """Split axis `axis` into `unflattened_size` (PyTorch's `Unflatten`; `Flatten`'s inverse).

    Raises:
        ShapeError: (on call) when the sizes do not multiply to the axis's size.

    Shape:
        `(N, C * H * W) -> (N, C, H, W)` with `axis=1, unflattened_size=(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Unflatten(1, (3, 4))(sd.ones((2, 12))).shape
        (2, 3, 4)
    """

    axis: int
    unflattened_size: tuple[int, ...]

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        # NOTE: sizes of a run-time shape are ints
        want = cast(tuple[int, ...], unflatten_shape(x.shape, self.axis, self.unflattened_size))
        return reshape(x, want)

    __call__ = forward
