"""A training run for the resume test, run as a subprocess that may be killed mid-way.

    python resume_run.py CHECKPOINT OUT.npz [KILL_AT_EPOCH]

It trains with a checkpoint every epoch and `resume_from` the same file, so running it again
after a kill continues from the last checkpoint; the final weights go to OUT.npz.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import numpy as np

import shapedl as sd
from shapedl.train import Checkpoint, LambdaCallback

EPOCHS = 6


def train(
    checkpoint: str | None, kill_at_epoch: int | None = None, epochs: int = EPOCHS
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 2)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64) + (x[:, 0] > 0)
    sd.set_default_device(sd.Cpu(seed=0))
    model = sd.nn.Sequential(sd.nn.Linear(2, 8), sd.nn.ReLU(), sd.nn.Linear(8, 3))
    callbacks: list[Any] = [] if checkpoint is None else [Checkpoint(checkpoint)]
    if kill_at_epoch is not None:

        def kill(run: sd.train.Run, figures: Any) -> None:
            if run.epoch == kill_at_epoch and run.step == 1:
                os.kill(os.getpid(), signal.SIGKILL)  # a crash: no cleanup, no flush

        callbacks.append(LambdaCallback(on_step_end=kill))
    sd.train.fit(
        model,
        (x, y),
        loss=sd.losses.cross_entropy_with_logits_loss,
        optimizer=sd.optim.Adam(lr=0.01),
        epochs=epochs,
        batch_size=10,
        callbacks=callbacks,
        resume_from=checkpoint,
        progress=False,
    )
    return {name: t.numpy() for name, t in model.parameters().items()}


if __name__ == "__main__":
    kill = int(sys.argv[3]) if len(sys.argv) > 3 else None
    np.savez(sys.argv[2], **train(sys.argv[1], kill))  # type: ignore[arg-type]  # NOTE: numpy's stub
