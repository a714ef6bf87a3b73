"""Callbacks: code that runs at the start and end of every step and epoch of `fit`.

Every hook gets the `Run` (model, optimizer, history, epoch, step, `run.stop(reason)`);
the end-of-step and end-of-epoch hooks also get that step's or epoch's figures (`loss`,
the metrics, and at epoch end the `val_` figures).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from shapedl.checkpoint import load_state, save_state
from shapedl.device import Device, default_device
from shapedl.train.history import History
from shapedl.train.run import Model, Optimizer, Run, model_state

__all__ = [
    "Callback",
    "Checkpoint",
    "CosineDecay",
    "LambdaCallback",
    "LrSchedule",
    "Resumed",
    "StepDecay",
    "Warmup",
]

Figures = Mapping[str, float]


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


# ---- checkpoints ------------------------------------------------------------------------
_META = "fit.meta"


@dataclass
class Resumed:
    """What `Checkpoint.resume` restored besides the model and optimizer."""

    epoch: int
    global_step: int
    history: History
    base_lr: float


class Checkpoint(Callback):
    """Save model, optimizer and progress every `every` epochs, so training can resume.

    One file (safetensors, or `.npz` by suffix) written atomically through
    `sd.checkpoint.save_state`: a crash mid-save leaves the previous checkpoint whole. It
    holds the model's `state_dict()`, the optimizer's `state_dict()`, the epoch, the history,
    the base learning rate and the state of the device's random generator, so a resumed run
    shuffles and drops out exactly as the uninterrupted run would have.

    Resume with `fit(..., resume_from=path)` (which does nothing when the file does not exist
    yet, so one command line both starts and restarts training), or by hand with
    `Checkpoint(path).resume(model, optimizer)`.
    """

    def __init__(self, path: str | os.PathLike[str], every: int = 1) -> None:
        if every < 1:
            raise ValueError(f"invalid checkpoint interval: {every}")
        self.path, self.every = Path(path), every

    def on_epoch_end(self, run: Run, figures: Figures) -> None:
        if (run.epoch + 1) % self.every == 0 or run.epoch + 1 == run.epochs:
            self.save(run)

    def save(self, run: Run) -> None:
        """Write the checkpoint of `run` after its current epoch."""
        meta = {
            "epoch": run.epoch + 1,
            "global_step": run.global_step,
            "history": run.history.to_dict(),
            "base_lr": run.base_lr,
            "rng": _rng_state(run),
        }
        state: dict[str, Any] = {f"model.{k}": v for k, v in model_state(run.model).items()}
        state.update({f"optim.{k}": v for k, v in _optim_state(run.optimizer).items()})
        state[_META] = _encode(meta)
        save_state(state, self.path)

    def resume(
        self, model: Model, optimizer: Optimizer, device: Device | None = None
    ) -> Resumed | None:
        """Load the checkpoint into `model` and `optimizer`; None when there is none yet.

        Args:
            device: whose random generator to restore (the default device if None).
        """
        if not self.path.exists():
            return None
        state = load_state(self.path)
        meta = json.loads(bytes(state.pop(_META)).decode())
        saved_model = {k[6:]: v for k, v in state.items() if k.startswith("model.")}
        saved_optim = {k[6:]: v for k, v in state.items() if k.startswith("optim.")}
        _load(model, "load_state_dict", saved_model)
        _load(optimizer, "load_state_dict", saved_optim)
        optimizer.lr = float(meta["base_lr"])
        _set_rng_state(device, meta["rng"])
        return Resumed(
            meta["epoch"], meta["global_step"], History.from_dict(meta["history"]), meta["base_lr"]
        )


def _optim_state(optimizer: Optimizer) -> Mapping[str, Any]:
    state_dict: Any = getattr(optimizer, "state_dict", None)
    if state_dict is None:
        raise TypeError(f"{type(optimizer).__name__} has no state_dict(); it cannot be saved")
    found: Mapping[str, Any] = state_dict()
    return found


def _load(obj: Any, method: str, state: Mapping[str, Any]) -> None:
    load = getattr(obj, method, None)
    if not callable(load):
        raise TypeError(f"{type(obj).__name__} has no {method}(); it cannot be resumed")
    load(state)


def _encode(meta: Mapping[str, Any]) -> Any:
    import numpy  # NOTE: checkpoints hold host arrays; JSON rides along as bytes

    return numpy.frombuffer(json.dumps(meta).encode(), dtype=numpy.uint8)


def _rng_state(run: Run) -> Any:
    bits = getattr(run.device.rng, "bit_generator", None)
    return None if bits is None else bits.state


def _set_rng_state(device: Device | None, state: Any) -> None:
    bits = getattr((device or default_device()).rng, "bit_generator", None)
    if bits is not None and state is not None:
        bits.state = state


# ---- learning-rate schedules ------------------------------------------------------------
Per = Literal["step", "epoch"]


class LrSchedule(Callback):
    """Sets `optimizer.lr = run.base_lr * factor(t)` before each step, with `t` the global
    step (`per="step"`) or the epoch (`per="epoch"`), counted from 0.

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
        run.optimizer.lr = run.base_lr * self.factor(t)


class StepDecay(LrSchedule):
    """Multiply the learning rate by `gamma` every `every` epochs (or steps)."""

    def __init__(self, every: int, gamma: float = 0.1, per: Per = "epoch") -> None:
        super().__init__(per=per)
        self.every, self.gamma = every, gamma

    def factor(self, t: int) -> float:
        return float(self.gamma ** (t // self.every))


class CosineDecay(LrSchedule):
    """Cosine from the base rate down to `min_factor` times it over `total` steps (or
    epochs), then flat."""

    def __init__(self, total: int, min_factor: float = 0.0, per: Per = "step") -> None:
        super().__init__(per=per)
        self.total, self.min_factor = total, min_factor

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
        self.steps, self.then = steps, then

    def factor(self, t: int) -> float:
        if t < self.steps:
            return (t + 1) / self.steps
        return 1.0 if self.then is None else self.then.factor(t - self.steps)
