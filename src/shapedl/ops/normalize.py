"""More normalization: `rms_norm`, `group_norm` (PyTorch's), `cosine_similarity` and
`normalize` (PyTorch's `F.normalize`).

`rms_norm` scales by `1 / sqrt(mean(x**2) + eps)` over the trailing `normalized_shape` axes
(its rule is `layer_norm`'s). `group_norm` normalizes each sample over each group of
`C / num_groups` channels and everything after them, then scales and shifts per channel.
Both have a direct backward, `dx = r * (gy - x_hat * mean(gy * x_hat))` (minus `mean(gy)`
for group_norm's centring), rather than one through the many small ops of a mean.
`cosine_similarity` and `normalize` are composed from other ops and need no backward of their
own.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.backend.sums import sum_leading
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import clamp_min, same_dtype
from shapedl.ops.linalg import norm
from shapedl.ops.movement import broadcast_to
from shapedl.ops.norm import layer_norm_rule
from shapedl.ops.precision import in_f32
from shapedl.ops.reduce import sum as sum_
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, S

__all__ = ["cosine_similarity", "group_norm", "normalize", "rms_norm"]

Param = Tensor[Any, Any, Any] | None


def _present(op: str, *xs: Param) -> tuple[Tensor[Any, Any, Any], ...]:
    out = tuple(x for x in xs if x is not None)
    check_devices(op, *out)
    same_dtype(op, *out)
    return out


def _shape(p: Param) -> Shape | None:
    return None if p is None else p.shape


# ---- rms_norm ---------------------------------------------------------------------------
def rms_norm_rule(
    op: str, x: Shape, normalized_shape: Sequence[Dim] | Dim, weight: Shape | None = None
) -> Shape:
    """The shape is kept; the trailing axes of `x` and `weight` are `normalized_shape`."""
    return layer_norm_rule(op, x, normalized_shape, weight)


@register("rms_norm", rms_norm_rule, tensors=("x", "weight"), statics=("normalized_shape",))
@in_f32()
def rms_norm(
    x: Tensor[S, DT, TT],
    normalized_shape: Sequence[int] | int,
    weight: Param = None,
    eps: float | None = None,
) -> Tensor[S, DT, TT]:
    """Scale by the root mean square over the trailing `normalized_shape` axes (PyTorch's).

    Args:
        x: the input.
        normalized_shape: the trailing sizes of `x` to normalize over (an int for one axis).
        weight: per-element scale of shape `normalized_shape`, or None.
        eps: added to the mean square; None takes the dtype's machine epsilon, as PyTorch.

    Returns:
        `x / sqrt(mean(x**2) + eps) * weight`, the shape and dtype of `x`.

    Raises:
        ShapeError: when `normalized_shape` or `weight` do not fit the trailing axes.

    Shape:
        `(*, *normalized_shape) -> (*, *normalized_shape)`

    Example:
        >>> import shapedl as sd
        >>> y = sd.ops.rms_norm(sd.tensor([[3.0, 4.0]]), 2, eps=0.0)
        >>> [round(v, 3) for v in y.tolist()[0]]
        [0.849, 1.131]
    """
    rms_norm_rule("rms_norm", x.shape, normalized_shape, _shape(weight))
    xp, a = x.xp, x.data
    k = len(normalized_shape) if isinstance(normalized_shape, Sequence) else 1
    axes = tuple(range(x.ndim - k, x.ndim))
    e = float(xp.finfo(a.dtype).eps) if eps is None else eps
    r = ((a * a).mean(axis=axes, keepdims=True) + e) ** -0.5
    x_hat = a * r
    w = None if weight is None else weight.data
    out = x_hat if w is None else x_hat * w

    def vjp(g: Array) -> list[Array]:
        gy = g if w is None else g * w
        grads = [r * (gy - x_hat * (gy * x_hat).mean(axis=axes, keepdims=True))]
        if weight is not None:
            grads.append(sum_leading(x.device.backend, g * x_hat, x.ndim - k))
        return grads

    return record(out, _present("rms_norm", x, weight), vjp)


# ---- group_norm -------------------------------------------------------------------------
def group_norm_rule(
    op: str,
    x: Shape,
    num_groups: Any,
    weight: Shape | None = None,
    bias: Shape | None = None,
) -> Shape:
    """The shape is kept; `num_groups` divides the channels (axis 1), which `weight` and
    `bias` (`(C,)`) match."""
    if len(x) < 2:
        raise shape_error(op, [x], f"needs (N, C, *) with rank >= 2, not rank {len(x)}")
    c = x[1]
    if isinstance(num_groups, int) and num_groups <= 0:
        raise shape_error(op, [x], f"num_groups {num_groups} must be positive")
    if isinstance(num_groups, int) and isinstance(c, int) and c % num_groups:
        raise shape_error(
            op, [x], f"num_groups {num_groups} does not divide the {c} channels at axis 1"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (len(p) != 1 or dims.same(p[0], c) is False):
            raise shape_error(op, [x, p], f"{name} must be ({c},), one value per channel at axis 1")
    return x


@register(
    "group_norm",
    group_norm_rule,
    tensors=("x", "weight", "bias"),
    statics=("num_groups",),
)
@in_f32()
def group_norm(
    x: Tensor[S, DT, TT],
    num_groups: int,
    weight: Param = None,
    bias: Param = None,
    eps: float = 1e-5,
) -> Tensor[S, DT, TT]:
    """Normalize each group of channels of each sample, then scale and shift per channel.

    As `torch.nn.functional.group_norm`: the `C` channels (axis 1) fall into `num_groups`
    groups of `C / num_groups`, each normalized over its channels and the axes after them.

    Args:
        x: the input, `(N, C, *)`.
        num_groups: how many groups the channels form; must divide `C`.
        weight: per-channel scale `(C,)`, or None.
        bias: per-channel shift `(C,)`, or None.
        eps: added to the variance before the square root.

    Raises:
        ShapeError: when `num_groups` does not divide `C`, or `weight`/`bias` are not `(C,)`.

    Shape:
        `(N, C, *) -> (N, C, *)`

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([[[1.0], [3.0], [2.0], [6.0]]])
        >>> [round(v, 3) for v in sd.ops.group_norm(x, 2, eps=0.0).reshape((4,)).tolist()]
        [-1.0, 1.0, -1.0, 1.0]
    """
    group_norm_rule("group_norm", x.shape, num_groups, _shape(weight), _shape(bias))
    # NOTE: the group's size spelled out: NumPy cannot infer a -1 next to an empty batch
    a = x.data.reshape(x.shape[0], num_groups, prod(x.shape[1:]) // num_groups)
    centred = a - a.mean(axis=2, keepdims=True)
    r = ((centred * centred).mean(axis=2, keepdims=True) + eps) ** -0.5
    x_hat = centred * r
    view = (1, -1) + (1,) * (x.ndim - 2)
    w = None if weight is None else weight.data.reshape(view)
    b = None if bias is None else bias.data.reshape(view)
    out = x_hat.reshape(x.shape)
    out = out if w is None else out * w
    out = out if b is None else out + b
    others = (0, *range(2, x.ndim))

    def vjp(g: Array) -> list[Array]:
        gy = (g if w is None else g * w).reshape(a.shape)
        mean_g = gy.mean(axis=2, keepdims=True)
        proj = (gy * x_hat).mean(axis=2, keepdims=True)
        grads = [(r * (gy - mean_g - x_hat * proj)).reshape(x.shape)]
        if weight is not None:
            grads.append((g * x_hat.reshape(x.shape)).sum(axis=others))
        if bias is not None:
            grads.append(g.sum(axis=others))
        return grads

    return record(out, _present("group_norm", x, weight, bias), vjp)


# ---- cosine_similarity ------------------------------------------------------------------
def cosine_similarity_rule(op: str, a: Shape, b: Shape, axis: Any = -1, eps: Any = 1e-8) -> Shape:
    """`a` and `b` broadcast, then axis `axis` reduced away."""
    shape = dims.broadcast(op, a, b)
    if not dims.is_axis(axis):
        return tuple(DYN for _ in shape[1:])
    k = dims.normalize_axis(op, axis, shape)
    return shape[:k] + shape[k + 1 :]


def _unit(x: Tensor[Any, Any, Any], axis: int, eps: float) -> Tensor[Any, Any, Any]:
    """`x / max(|x|, eps)` along `axis`, with PyTorch's gradient: through the clamp as if it
    were not there, and none through the norm of an all-zero slice (`|x|`'s gradient at 0)."""
    xp, a = x.xp, x.data
    quiet = x.device.backend.quiet  # NOTE: an infinite entry gives inf / inf = nan, as torch's
    with quiet():
        norm = xp.sqrt((a * a).sum(axis=axis, keepdims=True))
        held = xp.maximum(norm, eps).astype(a.dtype, copy=False)
        out = a / held

    def vjp(g: Array) -> tuple[Array]:
        # NOTE: in PyTorch's order (division's gradient `(out / held) / held`, then the norm's
        # `a * (grad / norm)`), whose two terms cancel exactly where the result is constant
        # (one element along the axis), where `(g * a).sum() / held**2` left 1e-3 in f32;
        # `where` on the divisor: a zero norm's slice is all zeros, its term is 0
        with quiet():
            along = (g * (out / held)).sum(axis=axis, keepdims=True)
            return (g / held - a * (along / xp.where(norm == 0, 1, norm)),)

    return record(out, (x,), vjp)


@register("cosine_similarity", cosine_similarity_rule, tensors=("a", "b"), statics=("axis", "eps"))
@in_f32()
def cosine_similarity(
    a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any], axis: int = -1, eps: float = 1e-8
) -> Tensor[Any, DT, Any]:
    """Cosine of the angle between `a` and `b` along `axis`, after broadcasting them.

    As `torch.nn.functional.cosine_similarity`: each side is divided by its norm, held at
    least `eps`, then the products are summed; the gradient passes the clamp as PyTorch's
    does, so a zero vector gets PyTorch's (finite) gradient rather than nan.

    Raises:
        ShapeError: when the shapes do not broadcast, or `axis` is out of range.

    Shape:
        `(*S, D, *R), (*S, D, *R) -> (*S, *R)` (after broadcasting).

    Example:
        >>> import shapedl as sd
        >>> sd.ops.cosine_similarity(sd.tensor([[1.0, 0.0]]), sd.tensor([[2.0, 0.0]])).tolist()
        [1.0]
    """
    cosine_similarity_rule("cosine_similarity", a.shape, b.shape, axis, eps)
    check_devices("cosine_similarity", a, b)
    same_dtype("cosine_similarity", a, b)
    full = dims.broadcast("cosine_similarity", a.shape, b.shape)
    a2 = a if a.shape == full else broadcast_to(a, full)  # type: ignore[arg-type]
    b2 = b if b.shape == full else broadcast_to(b, full)  # type: ignore[arg-type]
    k = axis % len(full)
    return sum_(_unit(a2, k, eps) * _unit(b2, k, eps), k)


# ---- normalize --------------------------------------------------------------------------
def normalize_rule(op: str, x: Shape, p: float = 2.0, axis: int = -1, eps: float = 1e-12) -> Shape:
    """`x`'s shape; `axis` must be one of its axes."""
    if dims.is_static(axis):
        dims.normalize_axis(op, axis, x)
    return x


@register("normalize", normalize_rule, statics=("p", "axis", "eps"))
def normalize(
    x: Tensor[S, DT, TT], p: float = 2.0, axis: int = -1, eps: float = 1e-12
) -> Tensor[S, DT, TT]:
    """`x` divided by its `p`-norm along `axis`, held at least `eps`: PyTorch's `F.normalize`.

    Composed as PyTorch's, `x / norm(x, p, axis, keepdims=True).clamp_min(eps)`, so the values
    and gradients are its own: a slice whose norm is below `eps` is divided by `eps`, and no
    gradient passes through its norm.

    Raises:
        ShapeError: when `axis` is out of range.

    Shape:
        `(*S) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.normalize(sd.tensor([[3.0, 4.0], [0.0, 0.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    normalize_rule("normalize", x.shape, p, axis, eps)
    out: Tensor[S, DT, TT] = x / clamp_min(norm(x, p, axis, keepdims=True), eps)
    return out
