"""A training run for the kill tests, run as a subprocess that may be killed inside a save.

    python kill_run.py FOLDER OUT.npz [OP N SIGNAL]

It trains with `Checkpoint(FOLDER/run.safetensors, keep=2, monitor="val_loss")` and
`resume_from` the same file, so running it again continues from the last checkpoint. With
`OP N SIGNAL`, the process sends itself SIGNAL as its N-th call of `os.OP` begins (a file
operation of a save: replace, link, fsync, unlink), or with OP `step` as step N of the run
(from 0) begins. The final weights and optimizer state go to OUT.npz; how `fit` ended (and
whether it put back the SIGTERM handler) goes to stdout.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

import shapedl as sd
from shapedl.train import Checkpoint

EPOCHS = 4


def killing(op: str, n: int, signum: int) -> None:
    real = getattr(os, op)
    calls = 0

    def call(*args: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            os.kill(os.getpid(), signum)
        return real(*args, **kw)

    setattr(os, op, call)


class SignalAtStep(sd.train.Callback):
    def __init__(self, n: int, signum: int) -> None:
        self.n, self.signum = n, signum

    def on_step_begin(self, run: sd.train.Run) -> None:
        if run.global_step == self.n:
            os.kill(os.getpid(), self.signum)


def train(folder: Path, callbacks: Any = ()) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64) + (x[:, 0] > 0)
    sd.set_default_device(sd.Cpu(seed=0))
    model = sd.nn.Sequential(sd.nn.Linear(2, 8), sd.nn.ReLU(), sd.nn.Dropout(0.2),
                             sd.nn.Linear(8, 3))  # fmt: skip
    opt = sd.optim.Adam(lr=0.01)
    path = folder / "run.safetensors"
    h = sd.train.fit(
        model, (x[:32], y[:32]), loss=sd.losses.cross_entropy_with_logits_loss, optimizer=opt,
        epochs=EPOCHS, batch_size=8, validation=(x[32:], y[32:]), resume_from=path,
        callbacks=[*callbacks, Checkpoint(path, keep=2, monitor="val_loss")], progress=False,
    )  # fmt: skip
    restored = signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    print(f"interrupted={h.interrupted} stopped_by={h.stopped_by} restored={restored}")
    out = {f"w.{k}": t.numpy() for k, t in model.state_dict().items()}
    out.update({f"o.{k}": np.asarray(v) for k, v in opt.state_dict().items()})
    return out


if __name__ == "__main__":
    at: Any = []
    if len(sys.argv) > 3:
        n, signum = int(sys.argv[4]), getattr(signal, sys.argv[5])
        if sys.argv[3] == "step":
            at = [SignalAtStep(n, signum)]
        else:
            killing(sys.argv[3], n, signum)
    np.savez(sys.argv[2], **train(Path(sys.argv[1]), at))  # type: ignore[arg-type]  # NOTE: numpy's stub
