"""Adadelta (Zeiler, 2012): a rate per parameter from the ratio of two running averages."""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.optim.base import Missing, Optimizer, check, check_nonnegative, per_step

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as `torch.optim.Adadelta` computes it (pytorch/examples' MNIST uses it).

    The update of parameter `p` with gradient `g` (`v` and `u` start at 0)::

        if weight_decay != 0:  g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    Args:
        lr: the factor of each step, >= 0 (PyTorch's default 1.0).
        rho: the decay rate of both averages, in [0, 1].
        eps: added inside both square roots, >= 0.
        weight_decay: L2 penalty, >= 0.
        missing: `"error"` or `"warn"` for parameters without a gradient (see `Optimizer`).

    Raises:
        ValueError: for an invalid hyperparameter, naming it (`Adadelta: invalid rho value:
            1.5 (rho must be a number in [0, 1])`).

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0])
        >>> grads = (w.traced() * 2.0).sum().backward()
        >>> sd.optim.Adadelta(lr=1.0).update([w], grads)
        >>> round(w.item(), 4)
        0.9968
    """

    hyper = ("lr", "rho", "eps", "weight_decay")
    device_values = True

    def __init__(
        self,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        missing: Missing = "error",
    ) -> None:
        self.rho = rho
        self.eps = eps
        self.weight_decay = weight_decay
        super().__init__(lr, missing=missing)

    @property
    def slots(self) -> tuple[str, ...]:
        return ("square_avg", "acc_delta")

    def _validate(self) -> None:
        super()._validate()
        ok = isinstance(self.rho, int | float) and 0 <= self.rho <= 1
        check(ok, "rho value", self.rho, "rho must be a number in [0, 1]")
        check_nonnegative("epsilon value", self.eps, "eps")
        check_nonnegative("weight_decay value", self.weight_decay, "weight_decay")

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        state["step"] += 1
        if self.weight_decay != 0:
            g += xp.multiply(p, self.weight_decay, out=tmp)
        v, u = state["square_avg"], state["acc_delta"]
        v *= self.rho
        v += xp.multiply(xp.multiply(g, g, out=tmp), 1 - self.rho, out=tmp)
        std = xp.sqrt(xp.add(v, self.eps, out=tmp), out=tmp)
        g = xp.divide(g, std, out=g)  # NOTE: g is this step's own copy (see Optimizer)
        g *= xp.sqrt(xp.add(u, self.eps, out=tmp), out=tmp)
        u *= self.rho
        u += xp.multiply(xp.multiply(g, g, out=tmp), 1 - self.rho, out=tmp)
        p -= xp.multiply(g, per_step(state["lr"], p), out=tmp)
