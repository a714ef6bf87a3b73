"""`fit`: train a model in one call (Keras/intricate style), and `evaluate` it.

One step is the explicit loop you would write yourself, dfdx style:

    out = model(x.traced())           # training behaviour: the input is traced
    grads = loss(out, y).backward()
    optimizer.update(model, grads)

`fit` adds batching, metrics, validation, halting conditions, callbacks, checkpoints with
resume, a progress display, and Ctrl-C or SIGTERM that stops cleanly after the current step.
It never loses good work: a non-finite loss stops it before its update, the update itself is
never cut in half by Ctrl-C, and bad data is refused before the first update.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

from shapedl.checkpoint import non_finite
from shapedl.device import Device
from shapedl.train import inputs
from shapedl.train.callbacks import Callback
from shapedl.train.checkpoints import Checkpoint, Resumed
from shapedl.train.halting import Halt, as_halt
from shapedl.train.history import History
from shapedl.train.interrupts import Interrupts, signals_after_step
from shapedl.train.metrics import Metric, resolve
from shapedl.train.progress import Display
from shapedl.train.run import (
    Model,
    NonFiniteWarning,
    Optimizer,
    Run,
    buffers,
    model_state,
    warn_user,
)
from shapedl.train.step import Data, Loss, Step, Totals, evaluate

__all__ = ["evaluate", "fit"]

Batches = Iterable[tuple[Any, Any]]
HaltWhen = Halt | Callable[[History], bool] | Sequence[Halt | Callable[[History], bool]]
OnNonFinite = Literal["stop", "skip", "continue"]


def fit(
    model: Model,
    data: Data,
    *,
    loss: Loss,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int = 32,
    metrics: Sequence[Metric | str] = (),
    validation: Data | None = None,
    halt_when: HaltWhen | None = None,
    callbacks: Sequence[Callback] = (),
    shuffle: bool = True,
    drop_last: bool = False,
    progress: bool = True,
    resume_from: str | os.PathLike[str] | None = None,
    device: Device | None = None,
    on_nonfinite: OnNonFinite = "stop",
) -> History:
    """Train `model` on `data` for up to `epochs` epochs and return its `History`.

    Args:
        model: a callable with `parameters()` (any `sd.nn.Module`).
        data: a pair `(x, y)` of arrays or tensors (batched here, see `sd.data.Batches`),
            or a re-iterable of `(x, y)` batches (each pass is one epoch).
        loss: `loss(out, y)` giving a scalar, e.g. `sd.losses.cross_entropy_with_logits_loss`.
        optimizer: anything with `update(model, grads)`, `lr` and `set_lr(lr)` (any `sd.optim`
            optimizer).
        epochs: the most epochs to train (a resumed run counts the epochs it already did).
        batch_size: rows per batch when `data` is a pair.
        metrics: callables `metric(out, y) -> float` or names (`"accuracy"`, `"mae"`,
            `"top_5_accuracy"`); recorded for training and validation. With
            `binary_cross_entropy_with_logits_loss`, `"accuracy"` thresholds the logits at 0
            (`logits_accuracy`), not at 0.5.
        validation: held-out data, same forms as `data`, evaluated after every epoch
            (figures `val_loss`, `val_<metric>`).
        halt_when: a condition from `sd.train.halting`, a callable `f(history) -> bool`, or a
            list of them (training stops when any holds).
        callbacks: `Callback`s, e.g. `Checkpoint(path)` or a learning-rate schedule.
        shuffle: a new order every epoch, drawn from the device's seeded generator.
        drop_last: leave out each epoch's final partial batch.
        progress: a progress bar per epoch on a terminal, one line per epoch otherwise.
        resume_from: a `Checkpoint` file: when it exists, load model, optimizer, history and
            random state from it and continue after its last epoch. An optimizer whose `lr`
            differs from the rate the checkpointed run started with trains on at its own
            rate (times the factor a schedule had reached); with the same rate, the
            checkpoint's rate is restored and the run resumes exactly.
        device: where the batches go (default: that of `x`, else the default device).
        on_nonfinite: what a NaN or infinite loss does: `"stop"` (the default) leaves that
            batch's update out and stops, with the reason (epoch, batch, step) in
            `history.stopped_by` and a `NonFiniteWarning`; `"skip"` leaves the update out and
            goes on with the next batch (warning), but stops as `"stop"` does once the weights
            themselves are non-finite or every batch of an epoch was skipped (then that epoch
            gets no checkpoint); `"continue"` applies it anyway.

    NumPy float arrays are converted to the dtype of the model's parameters (so
    scikit-learn's float64 data trains an f32 model); tensors are used as they are.

    Returns:
        The `History`: figures per epoch, `stopped_by`, `interrupted`.

    Raises:
        ValueError: for empty data, `epochs` or `batch_size` below 1, ragged rows, or a label
            the loss does not accept, in `data` or `validation` (found before the first
            update, naming where it is).
        ShapeError: for validation that does not fit the model or the loss (its first batch
            is tried before the first update).
        TypeError: for data that is neither a pair nor batches, or a one-shot iterator (as
            `data` or `validation`, with more than one epoch).
        CheckpointError: when `resume_from` is not a checkpoint that fits the model and
            optimizer (both are then left as they were).

    Ctrl-C ends training after the current step: the model and optimizer are consistent
    (never half-updated) and the history so far comes back with `interrupted` set. SIGTERM
    (what SLURM and Kubernetes send before they kill) does the same, with `stopped_by`
    `"interrupted by SIGTERM"`; both handlers are put back when `fit` ends (in the main thread
    only: elsewhere signals cannot be caught). A second Ctrl-C (or SIGTERM) stops at once,
    except inside the parameter update and the end-of-epoch callbacks (where `Checkpoint`
    saves), which it lets finish first; an epoch whose validation it cuts short gets no
    checkpoint (its figures are not whole), so a resume trains it again.
    """
    inputs.check_count("epochs", epochs)
    inputs.check_count("batch_size", batch_size)
    if on_nonfinite not in ("stop", "skip", "continue"):
        raise ValueError(
            f'fit: invalid on_nonfinite={on_nonfinite!r} (expected "stop", "skip" or "continue")'
        )
    dev = device or inputs.device_of(data)
    cast = inputs.float_dtype(model)
    train = inputs.as_batches(data, "data", batch_size, shuffle, drop_last, dev, epochs, cast)
    inputs.check_one_row(model, train, "data")
    # NOTE: validation is read every epoch too, so a one-shot iterator is refused for it as well
    val = None
    if validation is not None:
        val = inputs.as_batches(
            validation, "validation", batch_size, False, False, dev, epochs, cast
        )
    named = resolve(metrics, loss)
    halt = as_halt(halt_when)
    run = Run(model, optimizer, epochs, inputs.length(train), dev)
    run.halt = halt
    run.figures = ["loss", *named]
    if val is not None:
        run.figures += [f"val_{name}" for name in run.figures]
    resumed = None if resume_from is None else _resume(run, Checkpoint(resume_from))
    display = Display(progress, epochs)
    labels = [("data", inputs.labels(data))]
    if validation is not None:
        labels.append(("validation", inputs.labels(validation)))
    step = Step(loss, named, cast, labels, inputs.cast_note(data, cast))
    if val is not None:
        _try_validation(run, step, val)
    if halt is not None:
        halt.start(run)
        if resumed is not None:
            halt.resume(run, resumed.halt)
            _check_again(run, halt)
    for cb in callbacks:
        cb.on_train_begin(run)
    try:
        _Loop(run, step, halt, list(callbacks), display, on_nonfinite).epochs(train, val)
    finally:
        display.close()
    run.history.stopped_by = run.stop_reason
    run.history.interrupted = run.interrupted
    for cb in callbacks:
        cb.on_train_end(run)
    return run.history


class _Loop:
    """The epochs and steps of one `fit` call.

    `run` alone holds the model, the optimizer and the progress (what callbacks see); `step`
    the forward pass; the loop only orders them, and turns Ctrl-C, a halting condition or a
    non-finite loss into a clean stop between steps.
    """

    def __init__(
        self,
        run: Run,
        step: Step,
        halt: Halt | None,
        callbacks: list[Callback],
        display: Display,
        on_nonfinite: OnNonFinite,
    ) -> None:
        self.run, self.step, self.halt = run, step, halt
        self.callbacks, self.display, self.on_nonfinite = callbacks, display, on_nonfinite
        self.interrupts = Interrupts()
        self.buffers = buffers(run.model)  # NOTE: found once; each step copies their arrays

    def epochs(self, train: Batches, val: Batches | None) -> None:
        with signals_after_step(self.interrupts):
            for epoch in range(self.run.epoch, self.run.epochs):
                if self.run.stop_reason is not None or not self._epoch(epoch, train, val):
                    return

    def _epoch(self, epoch: int, train: Batches, val: Batches | None) -> bool:
        """One epoch, its validation and its callbacks; False when training ends with it."""
        run, interrupts = self.run, self.interrupts
        run.epoch, run.step = epoch, 0
        started = time.perf_counter()
        for cb in self.callbacks:
            cb.on_epoch_begin(run)
        self.display.epoch_begin(epoch, run.steps_per_epoch)
        totals = Totals()
        complete = self._steps(train, totals)
        figures = totals.means()
        if complete and val is not None:
            complete = self._validate(val, figures)
        seconds = time.perf_counter() - started
        run.history.append(figures, seconds)
        self.display.epoch_end(epoch, figures, seconds)
        if not complete:
            if interrupts.requested and not run.interrupted:
                self._interrupt()
            return False
        self._epoch_end(figures)
        # NOTE: a stop asked for while the epoch was validated or its callbacks ran (a SIGTERM,
        # `run.stop()` in a callback after the Checkpoint) ends training with a whole epoch
        if interrupts.requested and not run.interrupted:
            self._save_last()
            self._interrupt()
        elif run.stop_reason is not None:
            self._save_last()
        elif self.halt is not None and self.halt.check(run):
            self._save_last()  # NOTE: before early stopping puts back the best weights
            self._halt(self.halt)
        return run.stop_reason is None

    def _save_last(self) -> None:
        """The halted epoch is the last one: a `Checkpoint` whose `every` skipped it saves it
        now (a second Ctrl-C waits for the save to end)."""
        for cb in self.callbacks:
            if isinstance(cb, Checkpoint):
                with self.interrupts.caught(), self.interrupts.held():
                    cb.save_last(self.run)

    def _epoch_end(self, figures: dict[str, float]) -> None:
        """The end-of-epoch callbacks. The epoch's training is whole, so its checkpoint is
        still written: a second Ctrl-C waits for each callback (a save) to end, one callback's
        interrupt does not keep the next (the Checkpoint) from running, and after one
        callback's exception the `Checkpoint`s still save before it is raised."""
        failed: Exception | None = None
        for cb in self.callbacks:
            if failed is not None and not isinstance(cb, Checkpoint):
                continue
            try:
                with self.interrupts.caught(), self.interrupts.held():
                    cb.on_epoch_end(self.run, figures)
            except Exception as err:
                if failed is None:
                    failed = err
                else:
                    failed.add_note(f"then the checkpoint failed too: {err!r}")
        if failed is not None:
            raise failed

    def _validate(self, val: Batches, figures: dict[str, float]) -> bool:
        """Add the validation figures; False when a second Ctrl-C cut them short. Then the
        epoch gets no checkpoint: its history would lack them, and a resumed run would differ.

        NOTE: a first Ctrl-C (in the epoch's last step) lets them run: the epoch is whole."""
        with self.interrupts.caught():
            checked = evaluate(self.run.model, val, **self.step.kw)
            if not checked:
                raise ValueError(
                    f"fit: validation gave no batches in epoch {self.run.epoch + 1} (is it "
                    "empty, or an iterator that was used up?)"
                )
            figures.update({f"val_{k}": v for k, v in checked.items()})
            bad = [f"val_{k} {v}" for k, v in checked.items() if not math.isfinite(v)]
            if bad:  # NOTE: no update depends on it, so training goes on, but not unsaid
                warn_user(
                    f"validation gave {', '.join(bad)} at epoch {self.run.epoch + 1}: look for "
                    "NaN or inf in the validation data, or in the weights",
                    NonFiniteWarning,
                )
            return True
        return False

    def _steps(self, train: Batches, totals: Totals) -> bool:
        """One epoch of steps; False when it was cut short (Ctrl-C, `run.stop`, a budget).
        A stop that comes in the epoch's last step, once its update is in, leaves it whole."""
        batches, left = 0, iter(train)
        for x, y in left:
            batches += 1
            updates = self.run.step
            with self.interrupts.caught():
                self._step(x, y, totals, batches)
            if self.interrupts.requested:
                self._interrupt()
            elif self.halt is not None and self.halt.check_step(self.run):
                self._halt(self.halt)
            if self.run.stop_reason is not None:
                return self.run.step > updates and _used_up(left)
        if batches == 0:
            raise ValueError(
                f"fit: data gave no batches in epoch {self.run.epoch + 1} (is it empty, or an "
                "iterator that was used up?)"
            )
        if self.run.step == 0:  # NOTE: every batch skipped: no epoch to checkpoint, stop
            self._stop(
                f"every batch of epoch {self.run.epoch + 1} had a non-finite loss and was "
                "skipped, so training stopped; look for NaN or inf in the data or lower the "
                "learning rate (give the optimizer a lower lr: resume_from trains on with it)"
            )
            return False
        return True

    def _step(self, x: Any, y: Any, totals: Totals, batch: int) -> None:
        """Train on the epoch's `batch`-th batch, unless its loss is not finite; count it once
        its update is in."""
        run, applied = self.run, False
        try:
            for cb in self.callbacks:
                cb.on_step_begin(run)
            xb, yb = self.step.tensors(x, y, run.device)
            # NOTE: only where a batch may be left out: "continue" keeps what it did
            refusing = self.on_nonfinite != "continue"
            kept = {name: t.data.copy() for name, t in self.buffers.items()} if refusing else {}
            out, value, figure = self.step.forward(run.model, xb, yb)
            if not math.isfinite(figure) and refusing:
                # NOTE: the forward pass already moved BatchNorm's running statistics by the
                # batch that is left out: put them back, or its NaN stays in the model
                for name, t in self.buffers.items():
                    t.data = kept[name]
                self._non_finite(figure, batch)
                return
            grads = value.backward()
            with self.interrupts.held():  # NOTE: a second Ctrl-C waits until the update is whole
                run.optimizer.update(run.model, grads)
                applied = True
            figures = self.step.figures(figure, out, yb)
            totals.add(figures, len(x))
            if self.display.bar is not None:
                self.display.step(totals.means())
            for cb in self.callbacks:
                cb.on_step_end(run, figures)
        finally:
            if applied:  # NOTE: counted after the callbacks, which see the index of their step
                run.step += 1
                run.global_step += 1

    def _halt(self, halt: Halt) -> None:
        halt.halted(self.run)
        self.run.stop(halt.describe())

    def _interrupt(self) -> None:
        by = self.interrupts.by
        reason = "interrupted" if by in (None, "SIGINT") else f"interrupted by {by}"
        self.run.interrupted = True
        self.run.stop(reason)
        self.display.note(f"{reason}: stopped after {self.run.global_step} steps")

    def _non_finite(self, figure: float, batch: int) -> None:
        """Stop (or skip the batch) on a NaN or infinite loss, saying where and what to do.

        NOTE: `batch` counts the epoch's batches, `run.step` only the updates applied, which
        skipped batches leave out."""
        run = self.run
        of = f" of {run.steps_per_epoch}" if run.steps_per_epoch is not None else ""
        where = (
            f"non-finite loss ({figure}) at epoch {run.epoch + 1}, batch {batch}{of} "
            f"(step {run.global_step + 1} of the run)"
        )
        finite = _all_finite(run.model)
        if self.on_nonfinite == "skip" and finite:
            warn_user(f"{where}: that batch was skipped", NonFiniteWarning)
            return
        reason = (
            f"{where}: its update was not applied and training stopped; look for NaN or inf in "
            "that batch or lower the learning rate (give the optimizer a lower lr and fit "
            'resume_from the last checkpoint: it trains on with the new rate; on_nonfinite="skip" '
            "skips such batches)"
        )
        if not finite:  # NOTE: then every later loss is NaN too: skipping cannot help
            reason += (
                "; the weights were already non-finite before this batch (an earlier update "
                "overflowed): resume from the last checkpoint, with a lower rate"
            )
        self._stop(reason)

    def _stop(self, reason: str) -> None:
        warn_user(reason, NonFiniteWarning)
        self.display.note(reason)
        self.run.stop(reason)


def _try_validation(run: Run, step: Step, val: Batches) -> None:
    """The first validation batch through the model and the loss (untraced, so in inference
    mode, changing nothing) before the first update: validation that does not fit the model
    (another width) or the loss is an error now, not after an epoch of training."""
    if iter(val) is val:  # NOTE: a one-shot iterator (one epoch): a batch drawn here is lost
        return
    # NOTE: in order, so this try draws nothing from the device's generator (a resumed run
    # draws what the uninterrupted one did)
    for x, y in inputs.in_order(val):
        xb, yb = step.tensors(x, y, run.device)
        try:
            out = run.model(xb)
            step.check_labels(out, yb)  # NOTE: before the loss, which would not say where
            step.loss(out, yb)
        except Exception as err:
            err.add_note("fit: found by the first batch of validation, tried before training")
            raise
        return


def _used_up(batches: Iterator[Any]) -> bool:
    """Whether the epoch's iterator has no batch left (what it draws is dropped: training
    stops, and the epoch is not whole then anyway)."""
    return next(batches, _END) is _END


_END = object()


def _all_finite(model: Model) -> bool:
    """Whether the weights and the buffers (running statistics) are all finite."""
    return not non_finite(dict(model_state(model)))


def _check_again(run: Run, halt: Halt) -> None:
    """The halting check of the resumed run's last epoch, which the uninterrupted run made
    after that epoch's checkpoint was written: a run that halted there ends at once again."""
    if run.history.epochs == 0:
        return
    resumed_at, run.epoch = run.epoch, run.history.epochs - 1
    if halt.check(run):
        halt.halted(run)
        run.stop(halt.describe())
    run.epoch = resumed_at


def _resume(run: Run, checkpoint: Checkpoint) -> Resumed | None:
    given = run.base_lr  # NOTE: the optimizer's rate as passed, before the checkpoint's
    resumed = checkpoint.resume(run.model, run.optimizer, run.device)
    if resumed is not None:
        run.epoch, run.global_step = resumed.epoch, resumed.global_step
        run.history = resumed.history
        run.base_lr = _resumed_lr(run.optimizer, given, resumed.base_lr)
    return resumed


def _resumed_lr(optimizer: Optimizer, given: float, saved: float) -> float:
    """The base rate of a resumed run: the checkpoint's (its optimizer's rate restored, as
    PyTorch's `load_state_dict` restores it), unless the optimizer came with another one.

    NOTE: a rate that differs from the one the checkpointed run started with was changed on
    purpose (what the non-finite stop advises): it becomes the base rate, times the factor a
    schedule had reached. The same command line again gives the same rate: an exact resume."""
    if given == saved:
        return saved
    reached = float(optimizer.lr) / saved if saved > 0 else 1.0
    optimizer.set_lr(given * reached)
    return given
