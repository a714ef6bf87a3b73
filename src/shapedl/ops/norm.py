"""Normalization: `layer_norm` over trailing axes, `batch_norm` over all axes but channels.

Both share one forward (`x_hat = (x - mean) * rstd`) and one direct backward,
`dx = rstd * (gy - mean(gy) - x_hat * mean(gy * x_hat))` with `gy = grad * weight`, instead of
differentiating through the many small ops that make up a mean and a variance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error, show_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, S, Tape

__all__ = ["batch_norm", "layer_norm"]

TT = TypeVar("TT", bound=Tape)
Param = Tensor[Any, Any, Any] | None
Axes = tuple[int, ...]


def _normalize(a: Array, axes: Axes, eps: float) -> tuple[Array, Array, Array, Array]:
    """`(x_hat, rstd, mean, var)` of `a` over `axes` (biased variance, kept dims)."""
    mean = a.mean(axis=axes, keepdims=True)
    xc = a - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    rstd = (var + eps) ** -0.5
    return xc * rstd, rstd, mean, var


def _normalize_grad(gy: Array, x_hat: Array, rstd: Array, axes: Axes) -> Array:
    """The gradient of `x` through `x_hat` when mean and variance were taken over `axes`."""
    gy_mean = gy.mean(axis=axes, keepdims=True)
    proj = (gy * x_hat).mean(axis=axes, keepdims=True)
    return rstd * (gy - gy_mean - x_hat * proj)


def _affine(x_hat: Array, weight: Param, bias: Param, shape: tuple[int, ...]) -> Array:
    out = x_hat if weight is None else x_hat * weight.data.reshape(shape)
    return out if bias is None else out + bias.data.reshape(shape)


def _inputs(*xs: Param) -> tuple[Tensor[Any, Any, Any], ...]:
    present = tuple(x for x in xs if x is not None)
    check_devices("norm", *present)
    return present


# ---- layer_norm -------------------------------------------------------------------------
def _as_shape(normalized_shape: Sequence[Dim] | Dim) -> Shape:
    if isinstance(normalized_shape, Sequence):
        return tuple(normalized_shape)
    return (normalized_shape,)


def layer_norm_rule(
    op: str,
    x: Shape,
    normalized_shape: Sequence[Dim] | Dim,
    weight: Shape | None = None,
    bias: Shape | None = None,
) -> Shape:
    """The shape is kept; the trailing axes of `x`, `weight` and `bias` are `normalized_shape`."""
    norm = _as_shape(normalized_shape)
    k = len(norm)
    if k == 0 or k > len(x):
        raise shape_error(
            op, [x, norm], f"normalized_shape has {k} dims but must have 1 to {len(x)}"
        )
    for i in range(-k, 0):
        if dims.same(x[i], norm[i]) is False:
            raise shape_error(
                op,
                [x, norm],
                f"input size {x[i]} at axis {i} differs from normalized_shape size {norm[i]}",
                "normalized_shape must be the trailing sizes of the input",
            )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None:
            _check_param(op, name, x, p, norm)
    return x


def _check_param(op: str, name: str, x: Shape, p: Shape, norm: Shape) -> None:
    if len(p) != len(norm):
        raise shape_error(
            op,
            [x, p],
            f"{name} has rank {len(p)} but normalized_shape {show_shape(norm)} "
            f"has rank {len(norm)}",
        )
    for i, (a, b) in enumerate(zip(p, norm, strict=True)):
        if dims.same(a, b) is False:
            raise shape_error(
                op,
                [x, p],
                f"{name} size {a} at axis {i} differs from input size {b} at axis {i - len(norm)}",
            )


@register(
    "layer_norm",
    layer_norm_rule,
    tensors=("x", "weight", "bias"),
    statics=("normalized_shape",),
)
def layer_norm(
    x: Tensor[S, DT, TT],
    normalized_shape: Sequence[int] | int,
    weight: Param = None,
    bias: Param = None,
    eps: float = 1e-5,
) -> Tensor[S, DT, TT]:
    """Normalize over the trailing `normalized_shape` axes, then scale and shift (PyTorch's).

    Args:
        x: the input.
        normalized_shape: the trailing sizes of `x` to normalize over (an int for one axis).
        weight: per-element scale of shape `normalized_shape`, or None.
        bias: per-element shift of shape `normalized_shape`, or None.
        eps: added to the variance before the square root.

    Returns:
        `(x - mean) / sqrt(var + eps) * weight + bias`, the shape and dtype of `x`.

    Raises:
        ShapeError: when `normalized_shape`, `weight` or `bias` do not fit the trailing axes.

    Shape:
        `(*, *normalized_shape) -> (*, *normalized_shape)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.layer_norm(sd.tensor([[1.0, 3.0]]), (2,)).numpy().round(3).tolist()
        [[-1.0, 1.0]]
    """
    layer_norm_rule(
        "layer_norm",
        x.shape,
        normalized_shape,
        None if weight is None else weight.shape,
        None if bias is None else bias.shape,
    )
    k = len(_as_shape(normalized_shape))
    axes = tuple(range(x.ndim - k, x.ndim))
    lead = tuple(range(x.ndim - k))
    x_hat, rstd, _, _ = _normalize(x.data, axes, eps)
    shape = x.shape[x.ndim - k :]
    out = _affine(x_hat, weight, bias, shape).astype(x.data.dtype, copy=False)

    def vjp(g: Array) -> list[Array]:
        gy = g if weight is None else g * weight.data
        grads = [_normalize_grad(gy, x_hat, rstd, axes)]
        if weight is not None:
            grads.append((g * x_hat).sum(axis=lead))
        if bias is not None:
            grads.append(g.sum(axis=lead))
        return grads

    return record(out, _inputs(x, weight, bias), vjp)


# ---- batch_norm -------------------------------------------------------------------------
def batch_norm_rule(
    op: str,
    x: Shape,
    running_mean: Shape | None = None,
    running_var: Shape | None = None,
    weight: Shape | None = None,
    bias: Shape | None = None,
) -> Shape:
    """The shape is kept; `x` is `(N, C, *)` and every per-channel tensor is `(C,)`."""
    if len(x) < 2:
        raise shape_error(op, [x], f"input has rank {len(x)} but must be (N, C, *spatial)")
    params = (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    )
    for name, p in params:
        if p is None:
            continue
        if len(p) != 1 or dims.same(p[0], x[1]) is False:
            raise shape_error(
                op,
                [x, p],
                f"{name} must have shape ({x[1]},): the channels at axis 1 of the input",
            )
    return x


@register(
    "batch_norm",
    batch_norm_rule,
    tensors=("x", "running_mean", "running_var", "weight", "bias"),
)
def batch_norm(
    x: Tensor[S, DT, TT],
    running_mean: Param,
    running_var: Param,
    weight: Param = None,
    bias: Param = None,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor[S, DT, TT]:
    """Normalize each channel (axis 1) over the batch and spatial axes (PyTorch's).

    A traced `x` (training) is normalized with the statistics of this batch, and
    `running_mean` / `running_var` are updated in place:
    `running = (1 - momentum) * running + momentum * batch`, with the unbiased batch
    variance. An untraced `x` (inference) is normalized with the running statistics.
    Without running statistics (None), the batch statistics are always used.

    Args:
        x: the input, `(N, C)` or `(N, C, *spatial)`.
        running_mean: `(C,)` running mean (a buffer, never differentiated), or None.
        running_var: `(C,)` running variance, or None.
        weight: `(C,)` per-channel scale, or None.
        bias: `(C,)` per-channel shift, or None.
        momentum: the weight of the new batch in the running statistics.
        eps: added to the variance before the square root.

    Returns:
        The normalized input, the shape and dtype of `x`.

    Raises:
        ShapeError: when a per-channel tensor is not `(C,)`.
        ValueError: when training on a single value per channel.

    Shape:
        `(N, C, *) -> (N, C, *)`

    Example:
        >>> import shapedl as sd
        >>> mean, var = sd.zeros((1,)), sd.ones((1,))
        >>> x = sd.tensor([[1.0], [3.0]])
        >>> sd.ops.batch_norm(x.traced(), mean, var).numpy().round(3).tolist()
        [[-1.0], [1.0]]
        >>> round(mean.item(), 3), round(var.item(), 3)
        (0.2, 1.1)
    """
    shapes = [None if p is None else p.shape for p in (running_mean, running_var, weight, bias)]
    batch_norm_rule("batch_norm", x.shape, *shapes)
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    training = x.tape is not None or running_mean is None
    if training:
        x_hat, rstd = _batch_statistics(x, running_mean, running_var, axes, momentum, eps)
    else:
        rstd = (running_var.data.reshape(shape) + eps) ** -0.5  # type: ignore[union-attr]
        x_hat = (x.data - running_mean.data.reshape(shape)) * rstd  # type: ignore[union-attr]
        x_hat, rstd = x_hat.astype(x.data.dtype, copy=False), rstd.astype(x.data.dtype)
    out = _affine(x_hat, weight, bias, shape).astype(x.data.dtype, copy=False)

    def vjp(g: Array) -> list[Array]:
        gy = g if weight is None else g * weight.data.reshape(shape)
        dx = _normalize_grad(gy, x_hat, rstd, axes) if training else gy * rstd
        grads = [dx]
        if weight is not None:
            grads.append((g * x_hat).sum(axis=axes))
        if bias is not None:
            grads.append(g.sum(axis=axes))
        return grads

    return record(out, _inputs(x, weight, bias), vjp)


def _batch_statistics(
    x: Tensor[Any, Any, Any],
    running_mean: Param,
    running_var: Param,
    axes: Axes,
    momentum: float,
    eps: float,
) -> tuple[Array, Array]:
    """`(x_hat, rstd)` from this batch; the running statistics are updated in place."""
    n = x.data.size // x.shape[1]
    if n <= 1:
        raise ValueError(
            f"batch_norm: training needs more than 1 value per channel, got input shape "
            f"{show_shape(x.shape)}"
        )
    x_hat, rstd, mean, var = _normalize(x.data, axes, eps)
    if running_mean is not None and running_var is not None:
        m = momentum
        rm, rv = running_mean.data, running_var.data
        rm[...] = (1 - m) * rm + m * mean.reshape(rm.shape)
        rv[...] = (1 - m) * rv + m * var.reshape(rv.shape) * (n / (n - 1))
    return x_hat, rstd
