"""Halting conditions: when `fit` stops before its last epoch (intricate's idea, done fully).

Every condition is checked after each epoch (a time budget after each step too). Give `fit`
one condition, a list (training stops when any holds), or combine them: `a | b` holds when
either does, `a & b` when both do. A plain callable `f(history) -> bool` is a condition too.

    halt_when=[AccuracyAbove(0.98), NoImprovement(patience=3), TimeBudget(60)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from shapedl.train.history import History, lower_is_better
from shapedl.train.run import Run, restore, snapshot

__all__ = [
    "AccuracyAbove",
    "AllOf",
    "AnyOf",
    "Halt",
    "LossBelow",
    "MinAccuracyReached",
    "MinLossReached",
    "NoImprovement",
    "TimeBudget",
    "When",
    "as_halt",
]


class Halt:
    """Base of the halting conditions: `check(run)` after each epoch, `check_step` after
    each step; `describe()` says why training stopped (it becomes `history.stopped_by`)."""

    def start(self, run: Run) -> None:
        """Reset for a new `fit`."""

    def check(self, run: Run) -> bool:
        return False

    def check_step(self, run: Run) -> bool:
        return False

    def halted(self, run: Run) -> None:
        """Called when this condition stopped training (early stopping restores weights)."""

    def describe(self) -> str:
        return type(self).__name__

    def __or__(self, other: Halt | Callable[[History], bool]) -> Halt:
        return AnyOf([self, other if isinstance(other, Halt) else When(other)])

    def __and__(self, other: Halt | Callable[[History], bool]) -> Halt:
        return AllOf([self, other if isinstance(other, Halt) else When(other)])

    def __repr__(self) -> str:
        return self.describe()


def _figure(run: Run, figure: str | None, name: str) -> float:
    """`figure` from the latest epoch, or by default the validation figure when there is one."""
    h = run.history
    key = figure or (f"val_{name}" if f"val_{name}" in h else name)
    if key not in h:
        raise KeyError(
            f"halting on {key!r}, but training records only {sorted(h)}; "
            f"add the metric to fit(metrics=...) or name a recorded figure"
        )
    return h.last(key)


class AccuracyAbove(Halt):
    """Stop once accuracy is at least `threshold` (intricate's `MinAccuracyReached`).

    Args:
        threshold: e.g. 0.98.
        figure: which figure to watch; by default `val_accuracy` when there is validation
            data, else `accuracy`.
    """

    def __init__(self, threshold: float, figure: str | None = None) -> None:
        self.threshold, self.figure = threshold, figure

    def check(self, run: Run) -> bool:
        return _figure(run, self.figure, "accuracy") >= self.threshold

    def describe(self) -> str:
        return f"{self.figure or 'accuracy'} >= {self.threshold}"


class LossBelow(Halt):
    """Stop once the loss is at most `threshold` (intricate's `MinLossReached`: the loss
    has come down to that level).

    Args:
        threshold: e.g. 0.01.
        figure: by default `val_loss` when there is validation data, else `loss`.
    """

    def __init__(self, threshold: float, figure: str | None = None) -> None:
        self.threshold, self.figure = threshold, figure

    def check(self, run: Run) -> bool:
        return _figure(run, self.figure, "loss") <= self.threshold

    def describe(self) -> str:
        return f"{self.figure or 'loss'} <= {self.threshold}"


MinAccuracyReached = AccuracyAbove
MinLossReached = LossBelow


class NoImprovement(Halt):
    """Early stopping: stop when a figure has not improved for `patience` epochs.

    Args:
        patience: epochs without improvement to allow.
        figure: by default `val_loss` when there is validation data, else `loss`. Losses and
            errors improve downwards, other figures (accuracy) upwards.
        min_delta: a smaller change is not an improvement.
        restore_best: on stopping, put back the weights of the best epoch.
    """

    def __init__(
        self,
        patience: int,
        figure: str | None = None,
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        if patience < 1:
            raise ValueError(f"invalid patience: {patience}")
        self.patience, self.figure = patience, figure
        self.min_delta, self.restore_best = min_delta, restore_best
        self.start_fresh()

    def start_fresh(self) -> None:
        self.best = math.nan
        self.best_epoch = -1
        self.waited = 0
        self.watched = self.figure or "loss"
        self.weights: dict[str, Any] | None = None

    def start(self, run: Run) -> None:
        self.start_fresh()

    def check(self, run: Run) -> bool:
        key = self.figure or ("val_loss" if "val_loss" in run.history else "loss")
        self.watched = key
        value = _figure(run, key, key)
        if self._better(key, value):
            self.best, self.best_epoch, self.waited = value, run.epoch, 0
            if self.restore_best:
                self.weights = snapshot(run.model)
            return False
        self.waited += 1
        return self.waited >= self.patience

    def _better(self, key: str, value: float) -> bool:
        if math.isnan(self.best):
            return not math.isnan(value)
        if lower_is_better(key):
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def halted(self, run: Run) -> None:
        if self.restore_best and self.weights is not None:
            restore(run.model, self.weights)
            run.history.best_epoch = self.best_epoch

    def describe(self) -> str:
        return f"no improvement in {self.watched} for {self.patience} epochs"


class TimeBudget(Halt):
    """Stop once `seconds` of training have passed (checked after every step)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def check(self, run: Run) -> bool:
        return run.elapsed >= self.seconds

    def check_step(self, run: Run) -> bool:
        return self.check(run)

    def describe(self) -> str:
        return f"time budget of {self.seconds:g} s"


class When(Halt):
    """Any callable `fn(history) -> bool` as a condition, checked after each epoch."""

    def __init__(self, fn: Callable[[History], bool], description: str | None = None) -> None:
        self.fn = fn
        self.description = description or str(getattr(fn, "__name__", "custom condition"))

    def check(self, run: Run) -> bool:
        return bool(self.fn(run.history))

    def describe(self) -> str:
        return self.description


class _Combined(Halt):
    def __init__(self, parts: Sequence[Halt]) -> None:
        self.parts = list(parts)
        self.held: list[Halt] = []

    def start(self, run: Run) -> None:
        for p in self.parts:
            p.start(run)

    def _held(self, test: Callable[[Halt], bool]) -> list[Halt]:
        # NOTE: every part is checked, so each one's own state (early stopping's best) is kept
        self.held = [p for p in self.parts if test(p)]
        return self.held

    def halted(self, run: Run) -> None:
        for p in self.held:
            p.halted(run)


class AnyOf(_Combined):
    """Holds when any part holds (what a list given to `fit` means)."""

    def check(self, run: Run) -> bool:
        return bool(self._held(lambda p: p.check(run)))

    def check_step(self, run: Run) -> bool:
        return bool(self._held(lambda p: p.check_step(run)))

    def describe(self) -> str:
        held = self.held or self.parts
        return " or ".join(p.describe() for p in held)


class AllOf(_Combined):
    """Holds when every part holds."""

    def check(self, run: Run) -> bool:
        return len(self._held(lambda p: p.check(run))) == len(self.parts)

    def check_step(self, run: Run) -> bool:
        return len(self._held(lambda p: p.check_step(run))) == len(self.parts)

    def describe(self) -> str:
        return " and ".join(p.describe() for p in self.parts)


def as_halt(
    cond: Halt | Callable[[History], bool] | Sequence[Halt | Callable[[History], bool]] | None,
) -> Halt | None:
    """One `Halt` from what `fit(halt_when=...)` takes: a condition, a callable or a list."""
    if cond is None or isinstance(cond, Halt):
        return cond
    if callable(cond):
        return When(cond)
    parts = [as_halt(c) for c in cond]
    return AnyOf([p for p in parts if p is not None])
