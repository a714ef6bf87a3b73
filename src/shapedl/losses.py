"""Losses, composed from ops (no backward of their own), each matching PyTorch's; cross
entropy against class indices, the loss of nearly every classifier's step, is one op with a
fused backward (`softmax - one_hot`), as PyTorch's is.

Every loss takes `reduction="mean" | "sum" | "none"`: the mean or sum over the samples, or the
per-sample losses. Inputs must be floats (a `TypeError` otherwise: torch has no integer
kernels for its losses). Shape rules live here and are registered like ops', so the mypy
plugin checks targets statically with the same messages as the run-time `ShapeError`:

- pointwise losses (`mse_loss`, `mae_loss`, `huber_loss`, `smooth_l1_loss`,
  `binary_cross_entropy_with_logits_loss`, `kl_div_with_logits_loss`): `(*S) & (*S) -> ()`;
- class losses (`cross_entropy_with_logits_loss`, `nll_loss`): `(N, C, *D) & (N, *D) -> ()`
  for class indices, `(N, C, *D) & (N, C, *D) -> ()` for probabilities (cross entropy only);
  `(C,) & () -> ()` for one sample. The class axis is axis 1 (axis 0 for one sample).

With `reduction="none"` the result has the per-sample shape: `(*S)` for pointwise losses,
`(N, *D)` for class losses and for `kl_div_with_logits_loss`.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.ops.compare import where
from shapedl.ops.elementwise import float_only, same_dtype, xlogy
from shapedl.ops.index import out_of_range
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT

__all__ = [
    "binary_cross_entropy_with_logits_loss",
    "cross_entropy_with_logits_loss",
    "huber_loss",
    "kl_div_with_logits_loss",
    "mae_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

Reduction = Literal["mean", "sum", "none"]
_TWO = ("input", "target")
_LOGITS = ("logits", "target")
_REDUCTION = ("reduction",)


# ---- shape rules ------------------------------------------------------------------------
def _same_axes(op: str, a: Shape, b: Shape, pairs: list[tuple[int, int]], what: str) -> list[Any]:
    """Unify `a[i]` with `b[j]` for each pair, or a `ShapeError` naming the first mismatch."""
    out = []
    for i, j in pairs:
        d = dims.unify(a[i], b[j])
        if d is None:
            raise shape_error(op, [a, b], f"{what} axis {j} has size {b[j]}, expected {a[i]}")
        out.append(d)
    return out


def pointwise_loss_rule(op: str, input: Shape, target: Shape, reduction: str = "mean") -> Shape:
    """`(*S) & (*S) -> ()`, or `(*S)` with `reduction="none"`: the shapes must be equal."""
    if len(input) != len(target):
        raise shape_error(
            op, [input, target], f"target has rank {len(target)}, expected {len(input)}"
        )
    same = _same_axes(op, input, target, [(i, i) for i in range(len(input))], "target")
    return tuple(same) if reduction == "none" else ()


def _class_axis(op: str, x: Shape, target: Shape) -> int:
    if not x:
        raise shape_error(op, [x, target], "needs a class axis, got a scalar")
    return 1 if len(x) >= 2 else 0


def _class_weights(op: str, logits: Shape, target: Shape, weight: Shape | None) -> None:
    """Class weights are one per class: `(C,)`."""
    if weight is None:
        return
    c = logits[_class_axis(op, logits, target)]
    if len(weight) != 1 or dims.unify(weight[0], c) is None:
        raise shape_error(
            op, [logits, target, weight], f"weight must have shape ({c},), one per class"
        )


def class_loss_rule(
    op: str,
    logits: Shape,
    target: Shape,
    reduction: str = "mean",
    probabilities: bool = True,
    weight: Shape | None = None,
) -> Shape:
    """`(N, C, *D) & (N, *D) -> ()` (class indices) or `& (N, C, *D)` (probabilities); class
    weights, if given, are `(C,)`."""
    a = _class_axis(op, logits, target)
    _class_weights(op, logits, target, weight)
    if probabilities and len(target) == len(logits):
        per_class = _same_axes(op, logits, target, [(i, i) for i in range(len(logits))], "target")
        return tuple(d for i, d in enumerate(per_class) if i != a) if reduction == "none" else ()
    if len(target) != len(logits) - 1:
        expect = f"{len(logits) - 1} (class indices)"
        expect += f" or {len(logits)} (probabilities)" if probabilities else ""
        raise shape_error(
            op, [logits, target], f"target has rank {len(target)}, expected rank {expect}"
        )
    pairs = [(i, i if i < a else i - 1) for i in range(len(logits)) if i != a]
    per_sample = _same_axes(op, logits, target, pairs, "class-index target")
    return tuple(per_sample) if reduction == "none" else ()


def nll_rule(
    op: str, log_probs: Shape, target: Shape, reduction: str = "mean", weight: Shape | None = None
) -> Shape:
    """`(N, C, *D) & (N, *D) -> ()`: class-index targets only; class weights `(C,)`."""
    return class_loss_rule(op, log_probs, target, reduction, False, weight)


def kl_rule(op: str, logits: Shape, target: Shape, reduction: str = "mean") -> Shape:
    """`(N, C, *D) & (N, C, *D) -> ()`, or `(N, *D)` with `reduction="none"`."""
    pointwise_loss_rule(op, logits, target)
    a = _class_axis(op, logits, target)
    return tuple(d for i, d in enumerate(logits) if i != a) if reduction == "none" else ()


# ---- shared pieces ----------------------------------------------------------------------
def _reduce(op: str, loss: Tensor[Any, DT, Any], reduction: str) -> Tensor[Any, DT, Any]:
    _check_reduction(op, reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'{op}: invalid reduction {reduction!r}; expected "mean", "sum" or "none"')


def _floats(op: str, **named: Tensor[Any, Any, Any]) -> None:
    """A `TypeError` naming the first of `named` that is not a float tensor: torch has no
    integer kernels for its losses (an integer cross entropy here was truncated silently)."""
    for name, t in named.items():
        float_only(op, t, name)


def _same_dtype(op: str, output: Tensor[Any, Any, Any], target: Tensor[Any, Any, Any]) -> None:
    """The dtype rule with the target as the data: the fix converts the target."""
    _floats(op, input=output)
    same_dtype(op, output, target, data=1, name="target")


def _picked(log_probs: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], a: int) -> Any:
    """`log_probs` at each sample's class index along axis `a`: shape of `target`."""
    return log_probs.gather(target.unsqueeze(a), axis=a).squeeze(a)


def _where(cond: Tensor[Any, Any, Any], a: Tensor[Any, DT, TT], b: Any) -> Tensor[Any, DT, TT]:
    # NOTE: the cast because the plugin gives `where` the condition's dtype (bool), not `a`'s
    return cast("Tensor[Any, DT, TT]", where(cond, a, b))


# ---- regression -------------------------------------------------------------------------
@register("mse_loss", pointwise_loss_rule, tensors=_TWO, statics=_REDUCTION)
def mse_loss(
    input: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], reduction: Reduction = "mean"
) -> Tensor[Any, DT, TT]:
    """Mean squared error `(input - target) ** 2`, as `F.mse_loss`.

    Shape:
        `(*S) & (*S) -> ()`; `(*S)` with `reduction="none"`.

    Raises:
        ShapeError: when `target`'s shape differs from `input`'s.

    Example:
        >>> import shapedl as sd
        >>> sd.losses.mse_loss(sd.tensor([1.0, 2.0]), sd.tensor([1.0, 4.0])).item()
        2.0
    """
    pointwise_loss_rule("mse_loss", input.shape, target.shape, reduction)
    _same_dtype("mse_loss", input, target)
    return _reduce("mse_loss", (input - target).square(), reduction)


@register("mae_loss", pointwise_loss_rule, tensors=_TWO, statics=_REDUCTION)
def mae_loss(
    input: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], reduction: Reduction = "mean"
) -> Tensor[Any, DT, TT]:
    """Mean absolute error `|input - target|`, as `F.l1_loss` (gradient 0 where equal).

    Shape:
        `(*S) & (*S) -> ()`; `(*S)` with `reduction="none"`.
    """
    pointwise_loss_rule("mae_loss", input.shape, target.shape, reduction)
    _same_dtype("mae_loss", input, target)
    return _reduce("mae_loss", (input - target).abs(), reduction)


def _piecewise(
    op: str, d: Tensor[Any, DT, TT], width: float, quad: float, lin: float, reduction: str
) -> Tensor[Any, DT, TT]:
    """`quad * 0.5 * d**2` where `|d| < width`, else `lin * (|d| - 0.5 * width)`."""
    _check_reduction(op, reduction)
    size = d.abs()
    if width == 0:
        return _reduce(op, size, reduction)
    # NOTE: nan is inside, as PyTorch's (its gradient is then nan); d is squared only where it
    # is taken: an infinite d would give the unused branch a gradient of 0 * inf = nan
    # (PyTorch's is +-lin there)
    inside = ~(size >= width)
    quadratic = _where(inside, d, 0.0).square() * (0.5 * quad)
    linear = (size - 0.5 * width) * lin
    return _reduce(op, _where(inside, quadratic, linear), reduction)


@register("huber_loss", pointwise_loss_rule, tensors=_TWO, statics=_REDUCTION)
def huber_loss(
    input: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    delta: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor[Any, DT, TT]:
    """Huber loss, as `F.huber_loss`; with `d = input - target`::

        0.5 * d ** 2                  if |d| < delta
        delta * (|d| - 0.5 * delta)   otherwise

    Raises:
        ValueError: unless `delta > 0`.
    """
    pointwise_loss_rule("huber_loss", input.shape, target.shape, reduction)
    _same_dtype("huber_loss", input, target)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    return _piecewise("huber_loss", input - target, delta, 1.0, delta, reduction)


@register("smooth_l1_loss", pointwise_loss_rule, tensors=_TWO, statics=_REDUCTION)
def smooth_l1_loss(
    input: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    beta: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor[Any, DT, TT]:
    """Smooth L1 loss, as `F.smooth_l1_loss`; with `d = input - target`::

        0.5 * d ** 2 / beta   if |d| < beta
        |d| - 0.5 * beta      otherwise       (beta = 0 is the L1 loss)

    Raises:
        ValueError: unless `beta >= 0`.
    """
    pointwise_loss_rule("smooth_l1_loss", input.shape, target.shape, reduction)
    _same_dtype("smooth_l1_loss", input, target)
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    quad = 1 / beta if beta else 0.0
    return _piecewise("smooth_l1_loss", input - target, beta, quad, 1.0, reduction)


# ---- classification ---------------------------------------------------------------------
def logits_loss_rule(op: str, logits: Shape, target: Shape, reduction: str = "mean") -> Shape:
    """`pointwise_loss_rule` with the operand named as the function names it (`logits`)."""
    return pointwise_loss_rule(op, logits, target, reduction)


@register(
    "binary_cross_entropy_with_logits_loss",
    logits_loss_rule,
    tensors=_LOGITS,
    statics=_REDUCTION,
)
@in_f32()
def binary_cross_entropy_with_logits_loss(
    logits: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], reduction: Reduction = "mean"
) -> Tensor[Any, DT, TT]:
    """Binary cross entropy of `sigmoid(logits)` against `target` in [0, 1], computed stably
    as `(1 - target) * logits + softplus(-logits)`; as `F.binary_cross_entropy_with_logits`.

    Shape:
        `(*S) & (*S) -> ()`; `(*S)` with `reduction="none"`.

    Example:
        >>> import shapedl as sd
        >>> loss = sd.losses.binary_cross_entropy_with_logits_loss
        >>> round(loss(sd.tensor([0.0, 1000.0]), sd.tensor([1.0, 1.0])).item(), 4)
        0.3466
    """
    op = "binary_cross_entropy_with_logits_loss"
    pointwise_loss_rule(op, logits.shape, target.shape, reduction)
    _floats(op, logits=logits, target=target)
    _same_dtype(op, logits, target)
    # NOTE: PyTorch's form, which keeps a tiny loss where it is tiny (logit 50, target 1:
    # 2e-22), where softplus(logits) - logits * target rounds it to 0
    return _reduce(op, (1 - target) * logits + (-logits).softplus(), reduction)


_CLASSES = ("logits", "target", "weight")


@register("cross_entropy_with_logits_loss", class_loss_rule, tensors=_CLASSES, statics=_REDUCTION)
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
    _check_reduction(op, reduction)
    _floats(op, logits=logits)
    _check_weight(op, logits, weight)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    a = 1 if logits.ndim >= 2 else 0
    if target.ndim == logits.ndim:
        _floats(op, target=target)
        _same_dtype(op, logits, target)
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / logits.shape[a]
        log_probs = logits.log_softmax(axis=a)
        weighted = log_probs if weight is None else log_probs * _along(weight, a, logits.ndim)
        return _reduce(op, -(weighted * target).sum(axis=a), reduction)
    valid = _valid(op, logits.shape[a], target, ignore_index)
    if valid is None and weight is None and not label_smoothing:
        return _class_entropy(op, logits, target, a, reduction)
    log_probs = logits.log_softmax(axis=a)
    loss, count = _class_nll(log_probs, target, a, weight, valid)
    if label_smoothing:
        weighted = log_probs if weight is None else log_probs * _along(weight, a, logits.ndim)
        smooth = -weighted.sum(axis=a) if valid is None else -_where(valid, weighted.sum(axis=a), 0)
        loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / logits.shape[a])
    return _class_reduce(loss, count, reduction)


def _shape(t: Tensor[Any, Any, Any] | None) -> Shape | None:
    return None if t is None else t.shape


def _check_weight(op: str, x: Tensor[Any, Any, Any], weight: Tensor[Any, Any, Any] | None) -> None:
    if weight is not None:
        _floats(op, weight=weight)
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
        target = _where(valid, target, 0)
    loss: Tensor[Any, DT, TT] = -_picked(log_probs, target, a)
    if weight is None and valid is None:
        return loss, None
    each: Tensor[Any, Any, Any]
    if weight is None:
        assert valid is not None
        each = valid.astype(log_probs.dtype)
    else:
        each = weight.detach()[target]
        each = each if valid is None else _where(valid, each, 0.0)
    return loss * each, each


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
    return None if bool(valid.data.all()) else valid


@register("nll_loss", nll_rule, tensors=("log_probs", "target", "weight"), statics=_REDUCTION)
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
    _check_reduction(op, reduction)
    _floats(op, log_probs=log_probs)
    _check_weight(op, log_probs, weight)
    a = 1 if log_probs.ndim >= 2 else 0
    valid = _valid(op, log_probs.shape[a], target, ignore_index)
    loss, count = _class_nll(log_probs, target, a, weight, valid)
    return _class_reduce(loss, count, reduction)


@register("kl_div_with_logits_loss", kl_rule, tensors=_LOGITS, statics=_REDUCTION)
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
    _check_reduction(op, reduction)
    _floats(op, logits=logits, target=target)
    _same_dtype(op, logits, target)
    a = 1 if logits.ndim >= 2 else 0
    # NOTE: PyTorch's kl_div, `xlogy(t, t) - t * log_q`: a zero target adds 0 (0 log 0 = 0),
    # and its gradient is nan (t log t has no derivative at 0; `t / t` in xlogy's), as in
    # PyTorch; a negative target, no probability, gives nan
    terms = xlogy(target, target) - target * logits.log_softmax(axis=a)
    return _reduce(op, terms.sum(axis=a), reduction)
