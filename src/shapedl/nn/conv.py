"""Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose1d` and `ConvTranspose2d` around
their ops.

Initialised as PyTorch does: weight and bias from `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`, where
`fan_in` is the size of one output's receptive field (`in_channels / groups * prod(kernel)`;
for a transposed convolution, `out_channels / groups * prod(kernel)`).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.dims import Dim, Shape
from shapedl.errors import ShapeError
from shapedl.nn import init
from shapedl.nn.linear import kaiming_bound
from shapedl.nn.module import Module
from shapedl.nn.registry import pair, register_layer
from shapedl.ops.conv import (
    conv1d,
    conv1d_rule,
    conv2d,
    conv2d_rule,
    conv_transpose1d,
    conv_transpose1d_rule,
    conv_transpose2d,
    conv_transpose2d_rule,
)
from shapedl.ops.creation import zeros
from shapedl.tensor import Tensor
from shapedl.types import DT, TT

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

# NOTE: the mypy plugin records a layer's channels and geometry in these (Any without it)
Ci = DefaultTypeVar("Ci", default=Any, covariant=True)
Co = DefaultTypeVar("Co", default=Any, covariant=True)
Kn = DefaultTypeVar("Kn", default=Any, covariant=True)
St = DefaultTypeVar("St", default=Any, covariant=True)
Pd = DefaultTypeVar("Pd", default=Any, covariant=True)
Dl = DefaultTypeVar("Dl", default=Any, covariant=True)
Op = DefaultTypeVar("Op", default=Any, covariant=True)
Gr = DefaultTypeVar("Gr", default=Any, covariant=True)
_C = TypeVar("_C", bound=type)
_V = TypeVar("_V")
Single = int | tuple[int]
Pair = int | tuple[int, int]
Sizes = int | tuple[int, ...]


def _sizes(name: str, option: str, v: Sizes, nd: int) -> tuple[int, ...]:
    """`v` as `nd` ints (an int repeated), or a `ValueError` in the registry's words."""
    try:
        sizes = pair(nd)(v)
    except ValueError as err:
        raise ValueError(f"{name}: {option} {err}") from None
    return cast(tuple[int, ...], sizes)  # NOTE: the ints given


def as_sizes(name: str, option: str, v: _V, nd: int) -> _V:
    """`v` as PyTorch takes a size option: a NumPy integer as an int, a list as a tuple (of
    `nd` ints); a string (`padding="same"`) or None (a pool's stride) as it is.

    NOTE: at construction, so that `dilation=d` for `d` in `2 ** np.arange(n)` (WaveNet's
    dilations) or `kernel_size=[3]` works as in PyTorch and shows in the repr, rather than
    failing at the first call.

    Raises:
        TypeError: for anything else (a float, a bool), naming the layer and the option.
        ValueError: for a sequence that is not `nd` sizes.
    """
    if v is None or isinstance(v, str):
        return v
    many = "a 1-tuple" if nd == 1 else f"{nd} ints"
    if isinstance(v, tuple | list):
        return cast(_V, _sizes(name, option, tuple(_int(name, option, i, many) for i in v), nd))
    return cast(_V, _int(name, option, v, many))


def _int(name: str, option: str, v: object, many: str) -> int:
    """`v` as an int, where it is one (a NumPy integer too), else a `TypeError`."""
    if type(v) is int:
        return v
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return operator.index(v)
    raise TypeError(f"{name}: {option} must be an int or {many} of ints, got {v!r}")


def check_groups(name: str, in_channels: Dim, out_channels: Dim, groups: Dim) -> None:
    """The groups divide both channel counts (where they are numbers); a `ShapeError`, which is
    a `ValueError`, as PyTorch raises."""
    counts = (in_channels, out_channels)
    if isinstance(groups, int) and groups < 1:  # NOTE: not "divisible by groups=0"
        raise ShapeError(f"{name}: groups={groups} must be a positive int")
    if isinstance(groups, int) and any(isinstance(c, int) and c % groups for c in counts):
        raise ShapeError(
            f"{name}: in_channels={in_channels} and out_channels={out_channels} must both be "
            f"divisible by groups={groups}"
        )


def _padding(nd: int) -> Any:
    """`padding`: `"same"`/`"valid"` as written, else `nd` sizes."""
    sizes = pair(nd)
    return lambda v: v if isinstance(v, str) else sizes(v)


def _conv_layer(name: str, nd: int, transposed: bool = False) -> Callable[[_C], _C]:
    """The registration of a convolution layer: its geometry recorded, its op's rule."""
    sizes = pair(nd)
    geometry = ("kernel_size", "stride", "padding", *(("output_padding",) if transposed else ()))
    op = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"
    rule = {
        "conv1d": conv1d_rule,
        "conv2d": conv2d_rule,
        "conv_transpose1d": conv_transpose1d_rule,
        "conv_transpose2d": conv_transpose2d_rule,
    }[op]

    def weight(in_channels: Dim, out_channels: Dim, kernel_size: Shape, **_: object) -> Shape:
        """The weight as the messages show it: `(C_out, C_in, *K)` (transposed: in, out)."""
        pair_ = (in_channels, out_channels) if transposed else (out_channels, in_channels)
        return (*pair_, *kernel_size)

    def shape(
        x: Shape,
        in_channels: Dim,
        out_channels: Dim,
        kernel_size: Shape,
        groups: Dim,
        **options: Any,
    ) -> Shape:
        if transposed:
            w = (in_channels, dims.floordiv(out_channels, groups), *kernel_size)
        else:
            w = (out_channels, dims.floordiv(in_channels, groups), *kernel_size)
        return tuple(rule(op, x, w, None, groups=groups, **options))

    def check(in_channels: Dim, out_channels: Dim, groups: Dim, **_: object) -> None:
        check_groups(name, in_channels, out_channels, groups)

    return register_layer(
        params=("in_channels", "out_channels", *geometry, "dilation", "groups"),
        parse={
            "kernel_size": sizes,
            "stride": sizes,
            "padding": sizes if transposed else _padding(nd),
            "output_padding": sizes,
            "dilation": sizes,
        },
        shape=shape,
        check=check,
        takes=("in_channels", (1,)),
        gives=("out_channels", 1),
        weight=weight,
    )


class _Conv(Module):
    # NOTE: the dtype is the input's after `astype`, so it is not pinned to f32 here
    weight: Tensor[Any, Any]
    bias: Tensor[Any, Any]  # NOTE: typed as present, as `Linear.bias` (None with bias=False)
    in_channels: int
    out_channels: int
    groups: int

    def _channels(self, in_channels: int, out_channels: int, groups: int) -> None:
        """Keep the channels and groups, after checking that the groups divide both."""
        check_groups(type(self).__name__, in_channels, out_channels, groups)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups

    def _init(
        self, kernel: tuple[int, ...], bias: bool, device: Device | None, transposed: bool = False
    ) -> None:
        """Draw the weight `(C_out, C_in / groups, *kernel)` (transposed: `(C_in, C_out / groups,
        *kernel)`) by `init.kaiming_uniform(a=sqrt(5))`, and the bias from
        `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`."""
        outer, inner = self.out_channels, self.in_channels
        if transposed:
            outer, inner = inner, outer
        weight = zeros((outer, inner // self.groups, *kernel), device=device)
        self.weight = init.kaiming_uniform(weight, a=math.sqrt(5))
        bound = kaiming_bound(init.fan_in_and_fan_out(weight.shape)[0])
        self.bias = None  # type: ignore[assignment]
        if bias:
            self.bias = init.uniform(zeros((self.out_channels,), device=device), -bound, bound)

    def extra_repr(self) -> str:
        # NOTE: PyTorch's word for a layer without a bias, not the field's None
        return super().extra_repr().replace("bias=None", "bias=False")


class _ConvNd(_Conv):
    """`Conv1d` and `Conv2d`: a cross-correlation by `op` over `nd` spatial axes."""

    nd: ClassVar[int]
    op: ClassVar[staticmethod[..., Tensor[Any, Any, Any]]]
    kernel_size: tuple[int, ...]
    stride: Sizes
    padding: Sizes | Literal["same", "valid"]
    dilation: Sizes

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Sizes,
        stride: Sizes = 1,
        padding: Sizes | Literal["same", "valid"] = 0,
        dilation: Sizes = 1,
        groups: int = 1,
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        name = type(self).__name__
        self._channels(in_channels, out_channels, groups)
        kernel_size = as_sizes(name, "kernel_size", kernel_size, self.nd)
        self.kernel_size = _sizes(name, "kernel_size", kernel_size, self.nd)
        self.stride = as_sizes(name, "stride", stride, self.nd)
        self.padding = as_sizes(name, "padding", padding, self.nd)
        self.dilation = as_sizes(name, "dilation", dilation, self.nd)
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding {padding!r} must be 'same', 'valid' or sizes")
        self._init(self.kernel_size, bias, device)

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return self.op(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    __call__ = forward


@_conv_layer("Conv1d", 1)
class Conv1d(_ConvNd, Generic[Ci, Co, Kn, St, Pd, Dl, Gr], init=False):
    """A 1-d convolution over `(N, C_in, L)` inputs.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: the width `K` of the kernel (an int or a 1-tuple, as in PyTorch).
        stride: as in PyTorch.
        padding: as in PyTorch; also `"same"` or `"valid"`.
        dilation: as in PyTorch.
        groups: as in PyTorch.
        bias: whether to add a learned per-channel bias.
        device: where the parameters live (the default device when None).

    Raises:
        ValueError: when a size is not an int or a 1-tuple, the padding a string other than
            `"same"` or `"valid"`, or the groups do not divide both channel counts.
        TypeError: when a size is not an integer (a NumPy integer or a list is taken, as in
            PyTorch).

    Shape:
        `(N, C_in, L) -> (N, C_out, (L + 2P - D*(K-1) - 1) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> conv = sd.nn.Conv1d(2, 4, 3, padding=1)
        >>> conv.kernel_size, conv(sd.ones((1, 2, 10))).shape
        ((3,), (1, 4, 10))
    """

    # NOTE: as given (`__init__` checked there is one size and made a NumPy integer an int, a
    # list a tuple), so a subclass passes them to the op as `forward` does:
    # `sd.ops.conv1d(x, w, self.bias, self.stride, ...)`
    stride: Single
    padding: Single | Literal["same", "valid"]
    dilation: Single
    nd = 1
    op = staticmethod(conv1d)


@_conv_layer("Conv2d", 2)
class Conv2d(_ConvNd, Generic[Ci, Co, Kn, St, Pd, Dl, Gr], init=False):
    """A 2-d convolution over `(N, C_in, H, W)` images.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: `K` or `(KH, KW)`.
        stride: an int or a pair.
        padding: an int or a pair, or `"same"`/`"valid"`.
        dilation: an int or a pair.
        groups: split the channels into this many independent convolutions.
        bias: whether to add a learned per-channel bias.
        device: where the parameters live (the default device when None).

    Raises:
        ValueError: when a size is not an int or a pair, the padding a string other than
            `"same"` or `"valid"`, or the groups do not divide both channel counts.
        TypeError: when a size is not an integer (a NumPy integer or a list is taken, as in
            PyTorch).

    Shape:
        `(N, C_in, H, W) -> (N, C_out, (H + 2P - D*(K-1) - 1) // S + 1, ...)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.Conv2d(1, 8, 3)(sd.ones((2, 1, 28, 28))).shape
        (2, 8, 26, 26)
    """

    # NOTE: as given (`__init__` checked there are two sizes and made a NumPy integer an int,
    # a list a tuple), so a subclass passes them to the op as `forward` does:
    # `sd.ops.conv2d(x, w, self.bias, self.stride, ...)`
    stride: Pair
    padding: Pair | Literal["same", "valid"]
    dilation: Pair
    nd = 2
    op = staticmethod(conv2d)


class _ConvTransposeNd(_Conv):
    """`ConvTranspose1d` and `ConvTranspose2d`: the adjoint of a convolution by `op` over `nd`
    spatial axes; each subclass's `__init__` gives its typed options to `_options`."""

    nd: ClassVar[int]
    op: ClassVar[staticmethod[..., Tensor[Any, Any, Any]]]
    kernel_size: tuple[int, ...]

    def _options(
        self,
        kernel_size: Sizes,
        stride: Sizes,
        padding: Sizes,
        output_padding: Sizes,
        dilation: Sizes,
    ) -> None:
        """Keep the kernel size as `nd` ints and the other sizes as given (`as_sizes`)."""
        name, nd = type(self).__name__, self.nd
        self.kernel_size = _sizes(
            name, "kernel_size", as_sizes(name, "kernel_size", kernel_size, nd), nd
        )
        self.stride = as_sizes(name, "stride", stride, nd)
        self.padding = as_sizes(name, "padding", padding, nd)
        self.output_padding = as_sizes(name, "output_padding", output_padding, nd)
        self.dilation = as_sizes(name, "dilation", dilation, nd)

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return self.op(
            x,
            self.weight,
            self.bias,
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
            groups=self.groups,
            dilation=self.dilation,
        )

    __call__ = forward


@_conv_layer("ConvTranspose1d", 1, transposed=True)
class ConvTranspose1d(_ConvTransposeNd, Generic[Ci, Co, Kn, St, Pd, Op, Dl, Gr]):
    """A 1-d transposed convolution (the gradient of `Conv1d` with respect to its input): the
    upsampling of a 1-d U-Net's decoder or a vocoder.

    The weight is `(C_in, C_out / groups, K)`, as in PyTorch; the options are PyTorch's, in
    its order (`output_padding` picks one of the lengths a strided `Conv1d` maps to the same
    input length; `dilation` comes after `groups` and `bias`).

    Shape:
        `(N, C_in, L) -> (N, C_out, (L - 1) * S - 2P + D*(K-1) + output_padding + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1)(sd.ones((1, 8, 10))).shape
        (1, 4, 20)
    """

    stride: Single
    padding: Single
    output_padding: Single
    dilation: Single
    nd = 1
    op = staticmethod(conv_transpose1d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Single,
        stride: Single = 1,
        padding: Single = 0,
        output_padding: Single = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Single = 1,
        *,
        device: Device | None = None,
    ) -> None:
        self._channels(in_channels, out_channels, groups)
        self._options(kernel_size, stride, padding, output_padding, dilation)
        self._init(self.kernel_size, bias, device, transposed=True)


@_conv_layer("ConvTranspose2d", 2, transposed=True)
class ConvTranspose2d(_ConvTransposeNd, Generic[Ci, Co, Kn, St, Pd, Op, Dl, Gr]):
    """A 2-d transposed convolution (the gradient of `Conv2d` with respect to its input).

    The weight is `(C_in, C_out / groups, KH, KW)`, as in PyTorch.

    Shape:
        `(N, C_in, H, W) -> (N, C_out, (H - 1) * S - 2P + D*(K-1) + output_padding + 1, ...)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.ConvTranspose2d(8, 1, 2, stride=2)(sd.ones((1, 8, 7, 7))).shape
        (1, 1, 14, 14)
    """

    stride: Pair
    padding: Pair
    output_padding: Pair
    dilation: Pair
    nd = 2
    op = staticmethod(conv_transpose2d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Pair,
        stride: Pair = 1,
        padding: Pair = 0,
        output_padding: Pair = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Pair = 1,
        *,
        device: Device | None = None,
    ) -> None:
        self._channels(in_channels, out_channels, groups)
        self._options(kernel_size, stride, padding, output_padding, dilation)
        self._init(self.kernel_size, bias, device, transposed=True)
