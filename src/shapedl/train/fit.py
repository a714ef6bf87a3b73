"""`fit`: train a model in one call (Keras/intricate style), and `evaluate` it.

One step is the explicit loop you would write yourself, dfdx style:

    out = model(x.traced())           # training behaviour: the input is traced
    grads = loss(out, y).backward()
    optimizer.update(model, grads)

`fit` adds batching, metrics, validation, halting conditions, callbacks, checkpoints with
resume, a progress display, and Ctrl-C that stops cleanly after the current step.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence, Sized
from contextlib import contextmanager
from typing import Any

from shapedl.data import Batches, as_tensor
from shapedl.device import Device, default_device
from shapedl.tensor import Tensor
from shapedl.train.callbacks import Callback, Checkpoint
from shapedl.train.halting import Halt, as_halt
from shapedl.train.history import History
from shapedl.train.metrics import Metric, resolve
from shapedl.train.progress import Display
from shapedl.train.run import Model, Optimizer, Run

__all__ = ["evaluate", "fit"]

AnyTensor = Tensor[Any, Any, Any]
Loss = Callable[[Any, Any], Any]
Data = tuple[Any, Any] | Iterable[tuple[Any, Any]]
HaltWhen = Halt | Callable[[History], bool] | Sequence[Halt | Callable[[History], bool]]


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

    NumPy float arrays are converted to the dtype of the model's parameters (so
    scikit-learn's float64 data trains an f32 model); tensors are used as they are.

    Returns:
        The `History`: figures per epoch, `stopped_by`, `interrupted`.

    Ctrl-C ends training after the current step: the model and optimizer are consistent
    (never half-updated) and the history so far comes back with `interrupted` set. A second
    Ctrl-C stops at once.
    """
    dev = device or _device_of(data)
    cast = _float_dtype(model)
    train = _as_batches(data, batch_size, shuffle, drop_last, dev, epochs, cast)
    val = (
        None
        if validation is None
        else _as_batches(validation, batch_size, False, False, dev, 0, cast)
    )
    named = resolve(metrics)
    halt = as_halt(halt_when)
    run = Run(model, optimizer, epochs, _length(train), dev)
    if resume_from is not None:
        _resume(run, Checkpoint(resume_from))
    display = Display(progress, epochs)
    step = _Step(model, optimizer, loss, named, cast)
    if halt is not None:
        halt.start(run)
    for cb in callbacks:
        cb.on_train_begin(run)
    try:
        with _sigint_after_step() as sigint:
            _epochs(run, train, val, step, halt, list(callbacks), display, sigint)
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
    sigint: list[bool],
) -> None:
    for epoch in range(run.epoch, run.epochs):
        run.epoch, run.step = epoch, 0
        started = time.perf_counter()
        for cb in callbacks:
            cb.on_epoch_begin(run)
        display.epoch_begin(epoch, run.steps_per_epoch)
        totals = _Totals()
        complete = _steps(run, train, step, totals, halt, callbacks, display, sigint)
        figures = totals.means()
        try:
            if complete and val is not None and not sigint[0]:
                checked = evaluate(run.model, val, **step.kw)
                figures.update({f"val_{k}": v for k, v in checked.items()})
        except KeyboardInterrupt:
            sigint[0] = True
        seconds = time.perf_counter() - started
        run.history.append(figures, seconds)
        display.epoch_end(epoch, figures, seconds)
        if not complete:
            return
        try:  # NOTE: the epoch's training is whole, so its checkpoint is still written
            for cb in callbacks:
                cb.on_epoch_end(run, figures)
        except KeyboardInterrupt:
            sigint[0] = True
        if sigint[0]:
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
    sigint: list[bool],
) -> bool:
    """One epoch of steps; False when it was cut short (Ctrl-C, `run.stop`, a budget)."""
    for x, y in train:
        done = False
        try:
            for cb in callbacks:
                cb.on_step_begin(run)
            figures = step(_tensor(x, run.device, step.cast), _tensor(y, run.device, step.cast))
            done = True
            totals.add(figures, len(x))
            if display.bar is not None:
                display.step(totals.means())
            for cb in callbacks:
                cb.on_step_end(run, figures)
        except KeyboardInterrupt:
            sigint[0] = True
        if done:  # NOTE: counted after the callbacks, which see the index of their step
            run.step += 1
            run.global_step += 1
        if sigint[0]:
            _interrupt(run, display)
        elif halt is not None and halt.check_step(run):
            halt.halted(run)
            run.stop(halt.describe())
        if run.stop_reason is not None:
            return False
    return True


def _interrupt(run: Run, display: Display) -> None:
    run.interrupted = True
    run.stop("interrupted")
    display.note(f"interrupted: stopped after {run.global_step} steps")


class _Step:
    """One training step, and the figures of its batch."""

    def __init__(
        self,
        model: Model,
        optimizer: Optimizer,
        loss: Loss,
        metrics: Mapping[str, Metric],
        cast: str | None,
    ) -> None:
        self.model, self.optimizer, self.loss, self.metrics = model, optimizer, loss, metrics
        self.cast = cast
        self.kw: dict[str, Any] = {"loss": loss, "metrics": list(metrics.values())}

    def __call__(self, x: AnyTensor, y: AnyTensor) -> dict[str, float]:
        out = self.model(x.traced())
        value = self.loss(out, y)
        grads = value.backward()
        self.optimizer.update(self.model, grads)
        figures = {"loss": float(value.item())}
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
    dev = device or _device_of(data)
    named = resolve(metrics)
    totals = _Totals()
    cast = _float_dtype(model)
    for x, y in _as_batches(data, batch_size, False, False, dev, 0, cast):
        xb, yb = _tensor(x, dev, cast), _tensor(y, dev, cast)
        out = model(xb)
        figures = {} if loss is None else {"loss": float(loss(out, yb).item())}
        figures.update({name: float(m(out, yb)) for name, m in named.items()})
        totals.add(figures, len(xb))
    return totals.means()


# ---- data -------------------------------------------------------------------------------
def _is_array(a: Any) -> bool:
    return isinstance(a, Tensor) or (hasattr(a, "shape") and hasattr(a, "__array__"))


def _is_pair(data: Any) -> bool:
    return isinstance(data, tuple) and len(data) == 2 and all(_is_array(d) for d in data)


def _device_of(data: Any) -> Device:
    if isinstance(data, Batches):
        return data.device
    if _is_pair(data) and isinstance(data[0], Tensor):
        return data[0].device
    return default_device()


def _as_batches(
    data: Any,
    batch_size: int,
    shuffle: bool,
    drop_last: bool,
    dev: Device,
    epochs: int,
    cast: str | None,
) -> Iterable[tuple[Any, Any]]:
    if _is_pair(data):
        x, y = _cast(data[0], cast), _cast(data[1], cast)
        return Batches(x, y, batch_size, shuffle=shuffle, drop_last=drop_last, device=dev)
    if not isinstance(data, Iterable):
        raise TypeError(
            f"data must be a pair (x, y) or an iterable of (x, y) batches, "
            f"got {type(data).__name__}"
        )
    if epochs > 1 and iter(data) is data:
        raise TypeError(
            "data is a one-shot iterator, but training runs several epochs: pass a list of "
            "batches, an sd.data.Batches, or the pair (x, y)"
        )
    return data


def _length(data: Iterable[Any]) -> int | None:
    return len(data) if isinstance(data, Sized) else None


def _tensor(a: Any, dev: Device, cast: str | None) -> AnyTensor:
    return a if isinstance(a, Tensor) else as_tensor(_cast(a, cast), dev)


def _float_dtype(model: Any) -> str | None:
    """The dtype of the model's first floating parameter (what float data is cast to)."""
    params = model.parameters() if hasattr(model, "parameters") else {}
    for p in params.values():
        if p.data.dtype.kind == "f":
            return str(p.data.dtype)
    return None


def _cast(a: Any, dtype: str | None) -> Any:
    """A NumPy float array in `dtype` (scikit-learn's float64 for an f32 model); tensors and
    other arrays as they are."""
    kind = getattr(getattr(a, "dtype", None), "kind", None)
    if dtype is None or isinstance(a, Tensor) or kind != "f" or str(a.dtype) == dtype:
        return a
    return a.astype(dtype)


def _resume(run: Run, checkpoint: Checkpoint) -> None:
    resumed = checkpoint.resume(run.model, run.optimizer, run.device)
    if resumed is not None:
        run.epoch, run.global_step = resumed.epoch, resumed.global_step
        run.history, run.base_lr = resumed.history, resumed.base_lr


# ---- Ctrl-C -----------------------------------------------------------------------------
@contextmanager
def _sigint_after_step() -> Generator[list[bool]]:
    """While training, the first Ctrl-C only sets a flag the loop reads after each step; a
    second one interrupts at once. (Off the main thread, signals cannot be caught: a
    `KeyboardInterrupt` raised inside a step is handled by the loop instead.)"""
    flag = [False]
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag[0]:
            raise KeyboardInterrupt
        flag[0] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
