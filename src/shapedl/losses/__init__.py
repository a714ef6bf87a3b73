"""Losses, composed from ops (no backward of their own), each matching PyTorch's; cross
entropy against class indices, the loss of nearly every classifier's step, is one op with a
fused backward (`softmax - one_hot`), as PyTorch's is.

Every loss takes `reduction="mean" | "sum" | "none"`: the mean or sum over the samples, or the
per-sample losses. Inputs must be floats (a `TypeError` otherwise: torch has no integer
kernels for its losses). Shape rules live in `rules` and are registered like ops', so the mypy
plugin checks targets statically with the same messages as the run-time `ShapeError`:

- pointwise losses (`mse_loss`, `mae_loss`, `huber_loss`, `smooth_l1_loss`,
  `binary_cross_entropy_loss`, `binary_cross_entropy_with_logits_loss`,
  `kl_div_with_logits_loss`): `(*S) & (*S) -> ()`;
- class losses (`cross_entropy_with_logits_loss`, `nll_loss`): `(N, C, *D) & (N, *D) -> ()`
  for class indices, `(N, C, *D) & (N, C, *D) -> ()` for probabilities (cross entropy only);
  `(C,) & () -> ()` for one sample. The class axis is axis 1 (axis 0 for one sample).

With `reduction="none"` the result has the per-sample shape: `(*S)` for pointwise losses,
`(N, *D)` for class losses and for `kl_div_with_logits_loss`.

The losses live by family: `regression` (pointwise distances), `probability` (binary cross
entropy and KL divergence, against probabilities) and `classes` (cross entropy and NLL,
against class indices).
"""

from __future__ import annotations

from shapedl.losses.classes import cross_entropy_with_logits_loss, nll_loss
from shapedl.losses.probability import (
    binary_cross_entropy_loss,
    binary_cross_entropy_with_logits_loss,
    kl_div_with_logits_loss,
)
from shapedl.losses.regression import huber_loss, mae_loss, mse_loss, smooth_l1_loss

__all__ = [
    "binary_cross_entropy_loss",
    "binary_cross_entropy_with_logits_loss",
    "cross_entropy_with_logits_loss",
    "huber_loss",
    "kl_div_with_logits_loss",
    "mae_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]
