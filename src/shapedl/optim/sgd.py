"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import math
from typing import Any

from shapedl.backend import Array
from shapedl.optim.base import Missing, Optimizer, check, check_nonnegative, per_step

__all__ = ["Sgd"]


class Sgd(Optimizer):
    """Stochastic gradient descent, as `torch.optim.SGD` computes it.

    The update of parameter `p` with gradient `g`, step `t` (the buffer `b` starts as `g`)::

        if weight_decay != 0:  g = g + weight_decay * p
        if momentum != 0:
            b = g                                       if t == 1
            b = momentum * b + (1 - dampening) * g      otherwise
            g = g + momentum * b                        if nesterov
            g = b                                       otherwise
        p = p - lr * g

    Args:
        lr: the learning rate, >= 0.
        momentum: the momentum factor, >= 0.
        dampening: how much of each new gradient the momentum buffer leaves out.
        weight_decay: L2 penalty, >= 0.
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        missing: `"error"` or `"warn"` for parameters without a gradient (see `Optimizer`).

    Raises:
        ValueError: for an invalid hyperparameter, naming it (`Sgd: invalid learning rate:
            -1.0 (lr must be a finite number >= 0)`).

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0, 2.0])
        >>> grads = (w.traced() * w.traced()).sum().backward()
        >>> sd.optim.Sgd(lr=0.25).update({"w": w}, grads)
        >>> w.tolist()
        [0.5, 1.0]
    """

    hyper = ("lr", "momentum", "dampening", "weight_decay", "nesterov")
    device_values = True

    def __init__(
        self,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        missing: Missing = "error",
    ) -> None:
        self.momentum = momentum
        self.dampening = dampening
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        super().__init__(lr, missing=missing)

    @property
    def slots(self) -> tuple[str, ...]:
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def _validate(self) -> None:
        super()._validate()
        check_nonnegative("momentum", self.momentum, "momentum")
        check(
            isinstance(self.dampening, int | float) and math.isfinite(self.dampening),
            "dampening",
            self.dampening,
            "dampening must be a finite number",
        )
        check_nonnegative("weight_decay value", self.weight_decay, "weight_decay")
        check(
            not self.nesterov or (self.momentum > 0 and self.dampening == 0),
            "nesterov (it requires momentum > 0 and dampening 0)",
            self.nesterov,
        )

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        state["step"] += 1
        if self.weight_decay != 0:
            g += xp.multiply(p, self.weight_decay, out=tmp)
        if self.momentum != 0:
            buf = state["momentum_buffer"]
            if state["step"] == 1:
                buf[...] = g
            else:
                buf *= self.momentum
                buf += xp.multiply(g, 1 - self.dampening, out=tmp)
            if self.nesterov:
                g += xp.multiply(buf, self.momentum, out=tmp)
            else:
                g = buf
        p -= xp.multiply(g, per_step(state["lr"], p), out=tmp)
