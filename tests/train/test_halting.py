"""Halting conditions: each one alone, combined, and early stopping's weight restore."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl.checkpoint import load_state
from shapedl.train import (
    AccuracyAbove,
    Checkpoint,
    LambdaCallback,
    LossBelow,
    LrSchedule,
    NoImprovement,
    TimeBudget,
    When,
)

from .problems import blobs, cross_entropy, linear, mse, regression, weights


def _fit(halt: Any, epochs: int = 40, **kw: Any) -> sd.train.History:
    x, y = blobs(60)
    kw.setdefault("optimizer", sd.optim.Sgd(lr=0.05))
    return sd.train.fit(
        kw.pop("model", None) or linear(2, 3), (x, y), loss=cross_entropy, epochs=epochs,
        batch_size=20, metrics=["accuracy"], halt_when=halt, progress=False, **kw,
    )  # fmt: skip


def test_accuracy_above_stops_at_the_first_epoch_that_reaches_it() -> None:
    h = _fit(AccuracyAbove(0.9))
    assert h.stopped_by == "accuracy >= 0.9" and h.epochs < 40
    assert h["accuracy"][-1] >= 0.9 and all(a < 0.9 for a in h["accuracy"][:-1])


def test_a_condition_names_the_validation_figure_it_watched() -> None:
    # NOTE: with validation it watches val_accuracy / val_loss; stopped_by said "accuracy"
    x, y = blobs(60)
    cases = [(AccuracyAbove(0.9), "val_accuracy >= 0.9"), (LossBelow(0.3), "val_loss <= 0.3")]
    for halt, name in cases:
        h = _fit(halt, validation=(x[:30], y[:30]))
        assert h.stopped_by == name, h.stopped_by


def test_loss_below_stops_once_the_loss_is_at_most_the_threshold() -> None:
    h = _fit(LossBelow(0.3))
    assert h.stopped_by == "loss <= 0.3" and h.epochs < 40
    assert h["loss"][-1] <= 0.3 and all(v > 0.3 for v in h["loss"][:-1])


def test_conditions_default_to_the_validation_figure() -> None:
    x, y = blobs(60)
    h = _fit(AccuracyAbove(0.95), validation=(x[:6], y[:6]))
    assert h["val_accuracy"][-1] >= 0.95 and all(a < 0.95 for a in h["val_accuracy"][:-1])


def test_a_missing_figure_names_what_is_recorded() -> None:
    with pytest.raises(KeyError, match="top_3_accuracy.*accuracy"):
        _fit(AccuracyAbove(0.9, figure="top_3_accuracy"))


def test_no_improvement_stops_and_restores_the_best_weights() -> None:
    # the rate is fine for 4 epochs, then so large the loss gets worse every epoch
    schedule = LrSchedule(lambda epoch: 1.0 if epoch < 4 else 400.0, per="epoch")
    kept: list[dict[str, np.ndarray]] = []
    snap = LambdaCallback(on_epoch_end=lambda run, f: kept.append(weights(run.model)))
    model = linear(2, 3)
    h = _fit(NoImprovement(patience=2), model=model, callbacks=[schedule, snap])
    best = int(np.argmin(h["loss"]))
    assert h.epochs == best + 3  # the best epoch, then two without improvement
    assert h.stopped_by == "no improvement in loss for 2 epochs"
    assert h.best_epoch == best
    for name, w in weights(model).items():
        np.testing.assert_array_equal(w, kept[best][name])


def test_no_improvement_without_restore_keeps_the_last_weights() -> None:
    schedule = LrSchedule(lambda epoch: 1.0 if epoch < 3 else 400.0, per="epoch")
    kept: list[dict[str, np.ndarray]] = []
    snap = LambdaCallback(on_epoch_end=lambda run, f: kept.append(weights(run.model)))
    model = linear(2, 3)
    h = _fit(NoImprovement(2, restore_best=False), model=model, callbacks=[schedule, snap])
    assert h.best_epoch is None
    np.testing.assert_array_equal(weights(model)["weight"], kept[-1]["weight"])


def test_no_improvement_on_accuracy_looks_for_increases() -> None:
    h = _fit(NoImprovement(patience=3, figure="accuracy", restore_best=False), epochs=60)
    best = int(np.argmax(h["accuracy"]))
    assert h["accuracy"][best] == 1.0 and h.epochs == best + 4


def test_time_budget_stops_mid_epoch() -> None:
    slow = LambdaCallback(on_step_end=lambda run, f: time.sleep(0.03))
    x, y = regression(64)
    started = time.perf_counter()
    h = sd.train.fit(
        linear(3, 1), (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01), epochs=100,
        batch_size=8, halt_when=TimeBudget(0.2), callbacks=[slow], progress=False,
    )  # fmt: skip
    assert h.stopped_by == "time budget of 0.2 s"
    assert time.perf_counter() - started < 1.0 and h.epochs == 1


def test_any_callable_of_the_history() -> None:
    def three_epochs(history: sd.train.History) -> bool:
        return history.epochs >= 3

    h = _fit(three_epochs)
    assert h.epochs == 3 and h.stopped_by == "three_epochs"
    assert _fit(When(lambda h: h.epochs == 2, "two")).stopped_by == "two"


def test_a_list_stops_when_any_condition_holds() -> None:
    h = _fit([LossBelow(0.0), lambda h: h.epochs >= 4])
    assert h.epochs == 4 and h.stopped_by == "<lambda>"


def test_or_and_combine_conditions() -> None:
    both = AccuracyAbove(0.5) & When(lambda h: h.epochs >= 6, "six epochs")
    h = _fit(both)
    assert h.epochs == 6 and h.stopped_by == "accuracy >= 0.5 and six epochs"
    either = LossBelow(-1.0) | When(lambda h: h.epochs >= 2, "two")
    assert _fit(either).epochs == 2


def test_invalid_patience() -> None:
    with pytest.raises(ValueError, match="invalid patience: 0"):
        NoImprovement(0)


# ---- which way a figure improves -------------------------------------------------------------
def rmse(pred: Any, target: Any) -> float:
    return float(np.sqrt(((pred.numpy() - target.numpy().reshape(pred.shape)) ** 2).mean()))


def _regress(halt: Any, epochs: int = 30) -> tuple[sd.train.History, Any]:
    x, y = regression(80)
    model = linear(3, 1)
    h = sd.train.fit(
        model, (x[:60], y[:60]), loss=mse, optimizer=sd.optim.Sgd(lr=0.02), epochs=epochs,
        batch_size=20, metrics=[rmse], validation=(x[60:], y[60:]), halt_when=halt,
        progress=False,
    )  # fmt: skip
    return h, model


@pytest.mark.parametrize("mode", ["auto", "min"])
def test_no_improvement_on_an_rmse_looks_for_decreases(mode: Any) -> None:
    # NOTE: "auto" took every name but losses and errors as higher-is-better: it stopped
    # while the RMSE fell, and restored the worst epoch
    h, model = _regress(NoImprovement(patience=3, figure="val_rmse", mode=mode))
    assert h.stopped_by is None and h.epochs == 30
    assert h["val_rmse"][-1] == min(h["val_rmse"]) < h["val_rmse"][0]


def test_no_improvement_follows_the_mode_it_is_given() -> None:
    h, _ = _regress(NoImprovement(patience=3, figure="val_rmse", mode="max"))
    assert h.epochs == 4 and h.best_epoch == 0  # the rmse only falls: the first is the "best"


def score(pred: Any, target: Any) -> float:
    return rmse(pred, target)


def test_a_figure_auto_cannot_place_is_an_error_before_the_first_step() -> None:
    x, y = regression(16)
    steps: list[int] = []
    count = LambdaCallback(on_step_end=lambda run, f: steps.append(run.global_step))
    fit: dict[str, Any] = dict(loss=mse, optimizer=sd.optim.Sgd(lr=0.01), epochs=2,
                               metrics=[score], callbacks=[count], progress=False)  # fmt: skip
    with pytest.raises(ValueError, match=r"'val_score'.*mode=\"min\".*mode=\"max\""):
        sd.train.fit(linear(3, 1), (x, y), validation=(x, y),
                     halt_when=NoImprovement(patience=3, figure="val_score"), **fit)  # fmt: skip
    assert steps == []
    halt = NoImprovement(patience=3, figure="val_score", mode="max")  # told: fine
    sd.train.fit(linear(3, 1), (x, y), validation=(x, y), halt_when=halt, **fit)
    with pytest.raises(ValueError, match="invalid mode='lowest'"):
        NoImprovement(patience=3, mode="lowest")  # type: ignore[arg-type]


def test_a_typo_in_a_figure_names_the_recorded_figures_before_asking_for_a_mode() -> None:
    # NOTE: "val_los" is a typo of "val_loss", not a new figure whose direction is unknown
    x, y = regression(16)
    for halt in (NoImprovement(patience=3, figure="val_los"), NoImprovement(3, monitor="val_los")):
        with pytest.raises(KeyError, match=r"halting on 'val_los'.*\['loss', 'val_loss'\]"):
            sd.train.fit(linear(3, 1), (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01),
                         epochs=2, validation=(x, y), halt_when=halt, progress=False)  # fmt: skip


def test_monitor_is_another_name_for_figure() -> None:
    """Keras's `EarlyStopping(monitor=...)`, and `Checkpoint`'s own word."""
    for cls, name in ((NoImprovement, "val_rmse"), (AccuracyAbove, "val_accuracy")):
        assert cls(3, monitor=name).figure == cls(3, figure=name).figure == name
    assert LossBelow(0.1, monitor="val_loss").figure == "val_loss"
    assert NoImprovement(3, figure="loss", monitor="loss").figure == "loss"
    with pytest.raises(TypeError, match="figure='loss' and monitor='val_loss'.*give one"):
        NoImprovement(3, figure="loss", monitor="val_loss")
    assert Checkpoint("run.npz", figure="val_loss").monitor == "val_loss"
    with pytest.raises(TypeError, match="Checkpoint: figure='loss' and monitor='val_loss'"):
        Checkpoint("run.npz", figure="loss", monitor="val_loss")


# ---- figures that training will not record, found before the first step ---------------------
@pytest.mark.parametrize(
    "halt",
    [AccuracyAbove(0.9, figure="val_accuracy"), LossBelow(0.1, figure="val_los"),
     NoImprovement(3, figure="val_accuracy"), AccuracyAbove(0.9) | TimeBudget(60)],
    ids=["accuracy", "loss", "no improvement", "combined"],
)  # fmt: skip
def test_a_figure_that_is_not_recorded_is_an_error_before_the_first_step(halt: Any) -> None:
    x, y = regression(16)
    steps: list[int] = []
    count = LambdaCallback(on_step_end=lambda run, f: steps.append(run.global_step))
    with pytest.raises(KeyError, match=r"halting on '(val_)?(accuracy|los)'.*\['loss'\]"):
        sd.train.fit(linear(3, 1), (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01),
                     epochs=3, batch_size=8, halt_when=halt, callbacks=[count],
                     progress=False)  # fmt: skip
    assert steps == []  # NOTE: it was raised after the first epoch's training


# ---- Checkpoint(every=...) saves the epoch a halting condition ends training with ------------
@pytest.mark.parametrize("early_stopping", [False, True])
def test_every_saves_the_epoch_training_halts_after(early_stopping: bool, tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    kept: list[dict[str, np.ndarray]] = []
    snap = LambdaCallback(on_epoch_end=lambda run, f: kept.append(weights(run.model)))
    callbacks: list[Any] = [snap, Checkpoint(path, every=50)]
    if early_stopping:  # NOTE: as in the test above: better for 4 epochs, then worse
        callbacks.insert(0, LrSchedule(lambda epoch: 1.0 if epoch < 4 else 400.0, per="epoch"))
    model = linear(2, 3)
    halt = NoImprovement(patience=2) if early_stopping else AccuracyAbove(0.9)
    h = _fit(halt, model=model, callbacks=callbacks)
    assert h.stopped_by is not None and 1 < h.epochs < 40
    saved = load_state(path)
    assert json.loads(bytes(saved["fit.meta"]))["epoch"] == h.epochs  # NOTE: was never written
    # NOTE: the halted epoch's own weights (as with every=1), not the best ones restored after
    for name, w in kept[-1].items():
        np.testing.assert_array_equal(saved[f"model.{name}"], w)
    again = linear(2, 3, seed=1)  # NOTE: a resume ends at once, where the run ended
    resumed = _fit(halt, model=again, callbacks=callbacks[:-2], resume_from=path)
    assert resumed.epochs == h.epochs and resumed.best_epoch == h.best_epoch
    for name, w in weights(model).items():
        np.testing.assert_array_equal(weights(again)[name], w)
