"""Faults injected into real `fit` runs: a second Ctrl-C or a kill inside a checkpoint's save,
disk errors at every file operation of a save, a checkpoint folder that cannot be written,
NaNs that no update can get past, and resumes that must continue as if never interrupted."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl.checkpoint import load_state
from shapedl.train import Checkpoint, LambdaCallback
from shapedl.train import checkpoints as checkpoints_module

from .problems import linear, mse, regression


def fit(model: Any, data: Any, **kw: Any) -> sd.train.History:
    kw = {"loss": mse, "optimizer": sd.optim.Sgd(lr=0.05), "epochs": 1, "batch_size": 8,
          "shuffle": False, "progress": False, **kw}  # fmt: skip
    return sd.train.fit(model, data, **kw)


def saved_epoch(path: Path) -> int:
    epoch: int = json.loads(bytes(load_state(path)["fit.meta"]))["epoch"]
    return epoch


# ---- a second Ctrl-C inside a checkpoint's save ----------------------------------------
@pytest.mark.parametrize(("keep", "inside"), [(1, "save_state"), (3, "_link_or_save")])
def test_a_second_ctrl_c_inside_a_save_lets_the_epochs_checkpoint_finish(
    keep: int, inside: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.safetensors"
    real = getattr(checkpoints_module, inside)
    saving: list[int] = []

    def interrupted(*args: Any) -> None:
        if saving[-1] == 2:
            os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, as the save begins
        real(*args)

    def first(run: sd.train.Run, figures: Any) -> None:
        saving.append(run.epoch + 1)
        if run.epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(checkpoints_module, inside, interrupted)
    x, y = regression(16)
    h = fit(linear(3, 1), (x, y), epochs=5,
            callbacks=[LambdaCallback(on_epoch_end=first), Checkpoint(path, keep=keep)])  # fmt: skip
    assert h.interrupted and h.epochs == 2
    assert saved_epoch(path) == 2, "the epoch's checkpoint was cut short by the second Ctrl-C"
    assert [p.name for p in tmp_path.glob(".*")] == []


def test_an_interrupt_in_one_epoch_end_callback_does_not_skip_the_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.safetensors"

    def interrupt(run: sd.train.Run, figures: Any) -> None:
        if run.epoch == 1:
            raise KeyboardInterrupt  # as it comes off the main thread, or from user code

    x, y = regression(16)
    h = fit(linear(3, 1), (x, y), epochs=5,
            callbacks=[LambdaCallback(on_epoch_end=interrupt), Checkpoint(path)])  # fmt: skip
    assert h.interrupted and h.epochs == 2 and saved_epoch(path) == 2
