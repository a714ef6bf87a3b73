"""Class losses: `cross_entropy_with_logits_loss` and `nll_loss`, `(N, C, *D) & (N, *D)`
against class indices, with class weights and `ignore_index` as PyTorch's; cross entropy
against class indices, the common case, is one op with a fused backward."""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.losses.common import (
    REDUCTION,
    Reduction,
    check_reduction,
    choose,
    floats,
    reduce,
    target_dtype,
)
from shapedl.losses.rules import class_loss_rule, nll_rule
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.index import out_of_range
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = ["cross_entropy_with_logits_loss", "nll_loss"]

_CLASSES = ("logits", "target", "weight")


@register("cross_entropy_with_logits_loss", class_loss_rule, tensors=_CLASSES, statics=REDUCTION)
@in_f32()
def cross_entropy_with_logits_loss(
    logits: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    reduction: Reduction = "mean",
    label_smoothing: float = 0.0,
    weight: Tensor[Any, Any, Any] | None = None,
    ignore_index: int = -100,
) -> Tensor[Any, DT, TT]:
    """Cross entropy of `softmax(logits)` along the class axis, as `F.cross_entropy`.

    `target` holds class indices (integers in `[0, C)`, one per sample) or probabilities
    (floats, `logits`' shape). With label smoothing `e`, the target is mixed with the uniform
    distribution: `(1 - e) * target + e / C`.

    Args:
        logits: the scores, classes along axis 1 (axis 0 for one sample).
        target: class indices or probabilities.
        reduction: `"mean"`, `"sum"` or `"none"`.
        label_smoothing: `e` in [0, 1].
        weight: `(C,)` class weights, as PyTorch's: each sample's loss times its class's
            weight, and `"mean"` divides by the sum of the weights of the samples that count
            (for probabilities, each class's term times its weight, the mean over samples).
        ignore_index: a class index whose samples count for nothing, neither in the loss nor
            in the mean's count (class-index targets; PyTorch's default, -100).

    Shape:
        `(N, C, *D) & (N, *D) -> ()` or `(N, C, *D) & (N, C, *D) -> ()`; `(N, *D)` with
        `reduction="none"`; `(C,) & () -> ()` for one sample.

    Raises:
        ShapeError: when the target's shape does not fit `logits` (the message names the
            axis), or `weight` is not `(C,)`.
        ValueError: for a class index out of range (other than `ignore_index`), or
            `label_smoothing` outside [0, 1].

    Example:
        >>> import shapedl as sd
        >>> logits = sd.tensor([[2.0, 0.0], [0.0, 2.0]])
        >>> round(sd.losses.cross_entropy_with_logits_loss(logits, sd.tensor([0, 1])).item(), 4)
        0.1269
        >>> loss = sd.losses.cross_entropy_with_logits_loss(logits, sd.tensor([0, -100]))
        >>> round(loss.item(), 4)
        0.1269
    """
    op = "cross_entropy_with_logits_loss"
    class_loss_rule(op, logits.shape, target.shape, reduction, weight=_shape(weight))
    check_reduction(op, reduction)
    floats(op, logits=logits)
    _check_weight(op, logits, weight)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    a = 1 if logits.ndim >= 2 else 0
    if target.ndim == logits.ndim:
        floats(op, target=target)
        target_dtype(op, logits, target)
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / logits.shape[a]
        log_probs = logits.log_softmax(axis=a)
        weighted = log_probs if weight is None else log_probs * _along(weight, a, logits.ndim)
        return reduce(op, -(weighted * target).sum(axis=a), reduction)
    valid = _valid(op, logits.shape[a], target, ignore_index)
    if valid is None and weight is None and not label_smoothing:
        return _class_entropy(op, logits, target, a, reduction)
    log_probs = logits.log_softmax(axis=a)
    loss, count = _class_nll(log_probs, target, a, weight, valid)
    if label_smoothing:
        weighted = log_probs if weight is None else log_probs * _along(weight, a, logits.ndim)
        smooth = -weighted.sum(axis=a) if valid is None else -choose(valid, weighted.sum(axis=a), 0)
        loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / logits.shape[a])
    return _class_reduce(loss, count, reduction)


def _shape(t: Tensor[Any, Any, Any] | None) -> Shape | None:
    return None if t is None else t.shape


def _check_weight(op: str, x: Tensor[Any, Any, Any], weight: Tensor[Any, Any, Any] | None) -> None:
    if weight is not None:
        floats(op, weight=weight)
        same_dtype(op, x, weight, name="weight")


def _along(weight: Tensor[Any, Any, Any], a: int, ndim: int) -> Tensor[Any, Any, Any]:
    """`(C,)` weights shaped to broadcast along class axis `a` of a rank-`ndim` tensor."""
    return weight.detach().reshape((-1,) + (1,) * (ndim - a - 1))


def _class_nll(
    log_probs: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    a: int,
    weight: Tensor[Any, Any, Any] | None,
    valid: Tensor[Any, Any, Any] | None,
) -> tuple[Tensor[Any, DT, TT], Tensor[Any, DT, Any] | None]:
    """PyTorch's `nll_loss` per sample: `-log_probs[target]` times the class's weight, 0 for
    ignored samples; and what the mean divides by (the weights that count; None: the count)."""
    if valid is not None:
        target = choose(valid, target, 0)
    loss: Tensor[Any, DT, TT] = -_picked(log_probs, target, a)
    if weight is None and valid is None:
        return loss, None
    # NOTE: an ignored sample is chosen away (a select, not a product with a 0/1 mask), so its
    # gradient is 0 even where the mean's is not finite (every sample ignored: 0 / 0), as in
    # PyTorch; a class weighted 0 keeps the product (0 / 0 gives PyTorch's nan there)
    if weight is None:
        assert valid is not None
        return choose(valid, loss, 0.0), valid.astype(log_probs.dtype)
    each = weight.detach()[target]
    if valid is None:
        return loss * each, each
    return choose(valid, loss * each, 0.0), choose(valid, each, 0.0)


def _class_reduce(
    loss: Tensor[Any, DT, TT], count: Tensor[Any, DT, Any] | None, reduction: str
) -> Tensor[Any, DT, TT]:
    """`"mean"` divides by the weights that count (PyTorch's weighted mean)."""
    if reduction == "mean" and count is not None:
        with loss.device.backend.quiet():  # NOTE: every sample ignored: nan, as PyTorch's
            return loss.sum() / count.sum()
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _class_entropy(
    op: str, logits: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], a: int, reduction: str
) -> Tensor[Any, DT, TT]:
    """`logsumexp(logits) - logits[target]` along axis `a`, with the gradient
    `softmax(logits) - one_hot(target)` in one pass (the composed ops took ~170 us of Python
    for a batch of 32 x 10, PyTorch's fused loss ~30)."""
    xp = logits.xp
    index = xp.expand_dims(target.data, a)
    with logits.device.backend.quiet():  # NOTE: as log_softmax: -inf rows give nan quietly
        z = logits.data - logits.data.max(axis=a, keepdims=True)
        e = xp.exp(z)
        total = e.sum(axis=a, keepdims=True)
        each = (xp.log(total) - xp.take_along_axis(z, index, axis=a)).squeeze(a)
    count = max(int(each.size), 1)
    out = each.mean() if reduction == "mean" else each.sum() if reduction == "sum" else each

    def vjp(g: Array) -> tuple[Array]:
        with logits.device.backend.quiet():
            grad = e / total  # NOTE: the forward's exp, not a second one
        classes = xp.arange(e.shape[a]).reshape((-1,) + (1,) * (e.ndim - a - 1))
        grad -= (classes == index).astype(grad.dtype)
        grad *= (
            g / count if reduction == "mean" else xp.expand_dims(g, a) if reduction == "none" else g
        )
        return (grad,)

    return record(xp.asarray(out, dtype=logits.data.dtype), (logits,), vjp)


def _valid(
    op: str, classes: int, target: Tensor[Any, Any, Any], ignore_index: int
) -> Tensor[Any, Any, Any] | None:
    """Where `target` is not `ignore_index` (None: everywhere), once the other indices are
    known to be in `[0, classes)`."""
    if target.data.dtype.kind not in "iu":
        raise TypeError(f"{op}: class indices must be an integer tensor, not {target.data.dtype}")
    backend = target.device.backend
    if out_of_range(backend, target.data, 0, classes) is None and not 0 <= ignore_index < classes:
        return None  # NOTE: the common case, a one-pass check: nothing is ignored
    valid = target != ignore_index
    found = out_of_range(backend, target.xp.where(valid.data, target.data, 0), 0, classes)
    if found is not None:
        raise ValueError(
            f"{op}: class indices must be in [0, {classes}), got {found[0]} to {found[1]} "
            f"(ignore_index={ignore_index} is the one value allowed outside)"
        )
    # NOTE: on CUDA the mask is kept rather than asking `valid.all()`, a wait for the device
    return None if not backend.reads_sync and bool(valid.data.all()) else valid


@register("nll_loss", nll_rule, tensors=("log_probs", "target", "weight"), statics=REDUCTION)
@in_f32()
def nll_loss(
    log_probs: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    reduction: Reduction = "mean",
    weight: Tensor[Any, Any, Any] | None = None,
    ignore_index: int = -100,
) -> Tensor[Any, DT, TT]:
    """Negative log likelihood `-log_probs[n, target[n]]`, as `F.nll_loss`.

    `weight` and `ignore_index` as in `cross_entropy_with_logits_loss`: each sample's loss
    times its class's weight, `"mean"` divided by the weights of the samples that count.

    Shape:
        `(N, C, *D) & (N, *D) -> ()`; `(N, *D)` with `reduction="none"`.

    Raises:
        ShapeError: when the target's shape does not fit `log_probs`, or `weight` is not
            `(C,)`.
        ValueError: for a class index out of range (other than `ignore_index`).
    """
    op = "nll_loss"
    nll_rule(op, log_probs.shape, target.shape, reduction, _shape(weight))
    check_reduction(op, reduction)
    floats(op, log_probs=log_probs)
    _check_weight(op, log_probs, weight)
    a = 1 if log_probs.ndim >= 2 else 0
    valid = _valid(op, log_probs.shape[a], target, ignore_index)
    loss, count = _class_nll(log_probs, target, a, weight, valid)
    return _class_reduce(loss, count, reduction)


def _picked(log_probs: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], a: int) -> Any:
    """`log_probs` at each sample's class index along axis `a`: shape of `target`."""
    return log_probs.gather(target.unsqueeze(a), axis=a).squeeze(a)
