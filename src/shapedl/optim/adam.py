"""Adam, and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from typing import Any

from shapedl.backend import Array, kernels
from shapedl.optim.base import (
    Missing,
    Optimizer,
    check,
    check_beta,
    check_nonnegative,
    per_step,
)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as `torch.optim.Adam` computes it.

    The update of parameter `p` with gradient `g` at step `t` (`m`, `v`, `v_max` start at 0)::

        if weight_decay != 0:  g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        if amsgrad:  v_max = max(v_max, v);  v_hat = v_max
        else:        v_hat = v
        p = p - lr / (1 - beta1 ** t) * m / (sqrt(v_hat) / sqrt(1 - beta2 ** t) + eps)

    Args:
        lr: the learning rate, >= 0.
        betas: `(beta1, beta2)`, the decay rates of the moment averages, each in [0, 1).
        eps: added to the denominator, >= 0.
        weight_decay: L2 penalty added to the gradient, >= 0.
        amsgrad: use the largest second moment seen so far (AMSGrad).
        missing: `"error"` or `"warn"` for parameters without a gradient (see `Optimizer`).

    Raises:
        ValueError: for an invalid hyperparameter, naming it (`Adam: invalid beta parameter
            at index 0: 1.0 (each of betas must be a number in [0, 1))`).

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0, -1.0])
        >>> grads = (w.traced() * 3.0).sum().backward()
        >>> sd.optim.Adam(lr=0.5).update([w], grads)
        >>> [round(v, 4) for v in w.tolist()]
        [0.5, -1.5]
    """

    hyper = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    device_values = True

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        missing: Missing = "error",
    ) -> None:
        self.betas = tuple(betas)
        self.eps = eps
        self.weight_decay = weight_decay
        self.amsgrad = amsgrad
        super().__init__(lr, missing=missing)

    @property
    def slots(self) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if self.amsgrad else ())

    def _validate(self) -> None:
        super()._validate()
        check(len(self.betas) == 2, "betas (expected two values)", self.betas)
        for i, beta in enumerate(self.betas):
            check_beta(f"beta parameter at index {i}", beta)
        check_nonnegative("epsilon value", self.eps, "eps")
        check_nonnegative("weight_decay value", self.weight_decay, "weight_decay")

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        state["step"] += 1
        self._adam(xp, state, p, g, tmp, l2=self.weight_decay)

    def _adam(
        self,
        xp: Any,
        state: dict[str, Any],
        p: Array,
        g: Array,
        tmp: Array,
        l2: float = 0.0,
        decay: Any = 1.0,
    ) -> None:
        """Adam's update; `l2` (Adam's weight decay) is added to the gradient as `l2 * p`,
        and `p` is first multiplied by `decay` (AdamW's `1 - lr * weight_decay`)."""
        beta1, beta2 = self.betas
        t, lr, counter = state["step"], state["lr"], state.get("counter")
        m, v = state["exp_avg"], state["exp_avg_sq"]
        step_size: Any
        bc2_sqrt: Any
        if counter is None:
            step_size, bc2_sqrt = lr / (1 - beta1**t), math.sqrt(1 - beta2**t)
        else:  # NOTE: in a step recorded as a CUDA graph (`sd.graphed`) t and lr are on the device
            step_size = (lr / (1 - beta1**counter)).astype(p.dtype)
            bc2_sqrt = xp.sqrt(1 - beta2**counter).astype(p.dtype)
            decay = per_step(decay, p)
        if not self.amsgrad:  # NOTE: on CUDA one fused kernel (backend/kernels.py)
            fused = kernels.get(xp, "adam", p, g, m, v)
            args = (g, step_size, 1 - beta1, beta2, 1 - beta2, bc2_sqrt, self.eps, l2, decay)
            if kernels.run(fused, (*args, p, m, v)) is not None:
                return
        # NOTE: the arithmetic of torch.optim.Adam, in place: `tmp`, then `g` once it is used
        if l2 != 0:
            g += xp.multiply(p, l2, out=tmp)
        if not isinstance(decay, float) or decay != 1:
            p *= decay
        m += xp.multiply(xp.subtract(g, m, out=tmp), 1 - beta1, out=tmp)
        v *= beta2
        v += xp.multiply(xp.multiply(g, g, out=tmp), 1 - beta2, out=tmp)
        if self.amsgrad:
            v_hat = state["max_exp_avg_sq"]
            xp.maximum(v_hat, v, out=v_hat)
        else:
            v_hat = v
        denom = xp.sqrt(v_hat, out=g)
        denom /= bc2_sqrt
        denom += self.eps
        p -= xp.multiply(xp.divide(m, denom, out=g), step_size, out=g)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as `torch.optim.AdamW`.

    The update is Adam's without its L2 term, after shrinking the parameter::

        p = p * (1 - lr * weight_decay)
        (then Adam's update of p with g, weight_decay = 0)

    Args:
        lr: as for `Adam`.
        betas: as for `Adam`.
        eps: as for `Adam`.
        amsgrad: as for `Adam`.
        missing: as for `Adam`.
        weight_decay: the decoupled decay rate, >= 0 (0.01 by default).

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0])
        >>> grads = (w.traced() * 0.0).sum().backward()
        >>> sd.optim.AdamW(lr=0.1, weight_decay=0.5).update([w], grads)
        >>> round(w.item(), 4)
        0.95
    """

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        missing: Missing = "error",
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad, missing=missing)

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        state["step"] += 1
        self._adam(xp, state, p, g, tmp, decay=1 - state["lr"] * self.weight_decay)
