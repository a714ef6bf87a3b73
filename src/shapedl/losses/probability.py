"""Losses against probabilities: `binary_cross_entropy_loss` and
`binary_cross_entropy_with_logits_loss` (`(*S) & (*S)`)
and `kl_div_with_logits_loss` (`(N, C, *D) & (N, C, *D)`), computed in f32 for half
precision."""

from __future__ import annotations

import struct
from typing import Any

from shapedl.backend import Array
from shapedl.losses.common import (
    LOGITS,
    REDUCTION,
    Reduction,
    check_reduction,
    floats,
    reduce,
    target_dtype,
)
from shapedl.losses.rules import kl_rule, logits_loss_rule, probability_loss_rule
from shapedl.ops.elementwise import same_dtype, xlogy
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT

__all__ = [
    "binary_cross_entropy_loss",
    "binary_cross_entropy_with_logits_loss",
    "kl_div_with_logits_loss",
]


@register(
    "binary_cross_entropy_with_logits_loss",
    logits_loss_rule,
    tensors=(*LOGITS, "weight", "pos_weight"),
    statics=REDUCTION,
)
@in_f32()
def binary_cross_entropy_with_logits_loss(
    logits: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    reduction: Reduction = "mean",
    weight: Tensor[Any, Any, Any] | None = None,
    pos_weight: Tensor[Any, Any, Any] | None = None,
) -> Tensor[Any, DT, TT]:
    """Binary cross entropy of `sigmoid(logits)` against `target` in [0, 1], computed stably
    as `(1 - target) * logits + softplus(-logits)`; as `F.binary_cross_entropy_with_logits`.

    Args:
        logits: the scores.
        target: probabilities in [0, 1], the logits' shape and dtype.
        reduction: `"mean"`, `"sum"` or `"none"`.
        weight: each element's loss times its weight (broadcast to the logits' shape), as
            PyTorch's; `"mean"` stays the mean over every element.
        pos_weight: the weight of the positive term, `(C,)` for one per class (broadcast to
            the logits' shape): the loss is `(1 - target) * logits + (1 + (pos_weight - 1) *
            target) * softplus(-logits)`, as PyTorch's. Above 1 it favours recall on rare
            positives.

    Shape:
        `(*S) & (*S) -> ()`; `(*S)` with `reduction="none"`; `weight` and `pos_weight`
        broadcast to `(*S)`.

    Raises:
        ShapeError: when `target` is not the logits' shape, or a weight does not broadcast
            to it.
        TypeError: when a weight is not a float tensor of the logits' dtype.

    Example:
        >>> import shapedl as sd
        >>> loss = sd.losses.binary_cross_entropy_with_logits_loss
        >>> round(loss(sd.tensor([0.0, 1000.0]), sd.tensor([1.0, 1.0])).item(), 4)
        0.3466
    """
    op = "binary_cross_entropy_with_logits_loss"
    logits_loss_rule(
        op,
        logits.shape,
        target.shape,
        reduction,
        None if weight is None else weight.shape,
        None if pos_weight is None else pos_weight.shape,
    )
    floats(op, logits=logits, target=target)
    target_dtype(op, logits, target)
    for name, w in (("weight", weight), ("pos_weight", pos_weight)):
        if w is not None:
            same_dtype(op, logits, w, data=1, name=name)
    # NOTE: PyTorch's form, which keeps a tiny loss where it is tiny (logit 50, target 1:
    # 2e-22), where softplus(logits) - logits * target rounds it to 0
    positive = (-logits).softplus()
    if pos_weight is not None:
        positive = ((pos_weight - 1) * target + 1) * positive
    loss = (1 - target) * logits + positive
    return reduce(op, loss if weight is None else loss * weight, reduction)


@register(
    "binary_cross_entropy_loss",
    probability_loss_rule,
    tensors=("input", "target", "weight"),
    statics=REDUCTION,
)
@in_f32()
def binary_cross_entropy_loss(
    input: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    reduction: Reduction = "mean",
    weight: Tensor[Any, Any, Any] | None = None,
) -> Tensor[Any, DT, TT]:
    """Binary cross entropy of probabilities `input` against `target`, both in [0, 1], as
    `F.binary_cross_entropy` (`nn.BCELoss`): each log is clamped at -100, so a confident
    wrong answer costs 100, not inf. `binary_cross_entropy_with_logits_loss` on the logits is
    the stable form; this one takes a sigmoid's output (DCGAN's discriminator, a VAE's
    decoder).

    The gradient is PyTorch's: `(input - target) / max(input * (1 - input), 1e-12)`.

    Shape:
        `(*S) & (*S) -> ()`; `(*S)` with `reduction="none"`; `weight` broadcasts to `(*S)`.

    Raises:
        ShapeError: when `target` is not the input's shape, or `weight` does not broadcast
            to it.
        ValueError: when a value of `input` or `target` is outside [0, 1] (nan too), as
            PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> loss = sd.losses.binary_cross_entropy_loss
        >>> round(loss(sd.tensor([0.5, 0.0]), sd.tensor([1.0, 1.0])).item(), 4)
        50.3466
    """
    op = "binary_cross_entropy_loss"
    probability_loss_rule(
        op, input.shape, target.shape, reduction, None if weight is None else weight.shape
    )
    check_reduction(op, reduction)
    floats(op, input=input, target=target)
    target_dtype(op, input, target)
    if weight is not None:
        same_dtype(op, input, weight, data=1, name="weight")
    check_devices(op, input, target)
    xp, p, t = input.xp, input.data, target.data
    for name, a in (("input", p), ("target", t)):
        if a.size and not bool(((a >= 0) & (a <= 1)).all()):
            raise ValueError(f"{op}: every value of {name} must be between 0 and 1 (nan too)")
    backend = input.device.backend
    with backend.quiet():  # NOTE: log(0) is -inf, clamped: PyTorch says nothing of it either
        log_p, log_q = xp.log(p), xp.log1p(-p)
    out = (t - 1) * xp.maximum(log_q, -100) - t * xp.maximum(log_p, -100)

    def vjp(g: Array) -> tuple[Array, Array]:
        denominator = xp.maximum((1 - p) * p, _EPSILON)
        with backend.quiet():  # NOTE: the target's gradient is inf where input is 0 or 1
            return g * (p - t) / denominator, g * (log_q - log_p)

    loss: Tensor[Any, DT, TT] = record(out.astype(p.dtype, copy=False), (input, target), vjp)
    return reduce(op, loss if weight is None else loss * weight, reduction)


# NOTE: PyTorch's `EPSILON`, a float32 1e-12 in every dtype (9.99999996e-13 in f64)
_EPSILON = float(struct.unpack("f", struct.pack("f", 1e-12))[0])


@register("kl_div_with_logits_loss", kl_rule, tensors=LOGITS, statics=REDUCTION)
@in_f32()
def kl_div_with_logits_loss(
    logits: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], reduction: Reduction = "mean"
) -> Tensor[Any, DT, TT]:
    """`KL(target || softmax(logits))` per sample, with probabilities `target`.

    Per sample: `sum over the class axis of target * (log(target) - log_softmax(logits))`,
    where a zero target contributes 0 (and, as in PyTorch, a nan gradient for that target: `t log t`
    has no derivative at 0). In PyTorch terms, with `a` the class axis (1, or 0 for
    one sample) and `kl = F.kl_div(F.log_softmax(logits, a), target, reduction="none")`:

        reduction="none":  kl.sum(a)                 (one value per sample)
        reduction="sum":   kl.sum()                  (= F.kl_div(..., reduction="sum"))
        reduction="mean":  kl.sum(a).mean()          (= F.kl_div(..., reduction="batchmean")
                                                      for 2-d logits)

    so "mean" is the mean KL divergence per sample, not torch's mean over every element.

    Shape:
        `(N, C, *D) & (N, C, *D) -> ()`; `(N, *D)` with `reduction="none"`.
    """
    op = "kl_div_with_logits_loss"
    kl_rule(op, logits.shape, target.shape, reduction)
    check_reduction(op, reduction)
    floats(op, logits=logits, target=target)
    target_dtype(op, logits, target)
    a = 1 if logits.ndim >= 2 else 0
    # NOTE: PyTorch's kl_div, `xlogy(t, t) - t * log_q`: a zero target adds 0 (0 log 0 = 0),
    # and its gradient is nan (t log t has no derivative at 0; `t / t` in xlogy's), as in
    # PyTorch; a negative target, no probability, gives nan
    terms = xlogy(target, target) - target * logits.log_softmax(axis=a)
    return reduce(op, terms.sum(axis=a), reduction)
