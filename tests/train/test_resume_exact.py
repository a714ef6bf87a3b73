"""Resume exactness: a run stopped after k epochs and resumed from its checkpoint ends bit for
bit where the uninterrupted run ends: weights, Adam's moments and step counts, the scheduled
learning rate, the random generator (dropout, shuffling), the history and where early
stopping stops and which weights it restores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl.checkpoint import load_state, save_state
from shapedl.train import Checkpoint, CosineDecay, NoImprovement, TimeBudget

EPOCHS = 40


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 4)).astype(np.float32)
    return x, (x[:, 0] > x[:, 1]).astype(np.int64) + (x[:, 2] > 0)


def train(path: Path | None, epochs: int) -> dict[str, Any]:
    """Everything a run ends with, after `epochs` epochs (or early stopping)."""
    sd.set_default_device(sd.Cpu(seed=0))
    model = sd.nn.Sequential(
        sd.nn.Linear(4, 16), sd.nn.ReLU(), sd.nn.Dropout(0.3), sd.nn.Linear(16, 3)
    )
    opt = sd.optim.Adam(lr=0.05)
    x, y = data()
    callbacks: list[Any] = [CosineDecay(400, min_factor=0.5)]
    if path is not None:
        callbacks.append(Checkpoint(path, keep=2, monitor="val_loss"))
    h = sd.train.fit(
        model, (x[:40], y[:40]), loss=sd.losses.cross_entropy_with_logits_loss, optimizer=opt,
        epochs=epochs, batch_size=8, metrics=["accuracy"], validation=(x[40:], y[40:]),
        halt_when=[NoImprovement(patience=3), TimeBudget(3600)], callbacks=callbacks,
        resume_from=path, progress=False,
    )  # fmt: skip
    return {
        "weights": {k: t.numpy().copy() for k, t in model.state_dict().items()},
        "optimizer": opt.state_dict(),
        "lr": opt.lr,
        "rng": sd.default_device().rng.bit_generator.state,
        "history": (dict(h), h.stopped_by, h.best_epoch, h.epochs),
    }


@pytest.fixture(scope="module")
def straight() -> dict[str, Any]:
    return train(None, EPOCHS)


def test_the_straight_run_stops_early_after_its_best_epoch(straight: dict[str, Any]) -> None:
    _, stopped_by, best, epochs = straight["history"]
    assert stopped_by is not None and "no improvement" in stopped_by
    assert best is not None and best + 1 < epochs - 1 < EPOCHS  # NOTE: so k below falls between
    assert set(BETWEEN) == set(range(best + 2, epochs)) and best + 1 == 6


BETWEEN = 7, 8  # NOTE: epochs after the best one and before early stopping (checked above)


@pytest.mark.parametrize("k", [1, 3, 6, *BETWEEN])
def test_a_resumed_run_ends_bit_for_bit_as_the_straight_one(
    k: int, straight: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    train(path, k)  # stops after k epochs, as if killed there
    resumed = train(path, EPOCHS)
    assert resumed["history"] == straight["history"]
    for name, w in straight["weights"].items():
        np.testing.assert_array_equal(resumed["weights"][name], w, err_msg=name)
    assert resumed["optimizer"].keys() == straight["optimizer"].keys()
    for name, value in straight["optimizer"].items():
        np.testing.assert_array_equal(resumed["optimizer"][name], value, err_msg=name)
    assert resumed["lr"] == straight["lr"] and resumed["rng"] == straight["rng"]


def test_early_stopping_says_when_a_checkpoint_lacks_the_best_weights(
    straight: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    train(path, BETWEEN[0])
    state = {k: v for k, v in load_state(path).items() if not k.startswith("halt.")}
    save_state(state, path)  # as a checkpoint written without early stopping would be
    with pytest.warns(UserWarning, match=r"could not restore the weights of the best epoch \(6\)"):
        resumed = train(path, EPOCHS)
    assert resumed["history"][3] == straight["history"][3]  # it still stops where it should


def test_running_a_halted_run_again_ends_at_once_as_it_did(
    straight: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    train(path, EPOCHS)  # halts by early stopping, after writing its last checkpoint
    again = train(path, EPOCHS)  # the same command line, run again (say after a crash)
    assert again["history"] == straight["history"]
    for name, w in straight["weights"].items():
        np.testing.assert_array_equal(again["weights"][name], w, err_msg=name)


class Steps(sd.train.Callback):
    def __init__(self) -> None:
        self.steps = 0

    def on_step_end(self, run: sd.train.Run, figures: Any) -> None:
        self.steps += 1


def test_a_threshold_that_halted_a_run_halts_its_resume_before_any_step(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    x, y = data()
    runs = []
    for _ in range(2):
        sd.set_default_device(sd.Cpu(seed=0))
        model = sd.nn.Linear(4, 3)
        counter = Steps()
        h = sd.train.fit(
            model, (x, y), loss=sd.losses.cross_entropy_with_logits_loss,
            optimizer=sd.optim.Sgd(lr=0.1), epochs=50, batch_size=10, progress=False,
            halt_when=sd.train.LossBelow(0.8), resume_from=path,
            callbacks=[Checkpoint(path), counter],
        )  # fmt: skip
        steps = counter.steps
        runs.append((h.epochs, h.stopped_by, steps, model.weight.numpy().copy()))
    (epochs, why, steps_first, w), (epochs_again, why_again, steps_again, w_again) = runs
    assert why == why_again == "loss <= 0.8" and epochs_again == epochs < 50
    assert steps_first > 0 and steps_again == 0
    np.testing.assert_array_equal(w_again, w)


def test_validation_that_shuffles_is_tried_without_drawing_from_the_generator(
    tmp_path: Path,
) -> None:
    """fit tries a validation batch before training; an `sd.data.Batches` that shuffles is
    read in order there, so a resumed run draws what the straight run drew."""

    def run(path: Path, epochs: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        sd.set_default_device(sd.Cpu(seed=0))
        model = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 3))
        x, y = data()
        val = sd.data.Batches(x[40:], y[40:], 4, shuffle=True)
        h = sd.train.fit(
            model, (x[:40], y[:40]), loss=sd.losses.cross_entropy_with_logits_loss,
            optimizer=sd.optim.Sgd(lr=0.1), epochs=epochs, batch_size=8, validation=val,
            callbacks=[Checkpoint(path)], resume_from=path, progress=False,
        )  # fmt: skip
        return {k: t.numpy().copy() for k, t in model.state_dict().items()}, dict(h)

    straight = run(tmp_path / "straight.safetensors", 4)
    run(tmp_path / "cut.safetensors", 2)
    resumed = run(tmp_path / "cut.safetensors", 4)
    assert resumed[1] == straight[1]
    for name, w in straight[0].items():
        np.testing.assert_array_equal(resumed[0][name], w)


class Passes:
    """Re-iterable batches that are not a list: `fit` cannot see their device."""

    def __init__(self, batches: list[Any]) -> None:
        self.batches = batches

    def __iter__(self) -> Any:
        return iter(self.batches)


@pytest.mark.parametrize("kind", ["a list", "an iterable", "a list on another device"])
def test_batches_on_a_device_of_ones_own_resume_bit_for_bit(kind: str, tmp_path: Path) -> None:
    """Dropout draws from its input's device's generator, the batches' or the model's: a
    checkpoint keeps both, not the default device's alone."""

    def run(path: Path | None, epochs: int) -> dict[str, np.ndarray]:
        sd.set_default_device(sd.Cpu(seed=0))  # NOTE: as a fresh process has it
        own = sd.Cpu(seed=42)
        mine = sd.Cpu(seed=7) if kind == "a list on another device" else own
        model = sd.nn.Sequential(  # NOTE: the first draws from the batches' device, the second
            sd.nn.Dropout(0.1), sd.nn.Linear(4, 16, device=own), sd.nn.ReLU(),  # from own
            sd.nn.Dropout(0.3), sd.nn.Linear(16, 3, device=own),
        )  # fmt: skip
        x, y = data()
        rows = [slice(i, i + 10) for i in range(0, 50, 10)]
        batches: Any = [(sd.tensor(x[r], device=mine), sd.tensor(y[r], device=mine)) for r in rows]
        sd.train.fit(
            model, Passes(batches) if kind == "an iterable" else batches,
            loss=sd.losses.cross_entropy_with_logits_loss, optimizer=sd.optim.Adam(lr=0.01),
            epochs=epochs, progress=False, resume_from=path,
            callbacks=[] if path is None else [Checkpoint(path)],
        )  # fmt: skip
        return {k: t.numpy().copy() for k, t in model.state_dict().items()}

    straight = run(None, 4)
    run(tmp_path / "run.safetensors", 2)  # stops after 2 epochs, as if killed there
    resumed = run(tmp_path / "run.safetensors", 4)
    for name, w in straight.items():
        np.testing.assert_array_equal(resumed[name], w, err_msg=name)
