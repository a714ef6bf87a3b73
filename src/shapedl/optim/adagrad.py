"""Adagrad (Duchi et al., 2011), with PyTorch's options."""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.optim.base import Missing, Optimizer, check_nonnegative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as `torch.optim.Adagrad` computes it.

    The update of parameter `p` with gradient `g` at step `t` (from 1; `s` starts at
    `initial_accumulator_value`)::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:  g = g + weight_decay * p
        s = s + g * g
        p = p - lr_t * g / (sqrt(s) + eps)

    Args:
        lr: the learning rate, >= 0.
        lr_decay: how fast the learning rate decays with the step count, >= 0.
        weight_decay: L2 penalty, >= 0.
        initial_accumulator_value: the starting value of the sum of squares, >= 0.
        eps: added to the denominator, >= 0.
        missing: `"error"` or `"warn"` for parameters without a gradient (see `Optimizer`).

    Raises:
        ValueError: for an invalid hyperparameter, naming it (`Adagrad: invalid lr_decay value:
            -1.0 (lr_decay must be a finite number >= 0)`).

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0])
        >>> grads = (w.traced() * 2.0).sum().backward()
        >>> sd.optim.Adagrad(lr=0.1).update([w], grads)
        >>> round(w.item(), 4)
        0.9
    """

    hyper = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    device_values = True

    def __init__(
        self,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        missing: Missing = "error",
    ) -> None:
        self.lr_decay = lr_decay
        self.weight_decay = weight_decay
        self.initial_accumulator_value = initial_accumulator_value
        self.eps = eps
        super().__init__(lr, missing=missing)

    @property
    def slots(self) -> tuple[str, ...]:
        return ("sum",)

    def _initial(self, xp: Any, slot: str, p: Array) -> Array:
        return xp.full_like(p, self.initial_accumulator_value)  # NOTE: as torch's state["sum"]

    def _validate(self) -> None:
        super()._validate()
        check_nonnegative("lr_decay value", self.lr_decay, "lr_decay")
        check_nonnegative("weight_decay value", self.weight_decay, "weight_decay")
        check_nonnegative(
            "initial_accumulator_value value",
            self.initial_accumulator_value,
            "initial_accumulator_value",
        )
        check_nonnegative("epsilon value", self.eps, "eps")

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        s = state["sum"]
        state["step"] += 1
        lr, counter = state["lr"], state.get("counter")
        if counter is None:
            lr = lr / (1 + (state["step"] - 1) * self.lr_decay)
        else:  # NOTE: t and the rate on the device (`sd.graphed`)
            lr = (lr / (1 + (counter - 1) * self.lr_decay)).astype(p.dtype)
        if self.weight_decay != 0:
            g += xp.multiply(p, self.weight_decay, out=tmp)
        s += xp.multiply(g, g, out=tmp)
        d = xp.sqrt(s, out=tmp)
        d += self.eps
        p -= xp.multiply(xp.divide(g, d, out=tmp), lr, out=tmp)
