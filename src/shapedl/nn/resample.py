"""Layers that change the spatial size: `Upsample`, `AdaptiveAvgPool2d`, `AdaptiveMaxPool2d`
(around `ops/resample.py`), the pads `ZeroPad2d`, `ReflectionPad2d`, `ReplicationPad2d`
(around `ops.pad`), and `PixelShuffle`, `PixelUnshuffle` (around `ops/rearrange.py`).

The adaptive pools' calls keep the axes before the last two in the type, and give the
output size their type records; the other layers' output shapes are their ops' rules' to say
(the mypy plugin's, from the values their types record).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar, TypeVarTuple, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import DYN, Shape
from shapedl.errors import shape_error
from shapedl.nn.module import Module
from shapedl.nn.registry import pair, register_layer
from shapedl.ops.pad import PadMode, pad, pad_rule
from shapedl.ops.rearrange import (
    pixel_shuffle,
    pixel_shuffle_rule,
    pixel_unshuffle,
    pixel_unshuffle_rule,
)
from shapedl.ops.resample import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    interpolate,
    interpolate_rule,
)
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, Size

__all__ = [
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "PixelShuffle",
    "PixelUnshuffle",
    "ReflectionPad2d",
    "ReplicationPad2d",
    "Upsample",
    "ZeroPad2d",
]

Ho = DefaultTypeVar("Ho", bound=Dim, default=Any, covariant=True)
Wo = DefaultTypeVar("Wo", bound=Dim, default=Any, covariant=True)
# NOTE: the mypy plugin records Upsample's size, factor and mode in these (Any without it)
Sz = DefaultTypeVar("Sz", default=Any, covariant=True)
Sf = DefaultTypeVar("Sf", default=Any, covariant=True)
Md = DefaultTypeVar("Md", default=Any, covariant=True)
# the padding of a pad layer and the factor of a pixel shuffle, recorded by the mypy plugin
Pd = DefaultTypeVar("Pd", default=Any, covariant=True)
Rf = DefaultTypeVar("Rf", default=Any, covariant=True)
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


# ---- pads -----------------------------------------------------------------------------
def _sides(v: Any) -> tuple[Any, ...]:
    """PyTorch's `padding`: one int for every side, or `(left, right, top, bottom)`."""
    return pair(4)(v)


def _pad2d_shape(layer: str, mode: PadMode) -> Any:
    """The output shape of a pad layer, by `pad`'s rule: `(N, C, H, W)` or `(C, H, W)`."""

    def shape(x: Shape, padding: object) -> Shape:
        if len(x) not in (3, 4):
            raise shape_error(layer, [x], f"needs (N, C, H, W) or (C, H, W), not rank {len(x)}")
        return pad_rule(layer, x, _widths(len(x), _sides(padding)), mode)

    return shape


def _widths(rank: int, sides: tuple[Any, ...]) -> tuple[tuple[Any, Any], ...]:
    """PyTorch's `(left, right, top, bottom)` as NumPy's `pad_width` of a rank-`rank` input."""
    left, right, top, bottom = sides
    return ((0, 0),) * (rank - 2) + ((top, bottom), (left, right))


class _Pad2d(Module, Generic[Pd]):
    """A pad of the last two axes by `padding` (PyTorch's order: left, right, top, bottom),
    in its class's `mode`."""

    mode: ClassVar[PadMode]
    padding: int | tuple[int, int, int, int]

    def __post_init__(self) -> None:
        try:
            sides = _sides(self.padding)
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: padding {err}") from None
        if any(s < 0 for s in sides):
            raise ValueError(f"{type(self).__name__}: padding {self.padding} is negative")

    def forward(self, x: Tensor[tuple[*Lead, H, W], DT, TT]) -> Tensor[Any, DT, TT]:
        _pad2d_shape(type(self).__name__, self.mode)(x.shape, self.padding)
        return pad(x, _widths(x.ndim, _sides(self.padding)), mode=self.mode)

    __call__ = forward

    def extra_repr(self) -> str:
        return str(_sides(self.padding))  # NOTE: PyTorch's: `ZeroPad2d((1, 1, 2, 0))`


def _pad_layer(name: str, mode: PadMode) -> Any:
    """The registration of the pad layer `name`: its type records `padding`."""
    return register_layer(
        params=("padding",), parse={"padding": _sides}, shape=_pad2d_shape(name, mode)
    )


@_pad_layer("ZeroPad2d", "constant")
class ZeroPad2d(_Pad2d[Pd]):
    """Zeros around the last two axes (PyTorch's `ZeroPad2d`; `ops.pad`).

    Raises:
        ValueError: when `padding` is not an int or 4 ints, or is negative.
        ShapeError: (on call) when the input is not 3-d or 4-d.

    Shape:
        `(N, C, H, W) -> (N, C, H + top + bottom, W + left + right)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ZeroPad2d((1, 1, 2, 0))(sd.ones((1, 3, 4, 4))).shape
        (1, 3, 6, 6)
    """

    mode = "constant"


@_pad_layer("ReflectionPad2d", "reflect")
class ReflectionPad2d(_Pad2d[Pd]):
    """The last two axes mirrored about their edges, the edge not repeated (PyTorch's
    `ReflectionPad2d`; `ops.pad(..., mode="reflect")`): CycleGAN's and pix2pix's pad before
    a convolution, which leaves no dark border.

    Raises:
        ValueError: when `padding` is not an int or 4 ints, or is negative.
        ShapeError: (on call) when the input is not 3-d or 4-d, or a side's padding is not
            below the size of its axis.

    Shape:
        `(N, C, H, W) -> (N, C, H + top + bottom, W + left + right)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([[[1.0, 2.0, 3.0]]])
        >>> sd.nn.ReflectionPad2d((2, 1, 0, 0))(x).tolist()
        [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]
    """

    mode = "reflect"


@_pad_layer("ReplicationPad2d", "replicate")
class ReplicationPad2d(_Pad2d[Pd]):
    """The last two axes extended by repeating their edges (PyTorch's `ReplicationPad2d`;
    `ops.pad(..., mode="replicate")`).

    Raises:
        ValueError: when `padding` is not an int or 4 ints, or is negative.
        ShapeError: (on call) when the input is not 3-d or 4-d.

    Shape:
        `(N, C, H, W) -> (N, C, H + top + bottom, W + left + right)`; also `(C, H, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ReplicationPad2d((1, 2, 0, 0))(sd.tensor([[[1.0, 2.0]]])).tolist()
        [[[1.0, 1.0, 2.0, 2.0, 2.0]]]
    """

    mode = "replicate"


# ---- pixel shuffles ---------------------------------------------------------------------
def _shuffle_shape(x: Shape, upscale_factor: object) -> Shape:
    return pixel_shuffle_rule("PixelShuffle", x, upscale_factor)


def _unshuffle_shape(x: Shape, downscale_factor: object) -> Shape:
    return pixel_unshuffle_rule("PixelUnshuffle", x, downscale_factor)


def _check_factor(layer: str, name: str, r: object) -> None:
    if not isinstance(r, int) or r < 1:
        raise ValueError(f"{layer}: {name} must be an int of at least 1, got {r!r}")


@register_layer(params=("upscale_factor",), shape=_shuffle_shape)
class PixelShuffle(Module, Generic[Rf]):
    """Channels moved into space, `r * r` channels to an `r x r` block of pixels (PyTorch's
    `PixelShuffle`, ESPCN's sub-pixel upsampling; `ops.pixel_shuffle`).

    Raises:
        ValueError: when `upscale_factor` is not an int of at least 1.
        ShapeError: (on call) when the input has rank below 3, or its channels are not a
            multiple of `r * r`.

    Shape:
        `(*, C * r * r, H, W) -> (*, C, H * r, W * r)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.PixelShuffle(3)(sd.ones((1, 18, 4, 4))).shape
        (1, 2, 12, 12)
    """

    upscale_factor: int

    def __post_init__(self) -> None:
        _check_factor("PixelShuffle", "upscale_factor", self.upscale_factor)

    def forward(self, x: Tensor[tuple[*Lead, H, W], DT, TT]) -> Tensor[Any, DT, TT]:
        return pixel_shuffle(x, self.upscale_factor)

    __call__ = forward


@register_layer(params=("downscale_factor",), shape=_unshuffle_shape)
class PixelUnshuffle(Module, Generic[Rf]):
    """Space moved into channels, an `r x r` block of pixels to `r * r` channels (PyTorch's
    `PixelUnshuffle`, `PixelShuffle` undone; `ops.pixel_unshuffle`).

    Raises:
        ValueError: when `downscale_factor` is not an int of at least 1.
        ShapeError: (on call) when the input has rank below 3, or its height or width is not
            a multiple of `r`.

    Shape:
        `(*, C, H * r, W * r) -> (*, C * r * r, H, W)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.PixelUnshuffle(2)(sd.ones((1, 2, 12, 12))).shape
        (1, 8, 6, 6)
    """

    downscale_factor: int

    def __post_init__(self) -> None:
        _check_factor("PixelUnshuffle", "downscale_factor", self.downscale_factor)

    def forward(self, x: Tensor[tuple[*Lead, H, W], DT, TT]) -> Tensor[Any, DT, TT]:
        return pixel_unshuffle(x, self.downscale_factor)

    __call__ = forward
