"""Regression losses: the pointwise distances `mse_loss`, `mae_loss`, `huber_loss` and
`smooth_l1_loss`, `(*S) & (*S) -> ()`."""

from __future__ import annotations

import numbers
from typing import Any

from shapedl.losses.common import (
    REDUCTION,
    TWO,
    Reduction,
    check_reduction,
    choose,
    reduce,
    target_dtype,
)
from shapedl.losses.rules import pointwise_loss_rule
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DT, TT

__all__ = ["huber_loss", "mae_loss", "mse_loss", "smooth_l1_loss"]


@register("mse_loss", pointwise_loss_rule, tensors=TWO, statics=REDUCTION)
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
    target_dtype("mse_loss", input, target)
    return reduce("mse_loss", (input - target).square(), reduction)


@register("mae_loss", pointwise_loss_rule, tensors=TWO, statics=REDUCTION)
def mae_loss(
    input: Tensor[Any, DT, TT], target: Tensor[Any, Any, Any], reduction: Reduction = "mean"
) -> Tensor[Any, DT, TT]:
    """Mean absolute error `|input - target|`, as `F.l1_loss` (gradient 0 where equal).

    Shape:
        `(*S) & (*S) -> ()`; `(*S)` with `reduction="none"`.
    """
    pointwise_loss_rule("mae_loss", input.shape, target.shape, reduction)
    target_dtype("mae_loss", input, target)
    return reduce("mae_loss", (input - target).abs(), reduction)


def _real(op: str, name: str, value: object) -> None:
    """A `TypeError` naming `op` and `name` unless `value` is a real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        hint = (
            f"; the reduction is a keyword: reduction={value!r}" if isinstance(value, str) else ""
        )
        raise TypeError(
            f"{op}: {name} must be a number, not {type(value).__name__} {value!r}{hint}"
        )


def _piecewise(
    op: str, d: Tensor[Any, DT, TT], width: float, quad: float, lin: float, reduction: str
) -> Tensor[Any, DT, TT]:
    """`quad * 0.5 * d**2` where `|d| < width`, else `lin * (|d| - 0.5 * width)`."""
    check_reduction(op, reduction)
    size = d.abs()
    if width == 0:
        return reduce(op, size, reduction)
    # NOTE: nan is inside, as PyTorch's (its gradient is then nan); d is squared only where it
    # is taken: an infinite d would give the unused branch a gradient of 0 * inf = nan
    # (PyTorch's is +-lin there)
    inside = ~(size >= width)
    quadratic = choose(inside, d, 0.0).square() * (0.5 * quad)
    linear = (size - 0.5 * width) * lin
    return reduce(op, choose(inside, quadratic, linear), reduction)


@register("huber_loss", pointwise_loss_rule, tensors=TWO, statics=REDUCTION)
def huber_loss(
    input: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    *,
    delta: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor[Any, DT, TT]:
    """Huber loss, as `F.huber_loss`; with `d = input - target`::

        0.5 * d ** 2                  if |d| < delta
        delta * (|d| - 0.5 * delta)   otherwise

    `delta` and `reduction` are keyword-only: PyTorch's third positional is `reduction`.

    Raises:
        TypeError: when `delta` is not a number.
        ValueError: unless `delta > 0`.
    """
    pointwise_loss_rule("huber_loss", input.shape, target.shape, reduction)
    target_dtype("huber_loss", input, target)
    _real("huber_loss", "delta", delta)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    return _piecewise("huber_loss", input - target, delta, 1.0, delta, reduction)


@register("smooth_l1_loss", pointwise_loss_rule, tensors=TWO, statics=REDUCTION)
def smooth_l1_loss(
    input: Tensor[Any, DT, TT],
    target: Tensor[Any, Any, Any],
    *,
    beta: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor[Any, DT, TT]:
    """Smooth L1 loss, as `F.smooth_l1_loss`; with `d = input - target`::

        0.5 * d ** 2 / beta   if |d| < beta
        |d| - 0.5 * beta      otherwise       (beta = 0 is the L1 loss)

    `beta` and `reduction` are keyword-only: PyTorch's third positional is `reduction`.

    Raises:
        TypeError: when `beta` is not a number.
        ValueError: unless `beta >= 0`.
    """
    pointwise_loss_rule("smooth_l1_loss", input.shape, target.shape, reduction)
    target_dtype("smooth_l1_loss", input, target)
    _real("smooth_l1_loss", "beta", beta)
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    quad = 1 / beta if beta else 0.0
    return _piecewise("smooth_l1_loss", input - target, beta, quad, 1.0, reduction)
