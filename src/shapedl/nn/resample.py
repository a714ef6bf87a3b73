"""Resampling layers around `ops/resample.py`: `Upsample`, `AdaptiveAvgPool2d`,
`AdaptiveMaxPool2d`.

The adaptive pools' calls keep the axes before the last two in the type, and give the
output size their type records; `Upsample` takes `(N, C, *spatial)` and its output shape is
the op's rule's to say (the mypy plugin's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar, TypeVarTuple, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import DYN, Shape
from shapedl.nn.module import Module
from shapedl.nn.registry import pair, register_layer
from shapedl.ops.resample import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    interpolate,
    interpolate_rule,
)
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, Size

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample"]

Ho = DefaultTypeVar("Ho", bound=Dim, default=Any, covariant=True)
Wo = DefaultTypeVar("Wo", bound=Dim, default=Any, covariant=True)
# NOTE: the mypy plugin records Upsample's size, factor and mode in these (Any without it)
Sz = DefaultTypeVar("Sz", default=Any, covariant=True)
Sf = DefaultTypeVar("Sf", default=Any, covariant=True)
Md = DefaultTypeVar("Md", default=Any, covariant=True)
N = TypeVar("N", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)
Ss = TypeVarTuple("Ss")
Lead = TypeVarTuple("Lead")
OutputSize = int | None | tuple[int | None, int | None]
AnyTensor = Tensor[Any, Any, Any]


def _upsample_shape(x: Shape, size: object, scale_factor: object, mode: object) -> Shape:
    """The output shape by `interpolate`'s rule (a factor is read only when it is an int: the
    plugin records no float)."""
    return interpolate_rule("interpolate", x, size, scale_factor, mode)


@register_layer(
    params=("size", "scale_factor", "mode"),
    parse={"size": lambda v: tuple(v) if isinstance(v, list) else v},
    shape=_upsample_shape,
)
class Upsample(Module, Generic[Sz, Sf, Md]):
    """Resize the spatial axes to `size`, or by `scale_factor` (`ops.interpolate`).

    Attributes:
        size: the output's spatial size (an int for every axis).
        scale_factor: the factor of every spatial size (output size floored), instead.
        mode: `"nearest"` (3-d or 4-d input) or `"bilinear"` (4-d).
        align_corners: PyTorch's meaning, for `"bilinear"` only (None is False).

    Raises:
        ShapeError: (on call) when the input's rank does not suit `mode`, or both or neither
            of `size` and `scale_factor` are given.

    Shape:
        `(N, C, H, W) -> (N, C, h, w)`; `(N, C, L) -> (N, C, l)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Upsample(scale_factor=2)(sd.ones((1, 3, 4, 5))).shape
        (1, 3, 8, 10)
    """

    size: int | tuple[int, ...] | None = None
    scale_factor: float | tuple[float, ...] | None = None
    mode: str = "nearest"
    align_corners: bool | None = None

    # NOTE: one signature, not overloads by rank: the mypy plugin calls a module through its
    # `forward`, and an overloaded one stops mypy
    def forward(self, x: Tensor[tuple[N, C, *Ss], DT, TT]) -> Tensor[Any, DT, TT]:
        size: Sequence[int] | int | None = self.size
        return interpolate(x, size, self.scale_factor, self.mode, bool(self.align_corners))

    __call__ = forward


def _output_size(output_size: object) -> dict[str, object]:
    """`Ho` and `Wo` from `output_size`: one size for both, or a pair; None keeps the input's
    size, unknown here (as is anything else: the signature refuses it)."""
    try:
        sizes: tuple[object, ...] = pair(2)(output_size)
    except ValueError:  # NOTE: the signature refuses it already: one bug, one error
        sizes = (None, None)
    return {k: DYN if v is None else v for k, v in zip(("Ho", "Wo"), sizes, strict=True)}


class _AdaptivePool2d(Module, Generic[Ho, Wo]):
    """An adaptive pooling layer: its class's op, to `output_size`.

    With the mypy plugin, the registration records the output size from any ints; without it,
    `Size`-typed sizes bind the type parameters (a base's constructor cannot write a single
    size as both of a subclass's type arguments for other checkers) and plain ints give `Any`.
    """

    op: ClassVar[staticmethod[[AnyTensor, OutputSize], AnyTensor]]
    output_size: OutputSize

    @overload
    def __init__(self, output_size: tuple[Size[Ho], Size[Wo]]) -> None: ...
    @overload
    def __init__(self, output_size: OutputSize) -> None: ...
    def __init__(self, output_size: OutputSize) -> None:
        self.output_size = output_size

    def forward(
        self, x: Tensor[tuple[*Lead, H, W], DT, TT]
    ) -> Tensor[tuple[*Lead, Ho, Wo], DT, TT]:
        return self.op(x, self.output_size)

    __call__ = forward


@register_layer(params=("Ho", "Wo"), record=_output_size)
class AdaptiveAvgPool2d(_AdaptivePool2d[Ho, Wo], init=False):
    """Average over PyTorch's adaptive windows, so the spatial size becomes `output_size`.

    `AdaptiveAvgPool2d(1)` is global average pooling; `None` keeps an axis's size.

    Raises:
        ShapeError: (on call) when the input is not 3-d or 4-d.

    Shape:
        `(N, C, H, W) -> (N, C, h, w)` with `output_size=(h, w)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.AdaptiveAvgPool2d((2, 1))(sd.ones((2, 3, 7, 5))).shape
        (2, 3, 2, 1)
    """

    op = staticmethod(adaptive_avg_pool2d)


@register_layer(params=("Ho", "Wo"), record=_output_size)
class AdaptiveMaxPool2d(_AdaptivePool2d[Ho, Wo], init=False):
    """Maximum over PyTorch's adaptive windows, so the spatial size becomes `output_size`.

    `AdaptiveMaxPool2d(1)` is global max pooling; `None` keeps an axis's size.

    Raises:
        ShapeError: (on call) when the input is not 3-d or 4-d.

    Shape:
        `(N, C, H, W) -> (N, C, h, w)` with `output_size=(h, w)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.AdaptiveMaxPool2d(1)(sd.ones((2, 3, 7, 5))).shape
        (2, 3, 1, 1)
    """

    op = staticmethod(adaptive_max_pool2d)
