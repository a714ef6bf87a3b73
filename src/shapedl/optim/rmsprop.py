"""RMSprop (Hinton's lecture 6e), with momentum and the centered variant."""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.optim.base import Missing, Optimizer, check, check_nonnegative, per_step

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as `torch.optim.RMSprop` computes it.

    The update of parameter `p` with gradient `g` (`v`, `a` and `b` start at 0)::

        if weight_decay != 0:  g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:  a = alpha * a + (1 - alpha) * g;  d = sqrt(v - a * a) + eps
        else:         d = sqrt(v) + eps
        if momentum > 0:  b = momentum * b + g / d;  p = p - lr * b
        else:             p = p - lr * g / d

    Args:
        lr: the learning rate, >= 0.
        alpha: the decay rate of the squared-gradient average, in [0, 1].
        eps: added to the denominator, >= 0.
        weight_decay: L2 penalty, >= 0.
        momentum: the momentum factor, >= 0.
        centered: divide by the estimated variance of the gradient instead of its second moment.
        missing: `"error"` or `"warn"` for parameters without a gradient (see `Optimizer`).

    Raises:
        ValueError: for an invalid hyperparameter, naming it (`RMSprop: invalid alpha value: 1.5
            (alpha must be a number in [0, 1])`).

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0])
        >>> grads = (w.traced() * 2.0).sum().backward()
        >>> sd.optim.RMSprop(lr=0.01, alpha=0.75).update([w], grads)
        >>> round(w.item(), 4)
        0.98
    """

    hyper = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")
    device_values = True

    def __init__(
        self,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        missing: Missing = "error",
    ) -> None:
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered
        super().__init__(lr, missing=missing)

    @property
    def slots(self) -> tuple[str, ...]:
        return (
            ("square_avg",)
            + (("grad_avg",) if self.centered else ())
            + (("momentum_buffer",) if self.momentum > 0 else ())
        )

    def _validate(self) -> None:
        super()._validate()
        ok = isinstance(self.alpha, int | float) and 0 <= self.alpha <= 1
        check(ok, "alpha value", self.alpha, "alpha must be a number in [0, 1]")
        check_nonnegative("epsilon value", self.eps, "eps")
        check_nonnegative("weight_decay value", self.weight_decay, "weight_decay")
        check_nonnegative("momentum value", self.momentum, "momentum")

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        state["step"] += 1
        if self.weight_decay != 0:
            g += xp.multiply(p, self.weight_decay, out=tmp)
        v = state["square_avg"]
        v *= self.alpha
        v += xp.multiply(xp.multiply(g, g, out=tmp), 1 - self.alpha, out=tmp)
        if self.centered:
            a = state["grad_avg"]
            a += xp.multiply(xp.subtract(g, a, out=tmp), 1 - self.alpha, out=tmp)
            d = xp.sqrt(xp.subtract(v, xp.multiply(a, a, out=tmp), out=tmp), out=tmp)
        else:
            d = xp.sqrt(v, out=tmp)
        d += self.eps
        g = xp.divide(g, d, out=g)
        if self.momentum > 0:
            b = state["momentum_buffer"]
            b *= self.momentum
            b += g
            g = b
        p -= xp.multiply(g, per_step(state["lr"], p), out=tmp)
