"""`fit`: train a model in one call (Keras/intricate style), and `evaluate` it.

One step is the explicit loop you would write yourself, dfdx style:

    out = model(x.traced())           # training behaviour: the input is traced
    grads = loss(out, y).backward()
    optimizer.update(model, grads)

`fit` adds batching, metrics, validation, halting conditions, callbacks, checkpoints with
resume, a progress display, and Ctrl-C that stops cleanly after the current step. It never
loses good work: a non-finite loss stops it before its update, the update itself is never cut
in half by Ctrl-C, and bad data is refused before the first update.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from shapedl.device import Device
from shapedl.tensor import Tensor
from shapedl.train import inputs
from shapedl.train.callbacks import Callback
from shapedl.train.checkpoints import Checkpoint
from shapedl.train.halting import Halt, as_halt
from shapedl.train.history import History
from shapedl.train.interrupts import Interrupts, sigint_after_step
from shapedl.train.metrics import Metric, resolve
from shapedl.train.progress import Display
from shapedl.train.run import Model, NonFiniteWarning, Optimizer, Run

__all__ = ["evaluate", "fit"]

AnyTensor = Tensor[Any, Any, Any]
Loss = Callable[[Any, Any], Any]
Data = tuple[Any, Any] | Iterable[tuple[Any, Any]]
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
        optimizer: anything with `update(model, grads)` and `lr` (any `sd.optim` optimizer).
        epochs: the most epochs to train (a resumed run counts the epochs it already did).
        batch_size: rows per batch when `data` is a pair.
        metrics: callables `metric(out, y) -> float` or names (`"accuracy"`, `"mae"`,
            `"top_5_accuracy"`); recorded for training and validation.
        validation: held-out data, same forms as `data`, evaluated after every epoch
            (figures `val_loss`, `val_<metric>`).
        halt_when: a condition from `sd.train.halting`, a callable `f(history) -> bool`, or a
            list of them (training stops when any holds).
        callbacks: `Callback`s, e.g. `Checkpoint(path)` or a learning-rate schedule.
        shuffle: a new order every epoch, drawn from the device's seeded generator.
        drop_last: leave out each epoch's final partial batch.
        progress: a progress bar per epoch on a terminal, one line per epoch otherwise.
        resume_from: a `Checkpoint` file: when it exists, load model, optimizer, history and
            random state from it and continue after its last epoch.
        device: where the batches go (default: that of `x`, else the default device).
        on_nonfinite: what a NaN or infinite loss does: `"stop"` (the default) leaves that
            batch's update out and stops, with the reason (epoch, batch, step) in
            `history.stopped_by` and a `NonFiniteWarning`; `"skip"` leaves the update out and
            goes on with the next batch (warning); `"continue"` applies it anyway.

    NumPy float arrays are converted to the dtype of the model's parameters (so
    scikit-learn's float64 data trains an f32 model); tensors are used as they are.

    Returns:
        The `History`: figures per epoch, `stopped_by`, `interrupted`.

    Raises:
        ValueError: for empty data, `epochs` or `batch_size` below 1, ragged rows, or a label
            the loss does not accept (found before the first update, naming where it is).
        TypeError: for data that is neither a pair nor batches, or a one-shot iterator.
        CheckpointError: when `resume_from` is not a checkpoint that fits the model and
            optimizer (both are then left as they were).

    Ctrl-C ends training after the current step: the model and optimizer are consistent
    (never half-updated) and the history so far comes back with `interrupted` set. A second
    Ctrl-C stops at once, except inside the parameter update, which it lets finish first.
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
    val = (
        None
        if validation is None
        else inputs.as_batches(validation, "validation", batch_size, False, False, dev, 0, cast)
    )
    named = resolve(metrics)
    halt = as_halt(halt_when)
    run = Run(model, optimizer, epochs, inputs.length(train), dev)
    if resume_from is not None:
        _resume(run, Checkpoint(resume_from))
    display = Display(progress, epochs)
    step = _Step(model, optimizer, loss, named, cast, on_nonfinite)
    step.labels, step.cast_note = inputs.labels(data), inputs.cast_note(data, cast)
    if halt is not None:
        halt.start(run)
    for cb in callbacks:
        cb.on_train_begin(run)
    try:
        with sigint_after_step() as interrupts:
            _epochs(run, train, val, step, halt, list(callbacks), display, interrupts)
    finally:
        display.close()
    run.history.stopped_by = run.stop_reason
    run.history.interrupted = run.interrupted
    for cb in callbacks:
        cb.on_train_end(run)
    return run.history


def _epochs(
    run: Run,
    train: Iterable[tuple[Any, Any]],
    val: Iterable[tuple[Any, Any]] | None,
    step: _Step,
    halt: Halt | None,
    callbacks: list[Callback],
    display: Display,
    interrupts: Interrupts,
) -> None:
    for epoch in range(run.epoch, run.epochs):
        run.epoch, run.step = epoch, 0
        started = time.perf_counter()
        for cb in callbacks:
            cb.on_epoch_begin(run)
        display.epoch_begin(epoch, run.steps_per_epoch)
        totals = _Totals()
        complete = _steps(run, train, step, totals, halt, callbacks, display, interrupts)
        figures = totals.means()
        try:
            if complete and val is not None and not interrupts.requested:
                checked = evaluate(run.model, val, **step.kw)
                figures.update({f"val_{k}": v for k, v in checked.items()})
        except KeyboardInterrupt:
            interrupts.requested = True
        seconds = time.perf_counter() - started
        run.history.append(figures, seconds)
        display.epoch_end(epoch, figures, seconds)
        if not complete:
            return
        try:  # NOTE: the epoch's training is whole, so its checkpoint is still written
            for cb in callbacks:
                cb.on_epoch_end(run, figures)
        except KeyboardInterrupt:
            interrupts.requested = True
        if interrupts.requested:
            _interrupt(run, display)
        if run.stop_reason is not None:
            return
        if halt is not None and halt.check(run):
            halt.halted(run)
            run.stop(halt.describe())
            return


def _steps(
    run: Run,
    train: Iterable[tuple[Any, Any]],
    step: _Step,
    totals: _Totals,
    halt: Halt | None,
    callbacks: list[Callback],
    display: Display,
    interrupts: Interrupts,
) -> bool:
    """One epoch of steps; False when it was cut short (Ctrl-C, `run.stop`, a budget)."""
    batches = 0
    for x, y in train:
        batches += 1
        try:
            _one_step(run, x, y, step, totals, callbacks, display, interrupts)
        except KeyboardInterrupt:
            interrupts.requested = True
        if interrupts.requested:
            _interrupt(run, display)
        elif halt is not None and halt.check_step(run):
            halt.halted(run)
            run.stop(halt.describe())
        if run.stop_reason is not None:
            return False
    if batches == 0:
        raise ValueError(
            f"fit: data gave no batches in epoch {run.epoch + 1} (is it empty, or an iterator "
            "that was used up?)"
        )
    return True


def _one_step(
    run: Run,
    x: Any,
    y: Any,
    step: _Step,
    totals: _Totals,
    callbacks: list[Callback],
    display: Display,
    interrupts: Interrupts,
) -> None:
    """Train on one batch, unless its loss is not finite; count it once its update is in."""
    applied = False
    try:
        for cb in callbacks:
            cb.on_step_begin(run)
        xb, yb = inputs.tensor(x, run.device, step.cast), inputs.tensor(y, run.device, step.cast)
        out, value, figure = step.forward(xb, yb)
        if not math.isfinite(figure) and step.on_nonfinite != "continue":
            _non_finite(run, step, figure, display)
            return
        grads = value.backward()
        with interrupts.held():  # NOTE: a second Ctrl-C waits until the update is whole
            step.optimizer.update(step.model, grads)
            applied = True
        figures = step.figures(figure, out, yb)
        totals.add(figures, len(x))
        if display.bar is not None:
            display.step(totals.means())
        for cb in callbacks:
            cb.on_step_end(run, figures)
    finally:
        if applied:  # NOTE: counted after the callbacks, which see the index of their step
            run.step += 1
            run.global_step += 1


def _interrupt(run: Run, display: Display) -> None:
    run.interrupted = True
    run.stop("interrupted")
    display.note(f"interrupted: stopped after {run.global_step} steps")


def _non_finite(run: Run, step: _Step, figure: float, display: Display) -> None:
    """Stop (or skip the batch) on a NaN or infinite loss, saying where and what to do."""
    of = f" of {run.steps_per_epoch}" if run.steps_per_epoch is not None else ""
    where = (
        f"non-finite loss ({figure}) at epoch {run.epoch + 1}, batch {run.step + 1}{of} "
        f"(step {run.global_step + 1} of the run)"
    )
    if step.on_nonfinite == "skip":
        warnings.warn(f"{where}: that batch was skipped", NonFiniteWarning, stacklevel=3)
        return
    reason = (
        f"{where}: its update was not applied and training stopped; look for NaN or inf in that "
        'batch or lower the learning rate (on_nonfinite="skip" skips such batches)'
    )
    if not _all_finite(run.model):
        reason += (
            "; the weights were already non-finite before this batch (an earlier update "
            "overflowed): resume from the last checkpoint"
        )
    warnings.warn(reason, NonFiniteWarning, stacklevel=3)
    display.note(reason)
    run.stop(reason)


def _all_finite(model: Model) -> bool:
    return all(bool(p.xp.isfinite(p.data).all()) for p in model.parameters().values())


class _Step:
    """One training step's parts: the forward pass and loss, and the figures of its batch.

    The first call also checks the data's labels against the loss, before any update.
    """

    def __init__(
        self,
        model: Model,
        optimizer: Optimizer,
        loss: Loss,
        metrics: Mapping[str, Metric],
        cast: str | None,
        on_nonfinite: OnNonFinite,
    ) -> None:
        self.model, self.optimizer, self.loss, self.metrics = model, optimizer, loss, metrics
        self.cast, self.on_nonfinite = cast, on_nonfinite
        self.kw: dict[str, Any] = {"loss": loss, "metrics": list(metrics.values())}
        self.labels: inputs.Labels | None = None
        self.cast_note: str | None = None

    def forward(self, x: AnyTensor, y: AnyTensor) -> tuple[AnyTensor, AnyTensor, float]:
        out = self.model(x.traced())
        try:
            value = self.loss(out, y)
        except TypeError as err:
            if self.cast_note is None:
                raise
            raise TypeError(f"{err} ({self.cast_note})") from err
        if self.labels is not None:
            self._check_labels(out, y, self.labels)
            self.labels = None
        return out, value, float(value.item())

    def _check_labels(self, out: AnyTensor, y: AnyTensor, labels: inputs.Labels) -> None:
        """The loss on this batch's output with every label at the data's extremes."""
        untraced = out.detach()
        for label, where in ((labels.low, labels.low_at), (labels.high, labels.high_at)):
            probe: AnyTensor = Tensor(y.xp.full(y.shape, label, dtype=y.data.dtype), y.device)
            try:
                self.loss(untraced, probe)
            except (ValueError, IndexError) as err:
                raise ValueError(
                    f"fit: data has the label {label} at {where}, which the loss does not "
                    f"accept ({err}); nothing was trained"
                ) from None

    def figures(self, loss: float, out: AnyTensor, y: AnyTensor) -> dict[str, float]:
        figures = {"loss": loss}
        figures.update({name: float(m(out, y)) for name, m in self.metrics.items()})
        return figures


class _Totals:
    """Row-weighted sums of figures, so an epoch's figure is exact over its rows."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.rows = 0

    def add(self, figures: Mapping[str, float], rows: int) -> None:
        for name, value in figures.items():
            self.sums[name] = self.sums.get(name, 0.0) + value * rows
        self.rows += rows

    def means(self) -> dict[str, float]:
        return {name: s / max(self.rows, 1) for name, s in self.sums.items()}


def evaluate(
    model: Model,
    data: Data,
    *,
    loss: Loss | None = None,
    metrics: Sequence[Metric | str] = (),
    batch_size: int = 256,
    device: Device | None = None,
) -> dict[str, float]:
    """Figures of `model` on `data` in inference mode (untraced): `loss` and each metric.

    Example:
        >>> import shapedl as sd
        >>> double = lambda x: x * 2.0
        >>> evaluate(double, (sd.tensor([[1.0], [2.0]]), sd.tensor([[2.0], [5.0]])),
        ...          metrics=["mae"])
        {'mean_absolute_error': 0.5}
    """
    dev = device or inputs.device_of(data)
    named = resolve(metrics)
    totals = _Totals()
    cast = inputs.float_dtype(model)
    for x, y in inputs.as_batches(data, "data", batch_size, False, False, dev, 0, cast):
        xb, yb = inputs.tensor(x, dev, cast), inputs.tensor(y, dev, cast)
        out = model(xb)
        figures = {} if loss is None else {"loss": float(loss(out, yb).item())}
        figures.update({name: float(m(out, yb)) for name, m in named.items()})
        totals.add(figures, len(xb))
    return totals.means()


def _resume(run: Run, checkpoint: Checkpoint) -> None:
    resumed = checkpoint.resume(run.model, run.optimizer, run.device)
    if resumed is not None:
        run.epoch, run.global_step = resumed.epoch, resumed.global_step
        run.history, run.base_lr = resumed.history, resumed.base_lr
