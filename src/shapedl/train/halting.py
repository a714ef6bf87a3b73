"""Halting conditions: when `fit` stops before its last epoch (intricate's idea, done fully).

Every condition is checked after each epoch (a time budget after each step too). Give `fit`
one condition, a list (training stops when any holds), or combine them: `a | b` holds when
either does, `a & b` when both do. A plain callable `f(history) -> bool` is a condition too.

    halt_when=[AccuracyAbove(0.98), NoImprovement(patience=3), TimeBudget(60)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from shapedl.tensor import Tensor
from shapedl.train.history import History, Mode, check_mode, lower_is_better, watched_figure
from shapedl.train.run import Model, Run, model_state, restore, snapshot, warn_user

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

    def state_dict(self) -> dict[str, Any]:
        """Arrays a `Checkpoint` keeps for `resume` (what the history cannot tell again).

        NOTE: a checkpoint is written before the halting check of its epoch, so `start` and
        `resume` give the state before that check, and `fit` makes it again as it resumes.
        """
        return {}

    def resume(self, run: Run, state: Mapping[str, Any]) -> None:
        """Take back what `state_dict` gave, after `start` on a resumed run."""

    def describe(self) -> str:
        return type(self).__name__

    def __or__(self, other: Halt | Callable[[History], bool]) -> Halt:
        return AnyOf([self, other if isinstance(other, Halt) else When(other)])

    def __and__(self, other: Halt | Callable[[History], bool]) -> Halt:
        return AllOf([self, other if isinstance(other, Halt) else When(other)])

    def __repr__(self) -> str:
        return self.describe()


def _key(run: Run, figure: str | None, name: str) -> str:
    """The figure watched: `figure`, or by default the validation figure when there is one."""
    h = run.history
    key = figure or (f"val_{name}" if f"val_{name}" in h else name)
    if key not in h:
        raise KeyError(_not_recorded(key, sorted(h)))
    return key


def _check_figure(run: Run, figure: str | None, name: str) -> str:
    """As `_key` will look it up, but before the first step: a figure that training does
    not record is an error now, not after an epoch of training. The figure's name."""
    key = figure or (f"val_{name}" if run.records(f"val_{name}") else name)
    if not run.records(key):
        raise KeyError(_not_recorded(key, sorted(run.figures or [])))
    return key


def _not_recorded(key: str, recorded: list[str]) -> str:
    return (
        f"halting on {key!r}, but training records only {recorded}; "
        f"add the metric to fit(metrics=...) or name a recorded figure"
    )


class AccuracyAbove(Halt):
    """Stop once accuracy is at least `threshold` (intricate's `MinAccuracyReached`).

    Args:
        threshold: e.g. 0.98.
        figure: which figure to watch; by default `val_accuracy` when there is validation
            data, else `accuracy`.
        monitor: the same as `figure` (Keras's and `Checkpoint`'s word for it).
    """

    def __init__(
        self, threshold: float, figure: str | None = None, *, monitor: str | None = None
    ) -> None:
        self.threshold = threshold
        self.figure = watched_figure("AccuracyAbove", figure, monitor)
        self.watched: str | None = None

    def start(self, run: Run) -> None:
        _check_figure(run, self.figure, "accuracy")

    def check(self, run: Run) -> bool:
        self.watched = _key(run, self.figure, "accuracy")
        return run.history.last(self.watched) >= self.threshold

    def describe(self) -> str:
        # NOTE: the figure checked (`val_accuracy` with validation), not the default's name
        return f"{self.watched or self.figure or 'accuracy'} >= {self.threshold}"


class LossBelow(Halt):
    """Stop once the loss is at most `threshold` (intricate's `MinLossReached`: the loss
    has come down to that level).

    Args:
        threshold: e.g. 0.01.
        figure: by default `val_loss` when there is validation data, else `loss`.
        monitor: the same as `figure` (Keras's and `Checkpoint`'s word for it).
    """

    def __init__(
        self, threshold: float, figure: str | None = None, *, monitor: str | None = None
    ) -> None:
        self.threshold = threshold
        self.figure = watched_figure("LossBelow", figure, monitor)
        self.watched: str | None = None

    def start(self, run: Run) -> None:
        _check_figure(run, self.figure, "loss")

    def check(self, run: Run) -> bool:
        self.watched = _key(run, self.figure, "loss")
        return run.history.last(self.watched) <= self.threshold

    def describe(self) -> str:
        # NOTE: the figure checked (`val_loss` with validation), not the default's name
        return f"{self.watched or self.figure or 'loss'} <= {self.threshold}"


MinAccuracyReached = AccuracyAbove
MinLossReached = LossBelow


class NoImprovement(Halt):
    """Early stopping: stop when a figure has not improved for `patience` epochs.

    Args:
        patience: epochs without improvement to allow.
        figure: by default `val_loss` when there is validation data, else `loss`.
        min_delta: a smaller change is not an improvement.
        restore_best: on stopping, put back the weights of the best epoch.
        mode: whether `figure` improves downwards (`"min"`) or upwards (`"max"`); `"auto"`
            tells by its name (see `sd.train.history.lower_is_better`): losses, errors,
            `rmse`, `nll`, `perplexity`... downwards; `accuracy`, `f1`, `auc`, `iou`...
            upwards; a name it cannot place is a `ValueError` before the first step, asking
            for `"min"` or `"max"` (after the `KeyError` for a figure training does not
            record, so a typo is named as one).
        monitor: the same as `figure` (Keras's and `Checkpoint`'s word for it).

    A resumed run watches its restored history again, so it stops where the uninterrupted
    run would have; a `Checkpoint` keeps the best epoch's weights for it.
    """

    def __init__(
        self,
        patience: int,
        figure: str | None = None,
        min_delta: float = 0.0,
        restore_best: bool = True,
        mode: Mode = "auto",
        *,
        monitor: str | None = None,
    ) -> None:
        if patience < 1:
            raise ValueError(f"invalid patience: {patience}")
        check_mode(mode, "NoImprovement")
        figure = watched_figure("NoImprovement", figure, monitor)
        self.patience, self.figure, self.mode = patience, figure, mode
        self.min_delta, self.restore_best = min_delta, restore_best
        self.start_fresh()

    def start_fresh(self) -> None:
        self.best = math.nan
        self.best_epoch = -1
        self.waited = 0
        self.watched = self.figure or "loss"
        self.weights: dict[str, Any] | None = None
        self._model: Model | None = None

    def start(self, run: Run) -> None:
        """Reset, then watch a resumed run's history again but for its last epoch, which
        `fit` checks as it resumes: the best figure, its epoch and the wait are those the
        uninterrupted run had."""
        watched = _check_figure(run, self.figure, "loss")
        # NOTE: a name "auto" cannot place is an error now, not a guess that keeps the worst;
        # not at __init__, where a typo (`"val_los"`) could not yet be told from a new figure
        lower_is_better(watched, self.mode, who=f"NoImprovement(figure={watched!r})")
        self.start_fresh()
        self._model = run.model
        key = self._key(run)
        if key not in run.history:
            return
        for epoch, value in enumerate(run.history[key][:-1]):
            self._watch(key, value, epoch)

    def check(self, run: Run) -> bool:
        key = self._key(run)
        if self._watch(key, run.history.last(_key(run, key, key)), run.epoch):
            if self.restore_best:
                self.weights = snapshot(run.model)
            return False
        return self.waited >= self.patience

    def _key(self, run: Run) -> str:
        self.watched = self.figure or ("val_loss" if "val_loss" in run.history else "loss")
        return self.watched

    def _watch(self, key: str, value: float, epoch: int) -> bool:
        """Count one epoch's figure; whether it is the best so far."""
        if self._better(key, value):
            self.best, self.best_epoch, self.waited = value, epoch, 0
            return True
        self.waited += 1
        return False

    def state_dict(self) -> dict[str, Any]:
        """The best epoch's weights (as tensors), which a resumed run cannot train again."""
        if not self.restore_best or self.weights is None or self._model is None:
            return {}
        tensors = model_state(self._model)
        state: dict[str, Any] = {"best_epoch": self.best_epoch}
        for name, a in self.weights.items():
            state[f"weights.{name}"] = Tensor(a, tensors[name].device)
        return state

    def resume(self, run: Run, state: Mapping[str, Any]) -> None:
        """The best epoch's weights from a checkpoint, when they are those of the best epoch
        `start` found again and fit the model (else `halted` cannot restore them, and says
        so)."""
        if not self.restore_best or self.weights is not None or self.best_epoch < 0:
            return
        saved = {k[8:]: v for k, v in state.items() if k.startswith("weights.")}
        tensors = model_state(run.model)
        if int(state.get("best_epoch", -1)) != self.best_epoch or saved.keys() != tensors.keys():
            return
        if all(saved[n].shape == t.shape for n, t in tensors.items()):
            self.weights = {
                n: t.device.backend.asarray(saved[n], dtype=str(t.data.dtype)).copy()
                for n, t in tensors.items()
            }

    def _better(self, key: str, value: float) -> bool:
        if math.isnan(self.best):
            return not math.isnan(value)
        if lower_is_better(key, self.mode):
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def halted(self, run: Run) -> None:
        if self.restore_best and self.weights is not None:
            restore(run.model, self.weights)
            run.history.best_epoch = self.best_epoch
        elif self.restore_best and self.best_epoch >= 0:
            warn_user(
                f"early stopping could not restore the weights of the best epoch "
                f"({self.best_epoch + 1}): it came before a resume from a checkpoint that "
                "does not hold them; the latest weights are kept"
            )

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

    def state_dict(self) -> dict[str, Any]:
        return {f"{i}.{k}": v for i, p in enumerate(self.parts) for k, v in p.state_dict().items()}

    def resume(self, run: Run, state: Mapping[str, Any]) -> None:
        for i, p in enumerate(self.parts):
            prefix = f"{i}."
            p.resume(run, {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})

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
    if not isinstance(cond, Sequence) or isinstance(cond, str):
        raise TypeError(
            "fit: halt_when must be a condition of sd.train.halting, a callable f(history) -> "
            f"bool, or a list of them, got {type(cond).__name__}"
        )
    parts = [as_halt(c) for c in cond]
    return AnyOf([p for p in parts if p is not None])
