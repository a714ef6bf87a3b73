"""Normalization layers: `LayerNorm` over trailing axes, `BatchNorm1d`/`BatchNorm2d` per channel.

Batch norm uses the batch's statistics and updates its running statistics (buffers) only in
training, that is when its input is traced; an untraced input is normalized with the running
statistics (inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import Dim as DimValue
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.nn.module import Module
from shapedl.nn.registry import ALL, register_layer, trailing_shape
from shapedl.ops.creation import ones, zeros
from shapedl.ops.norm import batch_norm, batch_norm_rule, layer_norm, layer_norm_rule
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, S, f32

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]

# NOTE: the mypy plugin records the normalized shape in this (Any without it)
Ns = DefaultTypeVar("Ns", default=Any)
# the number of channels; `BatchNorm2d(16)` is `BatchNorm2d[Const[16]]` with the mypy plugin
C = DefaultTypeVar("C", bound=int, default=Any)
Param = Tensor[Any, f32] | None


def _layer_norm_shape(x: Shape, normalized_shape: Shape) -> Shape:
    return layer_norm_rule("layer_norm", x, normalized_shape)


@register_layer(
    params=("normalized_shape",),
    parse={"normalized_shape": trailing_shape},
    shape=_layer_norm_shape,
    keeps=ALL,
)
class LayerNorm(Module, Generic[Ns]):
    """Normalize over the trailing `normalized_shape` axes, then scale and shift.

    Args:
        normalized_shape: the trailing sizes to normalize over (an int for the last axis).
        eps: added to the variance before the square root.
        elementwise_affine: whether to learn a per-element `weight` (ones at first).
        bias: whether to learn a per-element `bias` (zeros at first) too.
        device: where the parameters live (the default device when None).

    Shape:
        `(*, *normalized_shape) -> (*, *normalized_shape)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.LayerNorm(4)(sd.randn((2, 3, 4))).shape
        (2, 3, 4)
    """

    weight: Param
    bias: Param
    normalized_shape: tuple[int, ...]
    eps: float

    def __init__(
        self,
        normalized_shape: Sequence[int] | int,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(shape)
        self.eps = eps
        self.weight = ones(self.normalized_shape, device=device) if elementwise_affine else None
        has_bias = elementwise_affine and bias
        self.bias = zeros(self.normalized_shape, device=device) if has_bias else None

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    __call__ = forward


def batch_norm_shape(name: str, ranks: tuple[int, ...]) -> Any:
    """The output shape of a batch norm layer `name` taking inputs of `ranks`, by the op's rule
    with `(C,)` statistics (the runtime's words for a rank or a channel mismatch)."""

    def shape(x: Shape, num_features: DimValue) -> Shape:
        if len(x) not in ranks:
            wanted = " or ".join(f"{r}-d" for r in ranks)
            raise shape_error(name, [x], f"expected a {wanted} input")
        stats = (num_features,)
        return batch_norm_rule("batch_norm", x, stats, stats, stats, stats)

    return shape


def _batch_norm_layer(name: str, ranks: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    return register_layer(
        params=("num_features",),
        shape=batch_norm_shape(name, ranks),
        takes=("num_features", axes),
        keeps=ALL if len(axes) > 1 else (1,),
        weight=lambda num_features: (num_features,),
    )


class _BatchNorm(Module, Generic[C]):
    weight: Param
    bias: Param
    running_mean: Param
    running_var: Param
    num_features: int
    eps: float
    momentum: float
    buffer_fields: ClassVar[tuple[str, ...]] = ("running_mean", "running_var")
    ranks: ClassVar[tuple[int, ...]] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        c = (num_features,)
        self.weight = ones(c, device=device) if affine else None
        self.bias = zeros(c, device=device) if affine else None
        self.running_mean = zeros(c, device=device) if track_running_stats else None
        self.running_var = ones(c, device=device) if track_running_stats else None

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        batch_norm_shape(type(self).__name__, self.ranks)(x.shape, self.num_features)
        return batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, self.momentum, self.eps
        )

    __call__ = forward


# NOTE: `init=False`: the constructor is `_BatchNorm`'s, for every checker (the runtime and the
# mypy plugin keep an inherited hand-written one anyway)
@_batch_norm_layer("BatchNorm1d", (2, 3), (1, -1))
class BatchNorm1d(_BatchNorm[C], init=False):
    """Batch normalization of `(N, C)` or `(N, C, L)` inputs over all axes but channels.

    In training (a traced input) it normalizes with the batch's statistics and updates
    `running_mean`/`running_var` (`momentum` is the new batch's weight, the variance
    unbiased, as in PyTorch); in inference it uses the running statistics.

    Shape:
        `(N, C) -> (N, C)`, `(N, C, L) -> (N, C, L)`

    Example:
        >>> import shapedl as sd
        >>> bn = sd.nn.BatchNorm1d(3)
        >>> bn(sd.ones((4, 3))).shape
        (4, 3)
    """

    ranks = (2, 3)


@_batch_norm_layer("BatchNorm2d", (4,), (1,))
class BatchNorm2d(_BatchNorm[C], init=False):
    """Batch normalization of `(N, C, H, W)` images per channel; see `BatchNorm1d`.

    Shape:
        `(N, C, H, W) -> (N, C, H, W)`
    """

    ranks = (4,)
