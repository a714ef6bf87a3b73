"""`Linear`: `y = x @ weight.T + bias`, generic in its input and output widths."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVarTuple, overload

import numpy as np
from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.dims import Dim as DimValue
from shapedl.dims import Shape
from shapedl.errors import ShapeError, input_dtype_error, shape_error
from shapedl.nn import init
from shapedl.nn.module import Module
from shapedl.nn.registry import register_layer
from shapedl.ops.creation import zeros
from shapedl.ops.matmul import matmul
from shapedl.ops.movement import reshape, transpose
from shapedl.ops.precision import in_f32, is_half
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, Size, f32

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["Linear", "kaiming_bound", "width_error"]

# NOTE: covariant, as every layer's recorded sizes: a list of layers of different sizes is a
# list of `Linear[int, int]` (sizes `Dyn` to the plugin), not of `object`
In = DefaultTypeVar("In", bound=Dim, default=Any, covariant=True)
Out = DefaultTypeVar("Out", bound=Dim, default=Any, covariant=True)
Bs = TypeVarTuple("Bs")


def width_error(x: Sequence[object], out_features: object, in_features: object) -> ShapeError:
    """`Linear` on an input whose last axis is not `in_features` wide (the mypy plugin's too)."""
    why = (
        f"input width {x[-1]} at axis -1 differs from in_features {in_features}"
        if x
        else f"a scalar input has no axis -1 of in_features {in_features} to transform"
    )
    return shape_error("Linear", [x, (out_features, in_features)], why)


def linear_shape(x: Shape, in_features: DimValue, out_features: DimValue) -> Shape:
    """`(*B, In) -> (*B, Out)`; an input of another width is the runtime's `width_error`."""
    if not x or dims.same(x[-1], in_features) is False:
        raise width_error(x, out_features, in_features)
    return (*x[:-1], out_features)


def kaiming_bound(fan_in: int) -> float:
    """The bound of PyTorch's default bias init, `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (also the
    weight's, which is `kaiming_uniform(a=sqrt(5))`)."""
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0


@register_layer(
    params=("in_features", "out_features"),
    shape=linear_shape,
    takes=("in_features", (-1,)),
    gives=("out_features", -1),
    weight=lambda in_features, out_features: (out_features, in_features),
)
class Linear(Module, Generic[In, Out]):
    """A fully connected layer: `y = x @ weight.T + bias`.

    Initialised as PyTorch does: the weight by `init.kaiming_uniform(a=sqrt(5))`, which is
    `U(-1/sqrt(in), 1/sqrt(in))`, and the bias from the same law, with the device's seeded
    generator.

    Args:
        in_features: the width `In` of the input's last axis.
        out_features: the width `Out` of the output's last axis.
        bias: whether to add a learned bias.
        device: where the parameters live (the default device when None).

    Shape:
        `(*B, In) -> (*B, Out)`

    Example:
        >>> import shapedl as sd
        >>> layer = sd.nn.Linear(4, 3)
        >>> layer.weight.shape, layer.bias.shape
        ((3, 4), (3,))
        >>> layer(sd.ones((2, 5, 4))).shape
        (2, 5, 3)
    """

    weight: Tensor[tuple[Out, In], f32]
    # NOTE: typed as present, as PyTorch's stub types it: `nn.init.zeros(layer.bias)` in an
    # `init_weights` is no `[type-var]` error; with `bias=False` it is None at run time
    bias: Tensor[tuple[Out], f32]
    in_features: int
    out_features: int

    @overload
    def __init__(
        self,
        in_features: Size[In],
        out_features: Size[Out],
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: Linear[Any, Any],
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: sizes must be >= 0, got {in_features} and {out_features}")
        self.in_features = in_features
        self.out_features = out_features
        weight = zeros((out_features, in_features), device=device)
        self.weight = init.kaiming_uniform(weight, a=math.sqrt(5))
        bound = kaiming_bound(in_features)
        self.bias = None  # type: ignore[assignment]
        if bias:
            self.bias = init.uniform(zeros((out_features,), device=device), -bound, bound)

    def forward(self, x: Tensor[tuple[*Bs, In], DT, TT]) -> Tensor[tuple[*Bs, Out], DT, TT]:
        # NOTE: checked here, before the shape (integer ids are rarely in_features wide): the
        # GEMM below takes the weight first, and its own message would tell the user to
        # convert the input to the input's dtype
        if x.data.dtype != self.weight.data.dtype:
            raise input_dtype_error(
                "Linear", x.shape, x.data.dtype, self.weight.data.dtype, self.in_features
            )
        linear_shape(x.shape, self.in_features, self.out_features)
        lead = x.shape[:-1]
        # NOTE: one 2-d GEMM for any batch axes (its weight gradient needs no batch sum)
        rows: Any = x if x.ndim == 2 else reshape(x, (-1, x.shape[-1]))
        half_bias = self.bias is not None and rows.xp is np and is_half(rows.data.dtype)
        out: Any = (_affine_in_f32 if half_bias else _affine)(self.weight, rows, self.bias)
        return out if x.ndim == 2 else reshape(out, (*lead, self.out_features))

    __call__ = forward

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


def _affine(weight: Any, rows: Any, bias: Any) -> Any:
    """`rows @ weight.T + bias`, computed as `(W @ rows.T).T`, which keeps the dtype-mix error
    naming the weight's dtype first."""
    out = transpose(matmul(weight, transpose(rows, 0, 1)), 0, 1)
    return out if bias is None else out + bias


# NOTE: on the CPU, f16/bf16 with a bias in f32, so that `x @ W.T + b` rounds once, as PyTorch's
# CPU kernel (its matmul runs in f32 there anyway); a GPU keeps its half-precision GEMM
_affine_in_f32 = in_f32()(_affine)
