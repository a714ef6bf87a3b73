"""`Checkpoint`: save a training run every few epochs, keep the last few and the best, and
resume from one, so that training never loses good work.

Three promises: a checkpoint is never written over a good one with non-finite weights; a
resume checks the whole file against the model and optimizer before it changes either (a
failed resume leaves both as they were); and every resume error is a `CheckpointError` that
names the file and what is wrong with it.
"""

from __future__ import annotations

import glob
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shapedl.atomic_file import check_writable, remove_stale_temporaries, sync_folder
from shapedl.checkpoint import (
    CheckpointError,
    NonFiniteCheckpointError,
    check_state,
    listed,
    load_state,
    non_finite,
    save_state,
)
from shapedl.device import Device, default_device
from shapedl.optim.base import named_parameters
from shapedl.train.callbacks import Callback, Figures
from shapedl.train.history import History, Mode, lower_is_better, watched_figure
from shapedl.train.metrics import recorded_name
from shapedl.train.run import (
    Model,
    NonFiniteWarning,
    Optimizer,
    Run,
    model_state,
    restore,
    warn_user,
)
from shapedl.train.run import snapshot as model_snapshot

__all__ = ["Checkpoint", "NonFiniteCheckpointError", "Resumed"]

_META = "fit.meta"


@dataclass
class Resumed:
    """What `Checkpoint.resume` restored besides the model and optimizer."""

    epoch: int
    global_step: int
    history: History
    base_lr: float
    halt: dict[str, Any] = field(default_factory=dict)
    optimizer: str | None = None  # NOTE: the algorithm that wrote it; None in older files


class Checkpoint(Callback):
    """Save model, optimizer and progress every `every` epochs, so training can resume.

    One file (safetensors, or `.npz` by suffix) written atomically through
    `sd.checkpoint.save_state`: a crash mid-save leaves the previous checkpoint whole. It
    holds the model's `state_dict()`, the optimizer's `state_dict()`, the epoch, the history,
    the base learning rate, the state of the random generators (of the batches' device, and
    of the model's when it is another) and what the halting
    condition needs (early stopping's best weights), so a resumed run shuffles, drops out and
    stops exactly as the uninterrupted run would have.

    A checkpoint whose weights (or optimizer state) are not all finite is never written:
    the previous file stays, a `NonFiniteWarning` says why, and `fit` stops.

    Before the first step, `fit` checks that the folder of `path` exists and takes new files
    (an error then, not after an epoch of training).

    Resume with `fit(..., resume_from=path)` (which does nothing when the file does not exist
    yet, so one command line both starts and restarts training), or by hand with
    `Checkpoint(path).resume(model, optimizer)`.

    Args:
        path: the checkpoint; always the latest one (what `resume_from` reads).
        every: save after every `every`-th epoch, and after the last: the run's last epoch,
            or the one after which training stops early (a halting condition, Ctrl-C or
            SIGTERM in its last step, `run.stop()`).
        keep: how many of the latest checkpoints stay on disk: with `keep > 1`, each save is
            also kept as `<stem>.epoch<N><suffix>` (hard-linked to `path`, so no extra
            space), and the older ones beyond `keep` are removed (one that cannot be removed
            stays, with a warning: it loses nothing, so training goes on).
        monitor: a figure (`"val_loss"`, `"val_accuracy"`): whenever it is the best so far,
            the checkpoint is also saved as `<stem>.best<suffix>`. One that training does
            not record (a typo, a `val_` figure without validation) is a `KeyError` before
            the first step.
        mode: whether `monitor` is best when lowest (`"min"`) or highest (`"max"`);
            `"auto"` tells by its name (see `sd.train.history.lower_is_better`): losses,
            errors, `rmse`, `nll`, `perplexity`... lowest; `accuracy`, `f1`, `auc`, `iou`...
            highest; a name it cannot place is a `ValueError` before the first step, asking
            for `"min"` or `"max"` (after the `KeyError` for a figure training does not
            record, so a typo is named as one).
        figure: the same as `monitor` (the halting conditions' word for it).

    Example:
        >>> Checkpoint("run.safetensors", keep=3, monitor="val_loss").best_path.name
        'run.best.safetensors'
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        every: int = 1,
        *,
        keep: int = 1,
        monitor: str | None = None,
        mode: Mode = "auto",
        figure: str | None = None,
    ) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"invalid checkpoint interval: every={every!r} (expected >= 1)")
        if not isinstance(keep, int) or keep < 1:
            raise ValueError(f"invalid keep={keep!r}: how many checkpoints to keep, >= 1")
        if mode not in ("min", "max", "auto"):
            raise ValueError(f'invalid mode={mode!r} (expected "min", "max" or "auto")')
        self.path, self.every, self.keep = Path(path), every, keep
        self.monitor, self.mode = watched_figure("Checkpoint", figure, monitor), mode
        self.best: float | None = None
        self.saved: int | None = None  # NOTE: the epoch (from 1) the latest save holds
        self.refused: int | None = None  # NOTE: the epoch whose weights were not finite

    @property
    def best_path(self) -> Path:
        """Where the best checkpoint by `monitor` goes: `<stem>.best<suffix>`."""
        return self._sibling("best")

    def epoch_path(self, epoch: int) -> Path:
        """Where `keep > 1` keeps the checkpoint saved after `epoch` epochs."""
        return self._sibling(f"epoch{epoch}")

    def _sibling(self, tag: str) -> Path:
        return self.path.with_name(f"{self.path.stem}.{tag}{self.path.suffix}")

    # ---- saving -----------------------------------------------------------------------
    def on_train_begin(self, run: Run) -> None:
        # NOTE: a folder that cannot take the file is an error now, not after an epoch
        check_writable(self.path)
        if self.monitor is not None and not run.records(self.monitor):
            raise KeyError(self._not_recorded(run.figures or []))
        if self.monitor is not None:
            # NOTE: a name "auto" cannot place is an error now, not a guess that keeps the
            # worst; not at __init__, where a typo could not yet be told from a new figure
            lower_is_better(self.monitor, self.mode, who=f"Checkpoint(monitor={self.monitor!r})")
        stem, suffix = re.escape(self.path.stem), re.escape(self.path.suffix)
        remove_stale_temporaries(self.path, rf"{stem}(?:\.best|\.epoch\d+)?{suffix}")
        # NOTE: a resumed run's best is in its history
        self.best, self.saved, self.refused = None, None, None
        if self.monitor is not None and self.monitor in run.history:
            finite = [v for v in run.history[self.monitor] if math.isfinite(v)]
            self.best = (min if self._lower() else max)(finite) if finite else None

    def on_epoch_end(self, run: Run, figures: Figures) -> None:
        # NOTE: an epoch training stops after (a stop in its last step) is the last one too
        last = run.epoch + 1 == run.epochs or run.stop_reason is not None
        due = (run.epoch + 1) % self.every == 0 or last
        better = self._improved(figures)
        try:
            if due:
                self.save(run)
            if better:
                self._save_best(run, written=due)
                self.best = figures[self._key(figures)]
        except NonFiniteCheckpointError as err:
            self._refused(run, err)

    def save_last(self, run: Run) -> None:
        """Save the epoch training ends with (a halting condition held after it), unless it
        is saved already (or was refused as not finite): `every` promises the last epoch too."""
        if run.epoch + 1 in (self.saved, self.refused):
            return
        try:
            self.save(run)
        except NonFiniteCheckpointError as err:
            self._refused(run, err)

    def _refused(self, run: Run, err: NonFiniteCheckpointError) -> None:
        self.refused = run.epoch + 1
        reason = f"{err}; the last good checkpoint is kept"
        warn_user(reason, NonFiniteWarning)
        run.stop(reason)

    def save(self, run: Run) -> None:
        """Write the checkpoint of `run` after its current epoch (and the `keep` copies).

        Raises:
            NonFiniteCheckpointError: when a weight or optimizer state is not finite (nothing
                is written then).
        """
        state = self._checked_state(run, self.path)
        # NOTE: the latest first, so that a crash before its numbered copy still resumes from it
        save_state(state, self.path)
        self.saved = run.epoch + 1
        if self.keep > 1:
            _link_or_save(self.path, self.epoch_path(run.epoch + 1), state)
            self._prune(run.epoch + 1)

    def _save_best(self, run: Run, written: bool) -> None:
        if written:
            _link_or_save(self.path, self.best_path, None)
        else:
            save_state(self._checked_state(run, self.best_path), self.best_path)

    def _checked_state(self, run: Run, target: Path) -> dict[str, Any]:
        state = self._state(run)
        bad = non_finite(state)
        if bad:
            raise NonFiniteCheckpointError(
                f"checkpoint {str(target)!r} not written after epoch {run.epoch + 1}: "
                f"non-finite values in {listed(bad)}"
            )
        return state

    def _prune(self, epoch: int) -> None:
        kept = [(n, p) for n, p in self._numbered() if n <= epoch]
        for _, p in sorted(kept)[: -self.keep]:
            try:
                p.unlink(missing_ok=True)
            except OSError as err:  # NOTE: an old copy left over loses nothing; ending fit does
                text = f"could not remove the old checkpoint {str(p)!r} ({err}); it stays on disk"
                warn_user(text)

    def _numbered(self) -> list[tuple[int, Path]]:
        """The `<stem>.epoch<N><suffix>` files on disk, with their N."""
        stem, suffix = f"{self.path.stem}.epoch", self.path.suffix
        found = []
        # NOTE: escaped: `[`, `?` or `*` in the name would match no copy, or another run's
        for p in self.path.parent.glob(f"{glob.escape(stem)}*{glob.escape(suffix)}"):
            number = p.name[len(stem) : len(p.name) - len(suffix)]
            if number.isdigit():
                found.append((int(number), p))
        return found

    def _others(self) -> str:
        """The other checkpoints on disk, newest first, for an error about this one."""
        kept = [p for _, p in sorted(self._numbered(), reverse=True)]
        kept += [self.best_path] if self.best_path.exists() else []
        # NOTE: a hard link to the damaged file (the latest copy, often the best) is as damaged
        kept = [p for p in kept if not _same_file(p, self.path)]
        if not kept:
            return ""
        return "; these checkpoints beside it may be whole (resume from one): " + ", ".join(
            str(p) for p in kept
        )

    def _state(self, run: Run) -> dict[str, Any]:
        meta = {
            "epoch": run.epoch + 1,
            "global_step": run.global_step,
            "history": run.history.to_dict(),
            "base_lr": run.base_lr,
            "optimizer": _algorithm(run.optimizer),
        }
        # NOTE: the batches' generator (shuffling, dropout on them) and the model's, when the
        # model lives on a device of its own (`sd.Cpu(seed=42)`): both draw in training
        meta.update({k: _rng_state(d) for k, d in _generators(run.model, run.device).items()})
        state: dict[str, Any] = {f"model.{k}": v for k, v in model_state(run.model).items()}
        state.update({f"optim.{k}": v for k, v in _optim_state(run.optimizer).items()})
        if run.halt is not None:
            state.update({f"halt.{k}": v for k, v in run.halt.state_dict().items()})
        state[_META] = _encode(meta)
        return state

    def _lower(self) -> bool:
        return lower_is_better(self.monitor or "", self.mode)

    def _key(self, figures: Figures) -> str:
        """The monitored figure's name in `figures` (`"val_acc"` is `"val_accuracy"`)."""
        monitor = self.monitor or ""
        return monitor if monitor in figures else recorded_name(monitor)

    def _not_recorded(self, figures: Figures | list[str]) -> str:
        return (
            f"Checkpoint monitors {self.monitor!r}, but training records only "
            f"{sorted(figures)}; add validation= or the metric to fit, or monitor a "
            "recorded figure"
        )

    def _improved(self, figures: Figures) -> bool:
        if self.monitor is None:
            return False
        key = self._key(figures)
        if key not in figures:
            raise KeyError(self._not_recorded(figures))
        value = figures[key]
        if not math.isfinite(value):
            return False
        return self.best is None or (value < self.best if self._lower() else value > self.best)

    # ---- resuming -----------------------------------------------------------------------
    def resume(
        self, model: Model, optimizer: Optimizer, device: Device | None = None
    ) -> Resumed | None:
        """Load the checkpoint into `model` and `optimizer`; None when there is none yet.

        Everything is checked before anything changes: on an error, model, optimizer and
        random generator are as they were.

        Args:
            device: the batches' device, whose random generator to restore (the default
                device if None); the model's device's is restored too, when it is another.

        Raises:
            CheckpointError: naming the file, when it is not a `Checkpoint` of `fit`, is
                corrupt (then naming the checkpoints `keep` and `monitor` left beside it, to
                resume from by hand), or does not match the model or the optimizer.
        """
        if not self.path.exists():
            return None
        where = str(self.path)
        if self.path.is_dir():
            raise CheckpointError(f"cannot resume from {where!r}: it is a folder, not a checkpoint")
        try:
            state = load_state(self.path)
        except CheckpointError as err:  # NOTE: the file itself is damaged, not the wrong one
            raise CheckpointError(f"{err}{self._others()}") from None
        try:
            resumed, rngs = _meta(state)
            saved_model = {k[6:]: v for k, v in state.items() if k.startswith("model.")}
            saved_optim = {k[6:]: v for k, v in state.items() if k.startswith("optim.")}
            _check_model(model, saved_model, where)
            _check_optimizer(optimizer, saved_optim, model, resumed.optimizer)
            generators = _generators(model, device or default_device())
            bits = [(_check_rng(d, rngs.get(k)), rngs.get(k)) for k, d in generators.items()]
        except CheckpointError as err:
            text = str(err)
            raise CheckpointError(
                text if where in text else f"cannot resume from {where!r}: {text}"
            ) from None
        _apply(model, optimizer, saved_model, saved_optim)
        for generator, rng in bits:
            if generator is not None:
                generator.state = rng
        resumed.halt = {k[5:]: v for k, v in state.items() if k.startswith("halt.")}
        return resumed


# ---- the parts of a resume ----------------------------------------------------------------
def _meta(state: Mapping[str, Any]) -> tuple[Resumed, dict[str, Any]]:
    if _META not in state:
        raise CheckpointError(
            f"it has no {_META!r} entry, so it is not a Checkpoint written by fit (a file from "
            "model.save()?); load weights with model.load(path) and call fit without resume_from"
        )
    try:
        meta = json.loads(bytes(np.asarray(state[_META], dtype=np.uint8)).decode())
        history = History.from_dict(meta["history"])
        resumed = Resumed(
            _count(meta["epoch"]), _count(meta["global_step"]), history, float(meta["base_lr"])
        )
        resumed.optimizer = meta.get("optimizer")
        return resumed, {k: meta[k] for k in ("rng", "model_rng") if k in meta}
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as err:
        problem = f"missing {err}" if isinstance(err, KeyError) else str(err)
        raise CheckpointError(f"its {_META!r} entry is malformed ({problem})") from None


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _check_model(model: Model, saved: Mapping[str, Any], where: str) -> None:
    if not callable(getattr(model, "load_state_dict", None)):
        raise TypeError(f"{type(model).__name__} has no load_state_dict(); it cannot be resumed")
    expected = {name: (t.shape, str(t.data.dtype)) for name, t in model_state(model).items()}
    check_state(expected, saved, what=repr(where))


def _check_optimizer(
    optimizer: Optimizer, saved: Mapping[str, Any], model: Model, saved_by: str | None
) -> None:
    if not callable(getattr(optimizer, "load_state_dict", None)):
        raise TypeError(
            f"{type(optimizer).__name__} has no load_state_dict(); it cannot be resumed"
        )
    # NOTE: Adam and AdamW keep the same state, so only the name tells one from the other
    if saved_by is not None and saved_by != _algorithm(optimizer):
        raise CheckpointError(
            f"it holds {saved_by}'s optimizer state, but this run's optimizer is "
            f"{_algorithm(optimizer)}: resume with {saved_by}"
        )
    check = getattr(optimizer, "check_state_dict", None)
    if callable(check):
        check(saved, named_parameters(model))


def _check_rng(device: Device, state: Any) -> Any:
    """The generator whose state `state` will become, after trying it on a copy."""
    bits = getattr(device.rng, "bit_generator", None)
    if bits is None or state is None:
        return None
    try:
        type(bits)().state = state
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"its random generator state is malformed ({err})") from None
    return bits


def _apply(model: Any, optimizer: Any, saved_model: Any, saved_optim: Any) -> None:
    """Load both, putting both back if anything goes wrong after the checks passed."""
    weights = model_snapshot(model)
    before = optimizer.state_dict() if callable(getattr(optimizer, "state_dict", None)) else None
    try:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optim)
    except BaseException:
        restore(model, weights)
        if before is not None:
            optimizer.load_state_dict(before)
        raise


# ---- helpers ------------------------------------------------------------------------------
def _link_or_save(source: Path, target: Path, state: Mapping[str, Any] | None) -> None:
    """Make `target` the same file as `source`, atomically: a hard link, else a copy."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}-link.tmp")
    remove_stale_temporaries(target)  # NOTE: a killed process's links, which no save removes
    try:
        tmp.unlink(missing_ok=True)
        os.link(source, tmp)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        save_state(load_state(source) if state is None else state, target)
        return
    sync_folder(target.parent)  # NOTE: as save_state does: the rename survives a crash


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # NOTE: one is gone: not the same file
        return False


def _optim_state(optimizer: Optimizer) -> Mapping[str, Any]:
    state_dict: Any = getattr(optimizer, "state_dict", None)
    if state_dict is None:
        raise TypeError(f"{type(optimizer).__name__} has no state_dict(); it cannot be saved")
    found: Mapping[str, Any] = state_dict()
    return found


def _encode(meta: Mapping[str, Any]) -> Any:
    # NOTE: checkpoints hold host arrays; JSON rides along as bytes
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def _algorithm(optimizer: Optimizer) -> str:
    """The optimizer's algorithm: its shapedl class (a subclass that only logs is the same)."""
    for cls in type(optimizer).__mro__:
        if cls.__module__.startswith("shapedl.optim."):
            return cls.__name__
    return type(optimizer).__name__


def _rng_state(device: Device) -> Any:
    bits = getattr(device.rng, "bit_generator", None)
    return None if bits is None else bits.state


def _generators(model: Model, device: Device) -> dict[str, Device]:
    """The devices whose random generators a checkpoint keeps, by their entry in its meta:
    `rng`, the batches' device; `model_rng`, the model's, when it is another one (a device
    is one generator: `sd.Cpu(seed=42)` is not the default device, though equal to it)."""
    found = {"rng": device}
    own = next((t.device for t in model.parameters().values()), device)
    if own is not device:
        found["model_rng"] = own
    return found
