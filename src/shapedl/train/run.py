"""`Run`: what a training run is doing now, as callbacks and halting conditions see it."""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from typing import Any, Protocol

from shapedl.device import Device
from shapedl.errors import warn_user
from shapedl.tensor import Tensor
from shapedl.train.history import History
from shapedl.train.metrics import recorded_name

__all__ = [
    "Model",
    "NonFiniteWarning",
    "Optimizer",
    "Run",
    "warn_user",
    "buffers",
    "model_state",
    "restore",
    "snapshot",
]


class NonFiniteWarning(UserWarning):
    """Training met a NaN or an infinity: `fit` stopped, or a checkpoint was not written."""


# NOTE: by optimizer, (the base rate a schedule scaled, the rate it set last); weak, so a
# dropped optimizer is not kept alive by having been scheduled
_SCHEDULED: weakref.WeakKeyDictionary[Any, tuple[float, float]] = weakref.WeakKeyDictionary()


def scheduled(optimizer: Any, base: float, lr: float) -> None:
    """Note that a schedule set `optimizer`'s rate to `lr`, scaling `base`."""
    try:
        _SCHEDULED[optimizer] = (base, lr)
    except TypeError:  # NOTE: an optimizer no weak reference can reach is not remembered
        pass


def base_rate(optimizer: Any) -> float:
    """The rate a run's schedules scale: the optimizer's, unless a schedule set it last (the
    end of an earlier `fit`), then the one that schedule scaled; a rate the user set since
    is theirs."""
    lr = float(optimizer.lr)
    try:
        found = _SCHEDULED.get(optimizer)
    except TypeError:  # NOTE: not weakly referable: never remembered
        found = None
    return found[0] if found is not None and found[1] == lr else lr


class Model(Protocol):
    """What `fit` trains: a callable with its tensors by name (any `sd.nn.Module`)."""

    def __call__(self, x: Any, /) -> Any: ...

    def parameters(self) -> Mapping[str, Tensor[Any, Any, Any]]: ...


class Optimizer(Protocol):
    """What `fit` steps with: `update(model, grads)`, and a learning rate `lr` that schedules
    change with `set_lr` (any `sd.optim` optimizer)."""

    lr: float

    def update(self, params: Any, grads: Any, /) -> None: ...

    def set_lr(self, lr: float, /) -> None: ...


class Stateful(Protocol):
    """What a `Checkpoint` saves besides model and optimizer (the halting condition's state)."""

    def state_dict(self) -> Mapping[str, Any]: ...


class Run:
    """The state of one `fit` call, handed to every callback and halting condition.

    Attributes:
        model, optimizer, history: what `fit` was given, and the figures so far.
        epochs: how many epochs `fit` runs at most.
        epoch: the current epoch, counted from 0 (after a resume, the first one not done).
        step: the current step within the epoch, from 0.
        global_step: steps taken over the whole run (resumes included).
        steps_per_epoch: batches per epoch, when the data knows its length.
        device: the device of the data, whose seeded generator shuffles it.
        interrupted: whether Ctrl-C (KeyboardInterrupt) or SIGTERM ended the run.
        base_lr: the optimizer's learning rate when `fit` began (schedules scale it); where
            a schedule of an earlier `fit` left that rate, the rate it scaled (a second `fit`
            with a schedule starts from the configured rate, as a second PyTorch scheduler
            does from `initial_lr`).
        stop_reason: set by `stop()`: `fit` ends after the current step.
        halt: the halting condition, whose `state_dict()` a `Checkpoint` keeps (or None).
        figures: the figures every epoch records (`loss`, the metrics and their `val_`
            versions), as `fit` knows them before the first step (None in a `Run` made by
            hand: then `records` says yes to any name).
    """

    def __init__(
        self,
        model: Model,
        optimizer: Optimizer,
        epochs: int,
        steps_per_epoch: int | None,
        device: Device,
    ) -> None:
        self.model = model
        self.device = device
        self.optimizer = optimizer
        self.history = History()
        self.epochs = epochs
        self.epoch = 0
        self.step = 0
        self.global_step = 0
        self.steps_per_epoch = steps_per_epoch
        self.base_lr = base_rate(optimizer)
        self.stop_reason: str | None = None
        self.interrupted = False
        self.halt: Stateful | None = None
        self.figures: list[str] | None = None
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds since `fit` began (this call, not counting a resumed run's earlier time)."""
        return time.perf_counter() - self.started

    def records(self, name: str) -> bool:
        """Whether every epoch records the figure `name` (`"val_acc"` as `"val_accuracy"`),
        so a callback or a condition can refuse a figure before the first step."""
        figures = self.figures
        return figures is None or name in figures or recorded_name(name) in figures

    def stop(self, reason: str) -> None:
        """Ask `fit` to end after the current step; `reason` becomes `history.stopped_by`."""
        if self.stop_reason is None:
            self.stop_reason = reason


def snapshot(model: Model) -> dict[str, Any]:
    """Copies of the model's arrays (parameters and buffers), for `restore`."""
    tensors = model_state(model)
    return {name: t.data.copy() for name, t in tensors.items()}


def restore(model: Model, saved: Mapping[str, Any]) -> None:
    """Put back what `snapshot` took, in place (tensors keep their identity)."""
    for name, t in model_state(model).items():
        t.data = saved[name].copy()


def buffers(model: Model) -> dict[str, Tensor[Any, Any, Any]]:
    """The model's buffers: its tensors that are not trained (BatchNorm's running statistics
    and count), which a forward pass in training changes."""
    trained = {id(p) for p in model.parameters().values()}
    return {name: t for name, t in model_state(model).items() if id(t) not in trained}


def model_state(model: Model) -> Mapping[str, Tensor[Any, Any, Any]]:
    """Parameters and buffers (`state_dict()`), or the parameters of a model without one."""
    state_dict: Any = getattr(model, "state_dict", None)
    if state_dict is None:
        return model.parameters()
    found: Mapping[str, Tensor[Any, Any, Any]] = state_dict()
    return found
