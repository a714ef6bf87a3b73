"""Metrics: a batch's predictions and targets in, one float (a mean over the rows) out.

A metric is any callable `metric(pred, target) -> float`; its name in the `History` is its
`__name__`. Because every built-in is a mean over rows, the epoch's figure is the mean of the
batches' figures weighted by their sizes, which is exactly the figure over the whole epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shapedl.errors import shape_error, show_shape
from shapedl.losses import binary_cross_entropy_with_logits_loss
from shapedl.tensor import Tensor

__all__ = [
    "Metric",
    "recorded_name",
    "accuracy",
    "binary_accuracy",
    "logits_accuracy",
    "mean_absolute_error",
    "metric_name",
    "resolve",
    "top_k_accuracy",
]

AnyTensor = Tensor[Any, Any, Any]
Metric = Callable[[AnyTensor, AnyTensor], float]


# NOTE: the class axis of `cross_entropy_with_logits_loss` (PyTorch's): `(N, C, H, W)` scores
# go with `(N, H, W)` class indices, so a segmentation model's metric is per pixel
CLASS_AXIS = 1


def _labels(name: str, pred: AnyTensor, target: AnyTensor) -> tuple[int, Any]:
    """The class axis of `pred`, and class indices from `target`: as given, or the argmax of
    one-hot/probability targets.

    NOTE: axis 1 where the target fits it; the last axis where only that one fits (a tagger's
    or language model's `(N, T, C)` scores with `(N, T)` indices, as torch users write
    `logits.argmax(-1) == y`)."""
    spatial = pred.shape[:CLASS_AXIS] + pred.shape[CLASS_AXIS + 1 :]
    if pred.ndim > CLASS_AXIS and target.shape == pred.shape:
        return CLASS_AXIS, target.data.argmax(axis=CLASS_AXIS)
    if pred.ndim > CLASS_AXIS and target.shape == spatial:
        return CLASS_AXIS, target.data
    if pred.ndim > CLASS_AXIS and target.shape == pred.shape[:-1]:
        return pred.ndim - 1, target.data
    last = pred.shape[:-1]
    indices = show_shape(spatial) + ("" if last == spatial else f" or {show_shape(last)}")
    raise shape_error(
        name,
        [pred.shape, target.shape],
        f"the scores have their classes on axis {CLASS_AXIS} (as cross_entropy_with_logits_loss"
        f" reads them) or last, so the targets are class indices {indices}, or one-hot/"
        f"probability scores {show_shape(pred.shape)}",
    )


def accuracy(pred: AnyTensor, target: AnyTensor) -> float:
    """The fraction of rows (or pixels) whose largest score is at the target class.

    `pred` holds scores `(N, C)` (logits or probabilities); `target` holds class indices
    `(N,)` or one-hot/probability rows `(N, C)`. Scores of higher rank have their classes on
    axis 1, as `cross_entropy_with_logits_loss` reads them: `(N, C, H, W)` scores with `(N, H,
    W)` indices (or `(N, C, H, W)` one-hot targets) give the fraction of pixels right, PyTorch's
    `(logits.argmax(1) == target).float().mean()`; `(N, T, C)` scores with `(N, T)` indices
    (a tagger's, a language model's) have theirs last. With a single score per element (`(N,)`,
    `(N, 1)`, `(N, 1, H, W)` or `(N, T, 1)`, and a target of as many values), the prediction
    is positive when the score is above 0.5, as for the output of a sigmoid (use
    `binary_accuracy(0.0)` for logits). `fit` with the loss
    `binary_cross_entropy_with_logits_loss`, which takes logits, records `accuracy` of logits
    instead (`logits_accuracy`: above 0), under the name `accuracy`.

    Example:
        >>> import shapedl as sd
        >>> accuracy(sd.tensor([[0.1, 0.9], [0.8, 0.2]]), sd.tensor([1, 1]))
        0.5

    Raises:
        ShapeError: when the target fits neither the class indices nor the scores' shape.
    """
    return _accuracy("accuracy", pred, target, 0.5)


def logits_accuracy(pred: AnyTensor, target: AnyTensor) -> float:
    """`accuracy` where a single score per row is a logit: positive above 0 (a probability
    above 0.5). What `fit` records as `accuracy` with `binary_cross_entropy_with_logits_loss`.

    Example:
        >>> import shapedl as sd
        >>> logits_accuracy(sd.tensor([-2.0, 0.3]), sd.tensor([0.0, 1.0]))
        1.0
    """
    return _accuracy("accuracy", pred, target, 0.0)


logits_accuracy.__name__ = logits_accuracy.__qualname__ = "accuracy"


def _accuracy(name: str, pred: AnyTensor, target: AnyTensor, threshold: float) -> float:
    if _one_score(pred, target):
        return _binary(name, pred, target, threshold)
    axis, labels = _labels(name, pred, target)
    hits = pred.data.argmax(axis=axis) == labels
    return float(hits.mean())


def _one_score(pred: AnyTensor, target: AnyTensor) -> bool:
    """Whether `pred` holds one score per target value: `(N,)`, or a class axis or a last
    axis of size 1 (`(N, 1, H, W)`, `(N, T, 1)`) with a target of as many values."""
    if pred.ndim < 2:
        return True
    single = pred.shape[CLASS_AXIS] == 1 or pred.shape[-1] == 1
    return single and target.numel() == pred.numel()


def _binary(name: str, pred: AnyTensor, target: AnyTensor, threshold: float) -> float:
    if target.numel() != pred.numel():
        raise shape_error(
            name,
            [pred.shape, target.shape],
            f"one score per element needs one target per element, not {target.numel()} for "
            f"{pred.numel()}",
        )
    hits = (pred.data > threshold) == (target.data.reshape(pred.shape) > 0.5)
    return float(hits.mean())


def binary_accuracy(threshold: float = 0.5) -> Metric:
    """Accuracy of one score per row: positive when the score is above `threshold`.

    Example:
        >>> import shapedl as sd
        >>> binary_accuracy(0.0)(sd.tensor([-2.0, 3.0]), sd.tensor([0.0, 0.0]))
        0.5
    """

    def binary_accuracy(pred: AnyTensor, target: AnyTensor) -> float:
        return _binary("binary_accuracy", pred, target, threshold)

    return binary_accuracy


def top_k_accuracy(k: int) -> Metric:
    """The fraction of rows whose target class is among the `k` largest scores.

    Its name is `top_{k}_accuracy`; ties at the k-th score count as hits. Targets are read as
    by `accuracy`: scores of rank above 2 have their classes on axis 1.

    Example:
        >>> import shapedl as sd
        >>> top2 = top_k_accuracy(2)
        >>> top2(sd.tensor([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]), sd.tensor([1, 2])), top2.__name__
        (0.5, 'top_2_accuracy')
    """
    if k < 1:
        raise ValueError(f"invalid k: {k}")

    name = f"top_{k}_accuracy"

    def metric(pred: AnyTensor, target: AnyTensor) -> float:
        xp, scores = pred.xp, pred.data
        axis, labels = _labels(name, pred, target)
        own = xp.take_along_axis(scores, xp.expand_dims(labels, axis), axis=axis)
        # NOTE: a rank by counting strictly larger scores, so no sort and ties are hits
        rank = (scores > own).sum(axis=axis)
        return float((rank < k).mean())

    metric.__name__ = metric.__qualname__ = name
    return metric


def mean_absolute_error(pred: AnyTensor, target: AnyTensor) -> float:
    """The mean of `|pred - target|` over every element.

    Example:
        >>> import shapedl as sd
        >>> mean_absolute_error(sd.tensor([1.0, 2.0]), sd.tensor([2.0, 4.0]))
        1.5
    """
    diff = pred.data - target.data.reshape(pred.shape)
    return float(abs(diff).mean())


_NAMED: dict[str, Metric] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
}


def recorded_name(name: str) -> str:
    """The figure a metric named by its short name is recorded as: `"mae"` is
    `"mean_absolute_error"`, `"val_acc"` is `"val_accuracy"`; any other name as it is."""
    bare = name.removeprefix("val_")
    fn = _NAMED.get(bare)
    return name if fn is None else name[: len(name) - len(bare)] + metric_name(fn)


def metric_name(metric: Metric) -> str:
    """The name a metric's figures have in the `History` (its `__name__`)."""
    return getattr(metric, "__name__", type(metric).__name__)


def resolve(metrics: Sequence[Metric | str], loss: object = None) -> dict[str, Metric]:
    """Metrics by name; a string names a built-in (`"accuracy"`, `"mae"`, `"top_5_accuracy"`).

    With a `loss` that takes logits of one score (`binary_cross_entropy_with_logits_loss`, or a
    `functools.partial` of it), `accuracy` (by name or the function) is `logits_accuracy`: the
    model's outputs are logits, which 0.5 would threshold wrongly.

    Raises:
        ValueError: for an unknown name, or two metrics with one name.
    """
    logits = _takes_logits(loss)
    out: dict[str, Metric] = {}
    for m in metrics:
        fn = _from_name(m) if isinstance(m, str) else m
        if logits and fn is accuracy:
            fn = logits_accuracy
        name = metric_name(fn)
        if name in out or name == "loss":
            raise ValueError(f"two metrics are named {name!r}; give one a different __name__")
        out[name] = fn
    return out


def _from_name(name: str) -> Metric:
    if name in _NAMED:
        return _NAMED[name]
    if name.startswith("top_") and name.endswith("_accuracy") and name[4:-9].isdigit():
        return top_k_accuracy(int(name[4:-9]))
    known = ", ".join(sorted(_NAMED))
    raise ValueError(f"unknown metric {name!r}: use one of {known}, top_<k>_accuracy or a callable")


def _takes_logits(loss: object) -> bool:
    """Whether `loss` is the loss of one logit per target (the model's outputs are logits)."""
    bce = binary_cross_entropy_with_logits_loss
    return loss is bce or getattr(loss, "func", None) is bce
