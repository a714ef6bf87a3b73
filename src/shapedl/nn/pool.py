"""Pooling layers: `MaxPool2d` and `AvgPool2d` around their ops."""

from __future__ import annotations

from typing import Any, ClassVar, Generic

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import Shape
from shapedl.nn.module import Module
from shapedl.nn.registry import pair, register_layer
from shapedl.ops.pool import avg_pool2d, max_pool2d, pool_rule
from shapedl.tensor import Tensor
from shapedl.types import DT, TT

__all__ = ["AvgPool2d", "MaxPool2d"]

# NOTE: the mypy plugin records the geometry in these (Any without it)
Kn = DefaultTypeVar("Kn", default=Any, covariant=True)
St = DefaultTypeVar("St", default=Any, covariant=True)
Pd = DefaultTypeVar("Pd", default=Any, covariant=True)
Cm = DefaultTypeVar("Cm", default=Any, covariant=True)
Pair = int | tuple[int, int]
AnyTensor = Tensor[Any, Any, Any]


def _pool_layer(op: str) -> Any:
    """The registration of a pooling layer: its geometry recorded, its op's rule."""
    sizes = pair(2)

    def shape(
        x: Shape, kernel_size: object, stride: object, padding: object, ceil_mode: object
    ) -> Shape:
        return pool_rule(op, x, kernel_size, stride, padding, ceil_mode)

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


class _Pool2d(Module, Generic[Kn, St, Pd, Cm]):
    """A pooling layer: its class's op over windows of `kernel_size`, `stride`, `padding`,
    the output size rounded up with `ceil_mode` (as in PyTorch)."""

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
