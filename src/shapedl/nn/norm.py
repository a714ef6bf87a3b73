"""Normalization layers: `LayerNorm` and `RMSNorm` over trailing axes, `BatchNorm1d`/`BatchNorm2d`,
`GroupNorm` and `InstanceNorm1d`/`InstanceNorm2d` per channel.

Batch norm uses the batch's statistics and updates its running statistics (buffers) only in
training, that is when its input is traced; an untraced input is normalized with the running
statistics (inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.dims import Dim as DimValue
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.nn.module import Module
from shapedl.nn.registry import ALL, register_layer, trailing_shape
from shapedl.ops.creation import ones, zeros
from shapedl.ops.norm import batch_norm, batch_norm_rule, layer_norm, layer_norm_rule
from shapedl.ops.normalize import group_norm, group_norm_rule, rms_norm, rms_norm_rule
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, NoTape, S, Size, f32, i64

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "LayerNorm",
    "RMSNorm",
]

# NOTE: the mypy plugin records the normalized shape in this (Any without it)
Ns = DefaultTypeVar("Ns", default=Any, covariant=True)
# the number of channels; `BatchNorm2d(16)` is `BatchNorm2d[Const[16]]` with the mypy plugin
C = DefaultTypeVar("C", bound=int, default=Any, covariant=True)
# the normalized width of `RMSNorm` (its last axis)
N = DefaultTypeVar("N", bound=Dim, default=Any, covariant=True)
# NOTE: typed as present, as PyTorch's stub types them (DCGAN's `weights_init` calls
# `nn.init.normal_(m.weight, ...)`); None at run time without `affine`: `_maybe` says so
Param = Tensor[Any, f32]


def _maybe(t: Tensor[Any, f32] | None) -> Param:
    return cast(Param, t)


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
        shape = self.normalized_shape
        self.weight = _maybe(ones(shape, device=device) if elementwise_affine else None)
        has_bias = elementwise_affine and bias
        self.bias = _maybe(zeros(shape, device=device) if has_bias else None)

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    __call__ = forward


def batch_norm_shape(name: str, ranks: tuple[int, ...]) -> Any:
    """The output shape of a batch norm layer `name` taking inputs of `ranks`, by the op's rule
    with `(C,)` statistics (the runtime's words for a rank or a channel mismatch)."""

    def shape(x: Shape, num_features: DimValue) -> Shape:
        check_rank(name, x, ranks)
        stats = (num_features,)
        return batch_norm_rule("batch_norm", x, stats, stats, stats, stats)

    return shape


def check_rank(name: str, x: Shape, ranks: tuple[int, ...]) -> None:
    """The input of the layer `name` has one of `ranks`."""
    if len(x) not in ranks:
        wanted = " or ".join(f"{r}-d" for r in ranks)
        raise shape_error(name, [x], f"expected a {wanted} input")


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
    running_mean: Tensor[Any, f32] | None
    running_var: Tensor[Any, f32] | None
    num_batches_tracked: Tensor[tuple[()], i64, NoTape] | None
    num_features: int
    eps: float
    momentum: float | None
    buffer_fields: ClassVar[tuple[str, ...]] = (
        "running_mean",
        "running_var",
        "num_batches_tracked",
    )
    ranks: ClassVar[tuple[int, ...]] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        if momentum is not None and (
            not isinstance(momentum, int | float) or not 0 <= momentum <= 1
        ):
            raise ValueError(
                f"{type(self).__name__}: momentum={momentum!r} must be None or a number in [0, 1]"
            )
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        c = (num_features,)
        self.weight = _maybe(ones(c, device=device) if affine else None)
        self.bias = _maybe(zeros(c, device=device) if affine else None)
        tracked = track_running_stats
        self.running_mean = zeros(c, device=device) if tracked else None
        self.running_var = ones(c, device=device) if tracked else None
        # NOTE: PyTorch's buffer, so that state dicts load both ways; it is the count that
        # momentum=None averages by
        self.num_batches_tracked = zeros((), dtype=i64, device=device) if tracked else None

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        batch_norm_shape(type(self).__name__, self.ranks)(x.shape, self.num_features)
        momentum = self.momentum
        count = self.num_batches_tracked
        if count is not None and x.is_traced:
            count.data = count.data + 1
            if momentum is None:
                # NOTE: the cumulative average's weight 1 / count, read on the host (a sync
                # on a GPU, for this option only)
                momentum = 1.0 / int(count.data)
        return batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            momentum=momentum or 0.0,
            eps=self.eps,
        )

    __call__ = forward


# NOTE: `init=False`: the constructor is `_BatchNorm`'s, for every checker (the runtime and the
# mypy plugin keep an inherited hand-written one anyway)
@_batch_norm_layer("BatchNorm1d", (2, 3), (1, -1))
class BatchNorm1d(_BatchNorm[C], init=False):
    """Batch normalization of `(N, C)` or `(N, C, L)` inputs over all axes but channels.

    In training (a traced input) it normalizes with the batch's statistics and updates
    `running_mean`/`running_var` (`momentum` is the new batch's weight, the variance
    unbiased, as in PyTorch); in inference it uses the running statistics. Without them
    (`track_running_stats=False`) it always uses the batch's. `momentum` is a number in
    [0, 1], or None for the plain average of every batch so far, as in PyTorch; the count of
    training batches is the buffer `num_batches_tracked`, so state dicts are PyTorch's.

    Raises:
        ValueError: for a `momentum` that is not None or a number in [0, 1].

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


def _last_size(v: Any) -> Any:
    """`normalized_shape` as the one size `RMSNorm`'s type records: an int as given, a
    sequence's only size, `DYN` for a longer one (its rule then checks the last axis alone)."""
    if isinstance(v, tuple | list):
        return v[0] if len(v) == 1 else dims.DYN
    return v


def _rms_norm_shape(x: Shape, normalized_shape: DimValue) -> Shape:
    return rms_norm_rule("rms_norm", x, (normalized_shape,))


@register_layer(
    params=("normalized_shape",),
    parse={"normalized_shape": _last_size},
    shape=_rms_norm_shape,
    keeps=ALL,
)
class RMSNorm(Module, Generic[N]):
    """Scale by the root mean square over the trailing `normalized_shape` axes (PyTorch's).

    `y = x / sqrt(mean(x**2) + eps) * weight`, the mean over the normalized axes.

    Args:
        normalized_shape: the trailing sizes to normalize over (an int for the last axis).
        eps: added to the mean square; None takes the dtype's machine epsilon, as PyTorch.
        elementwise_affine: whether to learn a per-element `weight` (ones at first).
        device: where the parameters live (the default device when None).

    Raises:
        ShapeError: (on call) when the trailing axes of the input are not `normalized_shape`.

    Shape:
        `(*, *normalized_shape) -> (*, *normalized_shape)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.RMSNorm(4)(sd.randn((2, 3, 4))).shape
        (2, 3, 4)
    """

    weight: Param
    normalized_shape: tuple[int, ...]
    eps: float | None

    @overload
    def __init__(
        self,
        normalized_shape: Size[N],
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: RMSNorm[Any],
        normalized_shape: Sequence[int] | int,
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        normalized_shape: Sequence[int] | int,
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(shape)
        self.eps = eps
        shape = self.normalized_shape
        self.weight = _maybe(ones(shape, device=device) if elementwise_affine else None)

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    __call__ = forward


def group_norm_shape(x: Shape, num_channels: DimValue) -> Shape:
    """The input's shape, checked against `num_channels` (the `(C,)` of the weight, with or
    without `affine`); the type does not record `num_groups`, which the constructor checked."""
    c = (num_channels,)
    return group_norm_rule("group_norm", x, dims.DYN, c, c)


def check_groups(num_groups: DimValue, num_channels: DimValue) -> None:
    """The groups divide the channels, where both are numbers (the plugin checks it too)."""
    if not isinstance(num_groups, int) or not isinstance(num_channels, int):
        return
    if num_groups <= 0 or num_channels % num_groups:
        raise ValueError(
            f"GroupNorm: num_groups={num_groups} must be positive and divide "
            f"num_channels={num_channels}"
        )


@register_layer(
    params=("num_channels",),
    shape=group_norm_shape,
    keeps=ALL,
    check=lambda num_groups, num_channels, **_: check_groups(num_groups, num_channels),
)
class GroupNorm(Module, Generic[C]):
    """Normalize each group of channels of each sample, then scale and shift per channel.

    As PyTorch's `GroupNorm`: the `C` channels (axis 1) fall into `num_groups` groups, each
    normalized over its channels and every axis after them.

    Args:
        num_groups: how many groups the channels form; must divide `num_channels`.
        num_channels: the channels `C` of the input (axis 1).
        eps: added to the variance before the square root.
        affine: whether to learn a per-channel `weight` (ones) and `bias` (zeros).
        device: where the parameters live (the default device when None).

    Raises:
        ValueError: when `num_groups` does not divide `num_channels`.
        ShapeError: (on call) when the input's axis 1 is not `num_channels` wide.

    Shape:
        `(N, C, *) -> (N, C, *)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.GroupNorm(2, 4)(sd.randn((3, 4, 5))).shape
        (3, 4, 5)
    """

    weight: Param
    bias: Param
    num_groups: int
    num_channels: int
    eps: float

    @overload
    def __init__(
        self,
        num_groups: int,
        num_channels: Size[C],
        eps: float = 1e-5,
        affine: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: GroupNorm[Any],
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        check_groups(num_groups, num_channels)
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        c = (num_channels,)
        self.weight = _maybe(ones(c, device=device) if affine else None)
        self.bias = _maybe(zeros(c, device=device) if affine else None)

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        group_norm_shape(x.shape, self.num_channels)  # NOTE: the plugin's check, affine or not
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    __call__ = forward


def instance_norm_shape(name: str, ranks: tuple[int, int]) -> Any:
    """The output shape of an instance norm layer `name` taking unbatched or batched inputs of
    `ranks`: the input's, its channels (axis 0 unbatched, 1 batched) checked by group norm's
    rule, which sees an unbatched input with a batch of one, as the layer computes it."""

    def shape(x: Shape, num_features: DimValue) -> Shape:
        check_rank(name, x, ranks)
        batched = x if len(x) == ranks[1] else (1, *x)
        group_norm_shape(batched, num_features)
        return x

    return shape


class _InstanceNorm(Module, Generic[C]):
    weight: Param
    bias: Param
    num_features: int
    eps: float
    ranks: ClassVar[tuple[int, int]] = (0, 0)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        *,
        device: Device | None = None,
    ) -> None:
        if track_running_stats:
            raise NotImplementedError(
                f"{type(self).__name__}: track_running_stats=True is not implemented; "
                "instance norm here always uses each sample's statistics (PyTorch's default)"
            )
        # NOTE: `momentum` is accepted as PyTorch's and unused: it only moves running statistics
        del momentum
        self.num_features, self.eps = num_features, eps
        c = (num_features,)
        self.weight = _maybe(ones(c, device=device) if affine else None)
        self.bias = _maybe(zeros(c, device=device) if affine else None)

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        instance_norm_shape(type(self).__name__, self.ranks)(x.shape, self.num_features)
        batched = x.ndim == self.ranks[1]
        # NOTE: one group per channel is instance norm: group norm's op, values and gradients
        a = x if batched else x.reshape((1, *x.shape))
        out = group_norm(a, self.num_features, self.weight, self.bias, self.eps)
        return cast(Tensor[S, DT, TT], out if batched else out.reshape(x.shape))

    __call__ = forward


def _instance_norm_layer(name: str, ranks: tuple[int, int]) -> Any:
    return register_layer(
        params=("num_features",),
        shape=instance_norm_shape(name, ranks),
        keeps=ALL,
    )


@_instance_norm_layer("InstanceNorm1d", (2, 3))
class InstanceNorm1d(_InstanceNorm[C], init=False):
    """Normalize each channel of each sample over its length, then scale and shift per channel.

    As PyTorch's `InstanceNorm1d`, with its defaults: no `weight`/`bias` unless `affine=True`
    (then ones and zeros, `(C,)`), and each sample's own statistics in training and inference
    alike. It computes `GroupNorm(C, C)`'s values. Unlike PyTorch's, which only warns without
    `affine`, the channels are always checked against `num_features`.

    Args:
        num_features: the channels `C` of the input.
        eps: added to the variance before the square root.
        momentum: accepted as PyTorch's; unused without running statistics.
        affine: whether to learn a per-channel `weight` (ones) and `bias` (zeros).
        track_running_stats: must be False (running statistics are not implemented).
        device: where the parameters live (the default device when None).

    Raises:
        NotImplementedError: for `track_running_stats=True`.
        ShapeError: (on call) for an input of another rank, or whose channels are not
            `num_features`.

    Shape:
        `(N, C, L) -> (N, C, L)`, unbatched `(C, L) -> (C, L)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.InstanceNorm1d(3)(sd.randn((2, 3, 5))).shape
        (2, 3, 5)
        >>> list(sd.nn.InstanceNorm1d(3, affine=True).parameters())
        ['weight', 'bias']
    """

    ranks = (2, 3)


@_instance_norm_layer("InstanceNorm2d", (3, 4))
class InstanceNorm2d(_InstanceNorm[C], init=False):
    """Normalize each channel of each image over its height and width; see `InstanceNorm1d`.

    Shape:
        `(N, C, H, W) -> (N, C, H, W)`, unbatched `(C, H, W) -> (C, H, W)`

    Example:
        >>> import shapedl as sd
        >>> sd.nn.InstanceNorm2d(3)(sd.randn((2, 3, 4, 4))).shape
        (2, 3, 4, 4)
    """

    ranks = (3, 4)
