"""The losses' shape rules, registered like ops' so that the mypy plugin checks targets
statically with the same messages as the run-time `ShapeError`."""

from __future__ import annotations

from typing import Any

from shapedl import dims
from shapedl.dims import Shape
from shapedl.errors import shape_error, show_shape

__all__ = [
    "class_loss_rule",
    "kl_rule",
    "logits_loss_rule",
    "nll_rule",
    "pointwise_loss_rule",
    "probability_loss_rule",
]


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


def logits_loss_rule(
    op: str,
    logits: Shape,
    target: Shape,
    reduction: str = "mean",
    weight: Shape | None = None,
    pos_weight: Shape | None = None,
) -> Shape:
    """`pointwise_loss_rule` with the operand named as the function names it (`logits`);
    `weight` and `pos_weight`, if given, broadcast to the logits' shape without growing it
    (`(C,)` for one weight per class, as PyTorch's)."""
    out = pointwise_loss_rule(op, logits, target, reduction)
    _weights_fit(op, "logits'", logits, target, ("weight", weight), ("pos_weight", pos_weight))
    return out


def probability_loss_rule(
    op: str, input: Shape, target: Shape, reduction: str = "mean", weight: Shape | None = None
) -> Shape:
    """`pointwise_loss_rule`; `weight`, if given, broadcasts to the input's shape without
    growing it."""
    out = pointwise_loss_rule(op, input, target, reduction)
    _weights_fit(op, "input's", input, target, ("weight", weight))
    return out


def _weights_fit(
    op: str, what: str, x: Shape, target: Shape, *named: tuple[str, Shape | None]
) -> None:
    for name, w in named:
        if w is not None and not _broadcasts_into(w, x):
            raise shape_error(
                op, [x, target, w], f"{name} must broadcast to the {what} shape {show_shape(x)}"
            )


def _broadcasts_into(small: Shape, big: Shape) -> bool:
    """Whether `small` broadcasts to `big` itself (NumPy's rule, `big` kept)."""
    if len(small) > len(big):
        return False
    tail = big[len(big) - len(small) :]
    return all(a == 1 or dims.unify(a, b) is not None for a, b in zip(small, tail, strict=True))
