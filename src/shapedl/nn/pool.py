"""Pooling layers around their ops: `MaxPool1d`, `AvgPool1d`, `MaxPool2d` and `AvgPool2d`
over windows, `AdaptiveAvgPool1d` and `AdaptiveMaxPool1d` to a length.

Their sizes are taken as PyTorch takes them: a NumPy integer is an int and a list a tuple
(`as_sizes`), so `MaxPool1d(k)` for `k` in a NumPy array works and shows in the repr.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, TypeVarTuple, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import DYN, Shape
from shapedl.nn.conv import as_sizes
from shapedl.nn.module import Module
from shapedl.nn.registry import pair, register_layer
from shapedl.ops.pool import avg_pool2d, max_pool2d, pool_rule
from shapedl.ops.pool1d import (
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    avg_pool1d,
    max_pool1d,
    pool1d_rule,
)
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, Size

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveMaxPool1d",
    "AvgPool1d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
]

# NOTE: the mypy plugin records the geometry in these (Any without it)
Kn = DefaultTypeVar("Kn", default=Any, covariant=True)
St = DefaultTypeVar("St", default=Any, covariant=True)
Pd = DefaultTypeVar("Pd", default=Any, covariant=True)
Cm = DefaultTypeVar("Cm", default=Any, covariant=True)
Lo = DefaultTypeVar("Lo", bound=Dim, default=Any, covariant=True)
L = TypeVar("L", bound=Dim)
Lead = TypeVarTuple("Lead")
Single = int | tuple[int]
Pair = int | tuple[int, int]
AnyTensor = Tensor[Any, Any, Any]


def _pool_layer(op: str, nd: int = 2) -> Any:
    """The registration of an `nd`-d pooling layer: its geometry recorded, its op's rule."""
    sizes, rule = pair(nd), pool1d_rule if nd == 1 else pool_rule

    def shape(
        x: Shape, kernel_size: object, stride: object, padding: object, ceil_mode: object
    ) -> Shape:
        return rule(op, x, kernel_size, stride, padding, ceil_mode)

    return register_layer(
        params=("kernel_size", "stride", "padding", "ceil_mode"),
        parse={
            "kernel_size": sizes,
            "stride": lambda v: None if v is None else sizes(v),
            "padding": sizes,
        },
        shape=shape,
        keeps=(1,),
    )


class _Pool(Module):
    """What every window pool does: its sizes taken as PyTorch takes them (`as_sizes`)."""

    nd: ClassVar[int]

    def __post_init__(self) -> None:
        name = type(self).__name__
        for option in ("kernel_size", "stride", "padding"):
            setattr(self, option, as_sizes(name, option, getattr(self, option), self.nd))


class _Pool1d(_Pool, Generic[Kn, St, Pd, Cm]):
    """A 1-d pooling layer: its class's op over windows of `kernel_size`, `stride`, `padding`
    along `L`, the output size rounded up with `ceil_mode` (as in PyTorch)."""

    nd = 1
    op: ClassVar[staticmethod[[AnyTensor, Single, Single | None, Single, bool], AnyTensor]]

    kernel_size: Single
    stride: Single | None = None
    padding: Single = 0
    ceil_mode: bool = False

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return self.op(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    __call__ = forward


@_pool_layer("max_pool1d", 1)
class MaxPool1d(_Pool1d[Kn, St, Pd, Cm]):
    """The maximum over each `kernel_size` window of `(N, C, L)` signals (stride defaults to
    the kernel size).

    Shape:
        `(N, C, L) -> (N, C, (L + 2P - K) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.MaxPool1d(2)(sd.ones((1, 3, 9))).shape
        (1, 3, 4)
    """

    op = staticmethod(max_pool1d)


@_pool_layer("avg_pool1d", 1)
class AvgPool1d(_Pool1d[Kn, St, Pd, Cm]):
    """The mean over each `kernel_size` window of `(N, C, L)` signals (stride defaults to the
    kernel size); the padded zeros count in it unless `count_include_pad=False` (as in
    PyTorch).

    Shape:
        `(N, C, L) -> (N, C, (L + 2P - K) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.AvgPool1d(3, stride=1, padding=1)(sd.ones((1, 3, 9))).shape
        (1, 3, 9)
    """

    op = staticmethod(avg_pool1d)
    count_include_pad: bool = True

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    __call__ = forward


class _Pool2d(_Pool, Generic[Kn, St, Pd, Cm]):
    """A pooling layer: its class's op over windows of `kernel_size`, `stride`, `padding`,
    the output size rounded up with `ceil_mode` (as in PyTorch)."""

    nd = 2
    op: ClassVar[staticmethod[[AnyTensor, Pair, Pair | None, Pair, bool], AnyTensor]]

    kernel_size: Pair
    stride: Pair | None = None
    padding: Pair = 0
    ceil_mode: bool = False

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return self.op(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    __call__ = forward


@_pool_layer("max_pool2d")
class MaxPool2d(_Pool2d[Kn, St, Pd, Cm]):
    """The maximum over each `kernel_size` window (stride defaults to the kernel size).

    Shape:
        `(N, C, H, W) -> (N, C, (H + 2P - K) // S + 1, (W + 2P - K) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.MaxPool2d(2)(sd.ones((1, 3, 8, 8))).shape
        (1, 3, 4, 4)
    """

    op = staticmethod(max_pool2d)


@_pool_layer("avg_pool2d")
class AvgPool2d(_Pool2d[Kn, St, Pd, Cm]):
    """The mean over each `kernel_size` window (stride defaults to the kernel size); the
    padded zeros count in it unless `count_include_pad=False` (as in PyTorch).

    Shape:
        `(N, C, H, W) -> (N, C, (H + 2P - K) // S + 1, (W + 2P - K) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.AvgPool2d(2)(sd.ones((1, 3, 8, 8))).shape
        (1, 3, 4, 4)
    """

    op = staticmethod(avg_pool2d)
    count_include_pad: bool = True

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        return avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    __call__ = forward


# ---- adaptive pools -----------------------------------------------------------------------
def _length(output_size: object) -> dict[str, object]:
    """`Lo` from `output_size`: a size or a 1-tuple of one (anything else is unknown here: the
    signature refuses it)."""
    try:
        (size,) = pair(1)(output_size)
    except ValueError:  # NOTE: the signature refuses it already: one bug, one error
        size = DYN
    return {"Lo": DYN if size is None else size}


class _AdaptivePool1d(Module, Generic[Lo]):
    """An adaptive 1-d pooling layer: its class's op, to the length `output_size`.

    With the mypy plugin, the registration records the length from an int; without it, a
    `Size`-typed length binds the type parameter and a plain int gives `Any`.
    """

    op: ClassVar[staticmethod[[AnyTensor, Single], AnyTensor]]
    output_size: Single

    @overload
    def __init__(self, output_size: Size[Lo] | tuple[Size[Lo]]) -> None: ...
    @overload
    def __init__(self, output_size: Single) -> None: ...
    def __init__(self, output_size: Single) -> None:
        self.output_size = as_sizes(type(self).__name__, "output_size", output_size, 1)

    def forward(self, x: Tensor[tuple[*Lead, L], DT, TT]) -> Tensor[tuple[*Lead, Lo], DT, TT]:
        return self.op(x, self.output_size)

    __call__ = forward


@register_layer(params=("Lo",), record=_length)
class AdaptiveAvgPool1d(_AdaptivePool1d[Lo], init=False):
    """Average over PyTorch's adaptive windows, so the length becomes `output_size`.

    `AdaptiveAvgPool1d(1)` is global average pooling over time (a text CNN's or a TCN's head).

    Raises:
        ShapeError: (on call) when the input is not 2-d or 3-d.

    Shape:
        `(N, C, L) -> (N, C, l)` with `output_size=l`; also `(C, L)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.AdaptiveAvgPool1d(4)(sd.ones((2, 3, 10))).shape
        (2, 3, 4)
    """

    op = staticmethod(adaptive_avg_pool1d)


@register_layer(params=("Lo",), record=_length)
class AdaptiveMaxPool1d(_AdaptivePool1d[Lo], init=False):
    """Maximum over PyTorch's adaptive windows, so the length becomes `output_size`.

    `AdaptiveMaxPool1d(1)` is global max pooling over time.

    Raises:
        ShapeError: (on call) when the input is not 2-d or 3-d.

    Shape:
        `(N, C, L) -> (N, C, l)` with `output_size=l`; also `(C, L)`.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.AdaptiveMaxPool1d(1)(sd.ones((2, 3, 10))).shape
        (2, 3, 1)
    """

    op = staticmethod(adaptive_max_pool1d)
