"""Callbacks: code that runs at the start and end of every step and epoch of `fit`.

Every hook gets the `Run` (model, optimizer, history, epoch, step, `run.stop(reason)`);
the end-of-step and end-of-epoch hooks also get that step's or epoch's figures (`loss`,
the metrics, and at epoch end the `val_` figures). `Checkpoint` lives in `train.checkpoints`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Literal

from shapedl.train.run import Run, scheduled

__all__ = [
    "Callback",
    "CosineDecay",
    "LambdaCallback",
    "LrSchedule",
    "StepDecay",
    "Warmup",
]

# NOTE: a dict, as `fit` passes: a callback written Keras's way (`logs: dict[str, float]`)
# overrides the hooks soundly, and one written with `Mapping` still does
Figures = dict[str, float]


class Callback:
    """Base of callbacks: override the hooks you need (each does nothing here)."""

    def on_train_begin(self, run: Run) -> None: ...

    def on_epoch_begin(self, run: Run) -> None: ...

    def on_step_begin(self, run: Run) -> None: ...

    def on_step_end(self, run: Run, figures: Figures) -> None: ...

    def on_epoch_end(self, run: Run, figures: Figures) -> None: ...

    def on_train_end(self, run: Run) -> None: ...


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. `LambdaCallback(on_epoch_end=lambda r, f: ...)`."""

    def __init__(
        self,
        on_step_end: Callable[[Run, Figures], None] | None = None,
        on_epoch_end: Callable[[Run, Figures], None] | None = None,
    ) -> None:
        self._step, self._epoch = on_step_end, on_epoch_end

    def on_step_end(self, run: Run, figures: Figures) -> None:
        if self._step:
            self._step(run, figures)

    def on_epoch_end(self, run: Run, figures: Figures) -> None:
        if self._epoch:
            self._epoch(run, figures)


# ---- learning-rate schedules ------------------------------------------------------------
Per = Literal["step", "epoch"]


class LrSchedule(Callback):
    """Sets the learning rate to `run.base_lr * factor(t)` with `optimizer.set_lr` before
    each step, with `t` the global step (`per="step"`) or the epoch (`per="epoch"`), counted
    from 0.

    A later `fit` with the same optimizer and a schedule starts again from the rate this one
    scaled, not from where it left the rate (as a second PyTorch `LambdaLR` starts from
    `initial_lr`), unless the rate was set by hand in between.

    Subclass it and write `factor`, or pass any `factor(t) -> float`.
    """

    def __init__(self, factor: Callable[[int], float] | None = None, per: Per = "step") -> None:
        if per not in ("step", "epoch"):
            raise ValueError(f'invalid per: {per!r} (expected "step" or "epoch")')
        self._factor, self.per = factor, per

    def factor(self, t: int) -> float:
        if self._factor is None:
            raise NotImplementedError("pass factor=... or override factor()")
        return self._factor(t)

    def on_step_begin(self, run: Run) -> None:
        t = run.global_step if self.per == "step" else run.epoch
        factor = self.factor(t)
        # NOTE: any real number, a NumPy scalar from a table (`np.linspace`) too, as PyTorch's
        # `LambdaLR` takes it
        if not (isinstance(factor, numbers.Real) and math.isfinite(factor) and factor >= 0):
            raise ValueError(
                f"{type(self).__name__}: factor({t}) is {factor!r}; a schedule's factor must be "
                "a finite number >= 0 (the rate is the optimizer's times it)"
            )
        run.optimizer.set_lr(run.base_lr * float(factor))
        scheduled(run.optimizer, run.base_lr, float(run.optimizer.lr))


class StepDecay(LrSchedule):
    """Multiply the learning rate by `gamma` every `every` epochs (or steps)."""

    def __init__(self, every: int, gamma: float = 0.1, per: Per = "epoch") -> None:
        super().__init__(per=per)
        self.every = _whole("StepDecay", "every", every, 1, "the epochs (or steps) between decays")
        self.gamma = _rate("StepDecay", "gamma", gamma)

    def factor(self, t: int) -> float:
        return float(self.gamma ** (t // self.every))


class CosineDecay(LrSchedule):
    """Cosine from the base rate down to `min_factor` times it over `total` steps (or
    epochs), then flat."""

    def __init__(self, total: int, min_factor: float = 0.0, per: Per = "step") -> None:
        super().__init__(per=per)
        self.total = _whole(
            "CosineDecay", "total", total, 1, "the steps (or epochs) to decay over",
            " (a total computed as epochs * (len(x) // batch_size) is 0 when there are fewer "
            "rows than a batch)",
        )  # fmt: skip
        self.min_factor = _rate("CosineDecay", "min_factor", min_factor)

    def factor(self, t: int) -> float:
        progress = min(t, self.total) / self.total
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * progress))


class Warmup(LrSchedule):
    """Rise linearly over `steps` (from 1/steps of the rate), then follow `then` (shifted to
    start at 0 where the warm-up ends), or stay at the base rate."""

    def __init__(self, steps: int, then: LrSchedule | None = None, per: Per = "step") -> None:
        super().__init__(per=per)
        if then is not None and then.per != per:
            raise ValueError("Warmup and the schedule after it must count the same unit (per=)")
        self.steps = _whole("Warmup", "steps", steps, 0, "the steps (or epochs) to rise over")
        self.then = then

    def factor(self, t: int) -> float:
        if t < self.steps:
            return (t + 1) / self.steps
        return 1.0 if self.then is None else self.then.factor(t - self.steps)


def _whole(schedule: str, arg: str, value: object, least: int, what: str, hint: str = "") -> int:
    """`value` as an int, or a `ValueError` naming the schedule and the argument (with `hint`
    for a 0): checked when the schedule is made, not a ZeroDivisionError at the first step."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= least:
        return int(value)
    text = f"{schedule}: {arg} must be a whole number >= {least}, {what}; got {value!r}"
    raise ValueError(text + (hint if value == 0 else ""))


def _rate(schedule: str, arg: str, value: object) -> float:
    """`value` as a float (a NumPy scalar too), or a `ValueError` naming the schedule and the
    argument unless it is a finite number >= 0."""
    if isinstance(value, numbers.Real) and math.isfinite(value) and float(value) >= 0:
        return float(value)
    raise ValueError(f"{schedule}: {arg} must be a finite number >= 0, got {value!r}")
