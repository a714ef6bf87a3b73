"""PyTorch's `F.linear`: `x @ weight.mT + bias`, with the weight stored `(out, in)`.

Shape rule: `(*B, In), (Out, In), (Out,) -> (*B, Out)`; the input's last axis must be the
weight's `in_features` (axis 1), the bias one value per output feature. The op is `matmul`
and `add` once the shapes are checked, so its gradient is theirs; the batch axes are folded
into one 2-d GEMM, as `nn.Linear` does (its weight gradient needs no batch sum).
"""

from __future__ import annotations

import math
from typing import Any, TypeVar, TypeVarTuple, overload

from shapedl import dims
from shapedl.device import Cpu
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.matmul import matmul
from shapedl.ops.movement import reshape, transpose
from shapedl.ops.precision import in_f32, is_half
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices
from shapedl.types import DT, NoTape, Tape, Traced
from shapedl.types import Dim as DimType

__all__ = ["linear"]

In = TypeVar("In", bound=DimType)
Out = TypeVar("Out", bound=DimType)
Bs = TypeVarTuple("Bs")


def linear_rule(op: str, x: Shape, weight: Shape, bias: Shape | None = None) -> Shape:
    """`(*B, In), (Out, In), (Out,) -> (*B, Out)` (torch's `F.linear`)."""
    shapes = [x, weight] if bias is None else [x, weight, bias]
    if len(weight) != 2:
        raise shape_error(
            op, shapes, f"the weight must be 2-d (out_features, in_features), not {len(weight)}-d"
        )
    out, width = weight
    if not x:
        raise shape_error(op, shapes, f"a 0-d input has no axis -1 of width {width} to transform")
    if dims.same(x[-1], width) is False:
        raise shape_error(
            op,
            shapes,
            f"input width {x[-1]} at axis -1 differs from in_features {width} (axis 1 of the "
            "weight)",
            "the weight is (out_features, in_features), as PyTorch stores it",
        )
    if bias is not None and (len(bias) != 1 or dims.same(bias[0], out) is False):
        raise shape_error(
            op, shapes, f"the bias must have shape ({out},), one value per output feature"
        )
    return (*x[:-1], out)


@overload
def linear(  # type: ignore[overload-overlap]
    x: Tensor[tuple[*Bs, In], DT, NoTape],
    weight: Tensor[tuple[Out, In], DT, NoTape],
    bias: Tensor[tuple[Out], DT, NoTape] | None = None,
) -> Tensor[tuple[*Bs, Out], DT, NoTape]: ...
@overload
def linear(
    x: Tensor[tuple[*Bs, In], DT, Tape],
    weight: Tensor[tuple[Out, In], DT, Tape],
    bias: Tensor[tuple[Out], DT, Tape] | None = None,
) -> Tensor[tuple[*Bs, Out], DT, Traced]: ...
@overload
def linear(
    x: Tensor[Any, DT, Any], weight: Tensor[Any, DT, Any], bias: Tensor[Any, DT, Any] | None = None
) -> Tensor[Any, DT, Any]: ...
@register("linear", linear_rule, tensors=("x", "weight", "bias"))
def linear(
    x: Tensor[Any, DT, Any], weight: Tensor[Any, DT, Any], bias: Tensor[Any, DT, Any] | None = None
) -> Tensor[Any, DT, Any]:
    """`x @ weight.mT + bias`, as PyTorch's `torch.nn.functional.linear` (the weight is
    `(out_features, in_features)`, the bias optional).

    Raises:
        ShapeError: when the weight is not 2-d, the input is 0-d or its last axis is not
            `in_features` wide, or the bias is not `(out_features,)`.
        DTypeError: when the dtypes differ.

    Shape:
        `(*B, In), (Out, In), (Out,) -> (*B, Out)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.linear(sd.ones((2, 5, 4)), sd.ones((3, 4)), sd.zeros((3,))).shape
        (2, 5, 3)
    """
    operands = (x, weight) if bias is None else (x, weight, bias)
    check_devices("linear", *operands)
    same_dtype("linear", *operands)
    linear_rule("linear", x.shape, weight.shape, None if bias is None else bias.shape)
    half_bias = bias is not None and isinstance(x.device, Cpu) and is_half(x.data.dtype)
    out: Tensor[Any, DT, Any] = (_affine_in_f32 if half_bias else _affine)(x, weight, bias)
    return out


def _affine(x: Any, weight: Any, bias: Any) -> Any:
    rows = math.prod(x.shape[:-1])
    flat = x if x.ndim == 2 else reshape(x, (rows, x.shape[-1]))
    out = matmul(flat, transpose(weight, 0, 1))
    out = out if bias is None else out + bias
    return out if x.ndim == 2 else reshape(out, (*x.shape[:-1], weight.shape[0]))


# NOTE: on the CPU, f16/bf16 with a bias in f32, so that `x @ W.T + b` rounds once, as
# PyTorch's CPU kernel (and `nn.Linear` here); a GPU keeps its half-precision GEMM
_affine_in_f32 = in_f32()(_affine)
