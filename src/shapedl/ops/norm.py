"""Normalization: `layer_norm` over trailing axes, `batch_norm` over all axes but channels.

Both view the input as `(A, C, L)` with statistics per `C` over `A` and `L` (layer_norm:
`(1, rows, features)`; batch_norm: `(N, C, spatial)`), share one forward
(`x_hat = (x - mean) * rstd`) and one direct backward,
`dx = rstd * (gy - mean(gy) - x_hat * mean(gy * x_hat))` with `gy = grad * weight`, instead of
differentiating through the many small ops that make up a mean and a variance. Sums of
products go through `Backend.sum_of_products` (NumPy's `einsum`, so no temporary of the
input's size is made for them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod
from typing import Any

from shapedl import dims
from shapedl.backend import Array, Backend, kernels
from shapedl.backend.sums import sum_leading
from shapedl.dims import Dim, Shape
from shapedl.errors import InferenceWarning, shape_error, show_shape, warn_user
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, S

__all__ = ["batch_norm", "layer_norm"]

Param = Tensor[Any, Any, Any] | None


def _col(v: Array) -> Array:
    """A per-channel `(C,)` array as `(1, C, 1)`, to broadcast over the `(A, C, L)` view."""
    return v.reshape(1, -1, 1)


def _dot(backend: Backend, a: Array, b: Array, out: str = "c") -> Array:
    """`sum(a * b)` of two `(A, C, L)` arrays, kept along axis `out` ("c" or "l")."""
    return backend.sum_of_products(a, b, (0, 2) if out == "c" else (0, 1))


def _normalize(backend: Backend, a: Array, eps: float) -> tuple[Array, Array, Array, Array]:
    """`(x_hat, rstd, mean, var)` of the `(A, C, L)` array `a`; statistics are `(C,)`.

    NOTE: an empty `a` (an empty batch) has statistics 0, sums of nothing over 1, rather than
    0 / 0 (nan, and NumPy's warning); its `x_hat` is empty either way.
    """
    n = max(a.shape[0] * a.shape[2], 1)
    mean = a.sum(axis=(0, 2)) / n
    x_hat = a - _col(mean)
    var = _dot(backend, x_hat, x_hat) / n
    rstd = (var + eps) ** -0.5
    x_hat *= _col(rstd)
    return x_hat, rstd, mean, var


def _normalize_grad(gk: Array, x_hat: Array, a: Array, c: Array) -> Array:
    """`gk - x_hat * a - c` with per-channel `a` and `c`, in place on the fresh array `gk`.

    With `gk = gy * rstd`, `a = rstd * sum(gy * x_hat) / n` and `c = rstd * sum(gy) / n`
    this is the gradient of `x` through `x_hat`.
    """
    gk -= x_hat * _col(a)
    gk -= _col(c)
    return gk


def _affine(x_hat: Array, w: Array | None, b: Array | None) -> Array:
    if w is None:
        return x_hat if b is None else x_hat + b
    out = x_hat * w
    if b is not None:
        out += b
    return out


def _inputs(op: str, *xs: Param) -> tuple[Tensor[Any, Any, Any], ...]:
    present = tuple(x for x in xs if x is not None)
    check_devices(op, *present)
    same_dtype(op, *present)
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
        # NOTE: not "must have 1 to 0" for a scalar
        limit = f"must have 1 to {len(x)}" if x else "the input is a scalar, with no axis"
        raise shape_error(op, [x, norm], f"normalized_shape has {k} dims but {limit}")
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
@in_f32()
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
    backend, k = x.device.backend, x.ndim - len(_as_shape(normalized_shape))
    # NOTE: both sizes spelled out: NumPy cannot infer a -1 next to 0 features
    a = x.data.reshape(1, prod(x.shape[:k]), prod(x.shape[k:]))
    w = None if weight is None else weight.data.reshape(-1)
    b = None if bias is None else bias.data.reshape(-1)
    inputs = _inputs("layer_norm", x, weight, bias)
    plain = w is None or b is None or not a.shape[2]
    fused = None if plain else _fused_layer_norm(backend, a[0], w, b, eps)
    out, vjp = fused or _layer_norm(backend, a, w, b, eps)

    def grads(g: Array) -> list[Array]:
        shapes = [t.shape for t in inputs]
        return [d.reshape(shape) for d, shape in zip(vjp(g.reshape(a.shape)), shapes, strict=True)]

    return record(out.reshape(x.shape), inputs, grads)


Vjp = Callable[[Array], list[Array]]


def _layer_norm(
    backend: Backend, a: Array, w: Array | None, b: Array | None, eps: float
) -> tuple[Array, Vjp]:
    """Layer norm of the `(1, rows, features)` array `a` as array operations, and its
    backward from the output's gradient (`a`'s shape) to the gradients of `a`, `w`, `b`."""
    n = a.shape[2]
    x_hat, rstd, _, _ = _normalize(backend, a, eps)

    def vjp(g: Array) -> list[Array]:
        gy = g if w is None else g * w
        gsum, proj = gy.sum(axis=(0, 2)), _dot(backend, gy, x_hat)
        grads = [_normalize_grad(gy * _col(rstd), x_hat, rstd * proj / n, rstd * gsum / n)]
        if w is not None:
            grads.append(_dot(backend, g, x_hat, "l"))
        if b is not None:
            grads.append(g.sum(axis=(0, 1)))
        return grads

    return _affine(x_hat, w, b), vjp


def _fused_layer_norm(
    backend: Backend, a: Array, w: Array, b: Array, eps: float
) -> tuple[Array, Vjp] | None:
    """Layer norm of the `(rows, features)` array `a` through the fused kernels of
    `backend/kernels.py` (CUDA, float32 and float64): 4 kernels forward and 6 backward, where
    the array formula makes 11 and 17. None where there are none; the backward falls back to
    the formula if its kernels do not compile. The same statistics as the formula: the mean,
    then the mean of the squared deviations."""
    xp = backend.xp
    forward, deviations = kernels.get(xp, "ln_forward", a, w, b), kernels.get(xp, "ln_sqdev", a)
    if forward is None or deviations is None:
        return None
    n = float(a.shape[1])
    s1 = a.sum(axis=1, keepdims=True)
    d2 = kernels.run(deviations, (a, s1, n))
    if d2 is None:
        return None
    s2 = d2.sum(axis=1, keepdims=True)
    out = kernels.run(forward, (a, s1, s2, w, b, n, eps))
    if out is None:
        return None

    def vjp(g: Array) -> list[Array]:
        g = g.reshape(a.shape)
        parts = kernels.get(xp, "ln_grad_parts", g, a, w)
        got = kernels.run(parts, (g, a, s1, s2, w, n, eps))
        fused = kernels.get(xp, "ln_grad_input", g, a)
        if got is not None and fused is not None:
            gy, gyxh, gxh = got
            gsum, proj = gy.sum(axis=1, keepdims=True), gyxh.sum(axis=1, keepdims=True)
            dx = kernels.run(fused, (gy, a, s1, s2, gsum, proj, n, eps))
            if dx is not None:
                return [dx, sum_leading(backend, gxh, 1), sum_leading(backend, g, 1)]
        return _layer_norm(backend, a[None], w, b, eps)[1](g[None])

    return out, vjp


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
                f"{name} must have shape ({x[1]},): the channels at axis 1 of the input"
                + _channels_last(x, p),
            )
    return x


_TO_CHANNELS_FIRST = {3: "x.transpose(1, 2)", 4: "x.permute(0, 3, 1, 2)"}


def _channels_last(x: Shape, p: Shape) -> str:
    """A hint where the input has the channels last (`(N, L, C)`, a transformer's layout).

    NOTE: not for a square map whose side is the channels (`(2, 16, 8, 8)` into a
    `BatchNorm2d(8)`): that is a layer of the wrong width more often than an `NHWC` input."""
    if len(p) != 1 or len(x) not in _TO_CHANNELS_FIRST or dims.same(p[0], x[-1]) is not True:
        return ""
    if len(x) == 4 and dims.same(x[-2], x[-1]) is True:
        return ""
    move = _TO_CHANNELS_FIRST[len(x)]
    return f"; the input has its {p[0]} channels last: move them to axis 1 ({move})"


@register(
    "batch_norm",
    batch_norm_rule,
    tensors=("x", "running_mean", "running_var", "weight", "bias"),
)
@in_f32(state=("running_mean", "running_var"))
def batch_norm(
    x: Tensor[S, DT, TT],
    running_mean: Param,
    running_var: Param,
    weight: Param = None,
    bias: Param = None,
    *,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor[S, DT, TT]:
    """Normalize each channel (axis 1) over the batch and spatial axes (PyTorch's).

    A traced `x` (training) is normalized with the statistics of this batch, and
    `running_mean` / `running_var` are updated in place:
    `running = (1 - momentum) * running + momentum * batch`, with the unbiased batch
    variance. An untraced `x` (inference) is normalized with the running statistics.
    Without running statistics (None), the batch statistics are always used. There is no
    `training` argument (PyTorch's sixth), so `momentum` and `eps` are keyword-only: a ported
    positional call is a `TypeError`, not a momentum of `True`.

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
    _inputs("batch_norm", x, running_mean, running_var, weight, bias)
    xp, backend, dtype = x.xp, x.device.backend, x.data.dtype
    # NOTE: the spatial size spelled out: NumPy cannot infer a -1 next to an empty batch
    a = x.data.reshape(x.shape[0], x.shape[1], prod(x.shape[2:]))
    n = a.shape[0] * a.shape[2]
    w = xp.ones(x.shape[1], dtype=dtype) if weight is None else weight.data
    training = x.tape is not None or running_mean is None
    if training and n == 1:  # NOTE: not 0: PyTorch gives an empty batch an empty result
        raise ValueError(
            "batch_norm: training needs more than 1 value per channel, got input shape "
            f"{show_shape(x.shape)}"
        )
    if training:
        x_hat, rstd = _batch_statistics(backend, a, running_mean, running_var, momentum, eps)
        out = _affine(x_hat, *(None if p is None else _col(p.data) for p in (weight, bias)))
    else:
        mean = running_mean.data.astype(dtype, copy=False)  # type: ignore[union-attr]
        rstd = (running_var.data.astype(dtype, copy=False) + eps) ** -0.5  # type: ignore[union-attr]
        scale = w * rstd
        shift = -mean * scale if bias is None else bias.data - mean * scale
        out = a * _col(scale)
        out += _col(shift)

    def vjp(g: Array) -> list[Array]:
        g = g.reshape(a.shape)
        k = w * rstd
        if training:
            db, dw = g.sum(axis=(0, 2)), _dot(backend, g, x_hat)
            dx = _normalize_grad(g * _col(k), x_hat, k * dw / n, k * db / n)
        else:
            if weight is not None or bias is not None:
                _inference_warning(x.shape)
            dx = g * _col(k)
            if weight is not None:
                dw = _dot(backend, g, (a - _col(mean)) * _col(rstd))
            db = g.sum(axis=(0, 2)) if bias is not None else None
        grads = [dx.reshape(x.shape)]
        if weight is not None:
            grads.append(dw)
        if bias is not None:
            grads.append(db)
        return grads

    return record(out.reshape(x.shape), _inputs("batch_norm", x, weight, bias), vjp)


def _inference_warning(shape: Shape) -> None:
    """Said where a loss's gradient reaches the weights of a batch norm that ran in inference
    (its input untraced, so normalized with the running statistics): in a training step that
    is most likely a GAN's `D(fake.detach())`, which PyTorch's `D.train()` normalizes with the
    batch's statistics and which updates them. A model that only evaluates there (a
    distillation's teacher, a target network) belongs under `no_grad`, where no gradient
    reaches it (nor this warning)."""
    warn_user(
        f"batch_norm: a gradient reaches the weights of a batch norm that ran on an untraced "
        f"input {show_shape(shape)}, so in inference, with the running statistics. For a model "
        "that trains there (a GAN's D(fake.detach())), trace the input (D(fake.detach()"
        ".traced())) to normalize with the batch's statistics, as PyTorch's D.train() does; "
        "for one that only evaluates (a teacher, a target network), compute it under "
        "sd.no_grad() or .detach() its output, so no gradient reaches it",
        InferenceWarning,
    )


def _batch_statistics(
    backend: Backend, a: Array, running_mean: Param, running_var: Param, momentum: float, eps: float
) -> tuple[Array, Array]:
    """`(x_hat, rstd)` of the `(N, C, L)` batch; the running statistics are updated in place."""
    n = a.shape[0] * a.shape[2]
    x_hat, rstd, mean, var = _normalize(backend, a, eps)
    # NOTE: an empty batch leaves the running statistics as they were, as PyTorch's does
    if running_mean is not None and running_var is not None and n > 0:
        m = momentum
        rm, rv = running_mean.data, running_var.data
        rm[...] = (1 - m) * rm + m * mean
        rv[...] = (1 - m) * rv + m * var * (n / (n - 1))
    return x_hat, rstd
