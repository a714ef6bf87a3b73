"""Training as users write it: `fit` with a Keras-style callback (its `logs` a `dict`), a
generic loss and metric, halting, validation batches and a resume; then the loop by hand with
running figures, clipping, a changed rate and checkpoints of model and optimizer. A metric
named by its short name (`"acc"`, `"mae"`) is found in the history under that name too."""

# fmt: off
from __future__ import annotations

import os
import tempfile
from typing import Any, TypeVar

import numpy as np

import shapedl as sd
from shapedl import Dim, Tape, Tensor, f32, i64, nn
from shapedl.train import Callback, Checkpoint, LossBelow, Run, StepDecay, TimeBudget

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
TT = TypeVar("TT", bound=Tape)

rng = np.random.default_rng(1)
xs = rng.normal(size=(64, 8)).astype(np.float32)
ys = rng.integers(0, 3, size=64)


def smoothed(out: Tensor[tuple[B, C], f32, TT], y: Tensor[tuple[B], i64, Any]) -> Tensor[tuple[()], f32, TT]:
    return sd.losses.cross_entropy_with_logits_loss(out, y, label_smoothing=0.1)


def hits(out: Tensor[tuple[B, C], f32, Any], y: Tensor[tuple[B], i64, Any]) -> float:
    return float((out.argmax(axis=1) == y).float().mean().item())


# ---- 1. a callback with Keras's annotations ---------------------------------------------------
class LrLogger(Callback):
    def __init__(self) -> None:
        self.lrs: list[float] = []

    def on_step_end(self, run: Run, logs: dict[str, float]) -> None:
        self.lrs.append(run.optimizer.lr)

    def on_epoch_end(self, run: Run, logs: dict[str, float]) -> None:
        logs["lr"] = run.optimizer.lr
        if run.epoch == 0:
            run.optimizer.set_lr(run.optimizer.lr / 10)


model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
log = LrLogger()
folder = tempfile.mkdtemp()
ckpt = os.path.join(folder, "run.safetensors")
history = sd.train.fit(
    model, (xs, ys), loss=smoothed, optimizer=sd.optim.RMSprop(lr=1e-2),
    epochs=2, batch_size=16, metrics=[hits, "acc"],
    validation=sd.data.Batches(xs, ys, 32, shuffle=False),
    halt_when=LossBelow(0.01) | TimeBudget(60.0),
    callbacks=[log, Checkpoint(ckpt), StepDecay(every=1)], progress=False,
)
assert len(log.lrs) == 8 and history.epochs == 2 and len(history["val_hits"]) == 2
assert history["val_acc"] == history["val_accuracy"]  # Keras's habit: the name given
resumed = sd.train.fit(
    model, (xs, ys), loss=smoothed, optimizer=sd.optim.RMSprop(lr=1e-2), epochs=3,
    batch_size=16, callbacks=[Checkpoint(ckpt)], resume_from=ckpt, progress=False,
)
assert resumed.epochs == 3

# ---- 2. the loop by hand ----------------------------------------------------------------------
x = sd.from_numpy(xs).realize((64, 8), sd.f32)
y = sd.from_numpy(ys).realize((64,), sd.i64)
opt = sd.optim.Sgd(lr=0.1, momentum=0.9)
for _epoch in range(2):
    correct, seen, running = 0, 0, 0.0
    for xb, yb in sd.data.batches(x, y, 16):
        out = model(xb.traced())
        loss = smoothed(out, yb)
        grads = loss.backward()
        norm = sd.optim.clip_grad_norm(model, grads, max_norm=1.0)
        opt.update(model, grads)
        running += loss.item() * len(yb)
        correct += (out.argmax(axis=1) == yb).sum().item()
        seen += yb.shape[0]
    opt.set_lr(opt.lr * 0.5)
    assert seen == 64 and 0 <= correct <= seen and float(norm) >= 0.0



# NOTE: lengths of two symbols may be one at run time: `check_rows` tells only numbers apart
N = TypeVar("N", bound=Dim)
M = TypeVar("M", bound=Dim)


def batch_count(x: Tensor[tuple[N, Any]], y: Tensor[tuple[M], i64]) -> int:
    return len(sd.data.batches(x, y, 16))


assert batch_count(x, y) == 4 and len(sd.data.Batches(x, sd.from_numpy(ys), 32)) == 2

model.save(os.path.join(folder, "model.safetensors"))
opt.save(os.path.join(folder, "opt.safetensors"))
again = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
again.load(os.path.join(folder, "model.safetensors"))
again.load_state_dict(model.state_dict())
opt2 = sd.optim.Sgd(lr=0.1, momentum=0.9)
opt2.load_state_dict(opt.state_dict())
assert np.allclose(again(x).numpy(), model(x).numpy())
assert sum(p.numel() for p in model.parameters().values()) == 8 * 16 + 16 + 16 * 3 + 3
shapes = {name: p.shape for name, p in model.named_parameters()}
assert shapes["0.weight"] == (16, 8) and list(shapes) == list(model.parameters())
