"""A training step under `sd.graphed`, as users write it: decorated, with and without
arguments, and called as the step is; on the CPU each call runs eagerly."""

# fmt: off
from __future__ import annotations

from typing import Any

import numpy as np

import shapedl as sd
from shapedl import Const, Tensor, f32, i64, nn

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
opt = sd.optim.AdamW(lr=1e-2)


@sd.graphed
def step(x: Tensor[tuple[Const[4], Const[8]], f32, Any], y: Tensor[tuple[Const[4]], i64, Any]) -> Tensor[tuple[()], f32, Any]:
    loss = sd.losses.cross_entropy_with_logits_loss(model(x.traced()), y)
    opt.update(model, loss.backward())
    return loss


@sd.graphed(warmup=1)
def scaled(x: Tensor[tuple[Const[4], Const[8]], f32, Any], by: float) -> Tensor[tuple[Const[4], Const[8]], f32, Any]:
    return x * by


rng = np.random.default_rng(0)
x: Tensor[tuple[Const[4], Const[8]], f32, Any] = sd.tensor(rng.standard_normal((4, 8)).astype(np.float32))
y: Tensor[tuple[Const[4]], i64, Any] = sd.tensor(rng.integers(0, 3, 4))
losses = [step(x, y).item() for _ in range(3)]
assert losses[2] < losses[0]
assert scaled(x, 2.0).shape == (4, 8)
assert step.graphs == 0 and isinstance(step, sd.Graphed)
