"""One training step (forward, cross-entropy, backward, Adam update) against PyTorch.

The same architecture in `sd.nn`/`sd.optim` and in `torch.nn`/`torch.optim`, on the same
random batch of 32: the digits MLP (64 -> 128 -> 10), and small CNNs (Conv2d, ReLU,
MaxPool2d, Flatten, Linear) on 8x8 digit-sized and 28x28 MNIST-sized images; then how the
ratio grows with the work: 3-layer MLPs (W -> W -> W -> 10) on batches of B, (B, W) from
(32, 128) to (2048, 2048), and issue 13's 256 x (784 -> 512 -> 512 -> 10).
Aim (issue 5): ratio <= 1.0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

import shapedl as sd
from benchmarks import Bench

BATCH = 32
# NOTE: (batch, inputs, width); the first four are batch x width as in issue 13's table
MLP_SIZES = ((32, 128, 128), (256, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
             (256, 784, 512))  # fmt: skip


def _batch(
    shape: tuple[int, ...], classes: int = 10, batch: int = BATCH
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *shape)).astype(np.float32)
    return x, rng.integers(0, classes, batch).astype(np.int64)


def _sd_step(model: Any, x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    opt = sd.optim.Adam(lr=1e-3)
    xs, ys = sd.from_numpy(x), sd.from_numpy(y)

    def step() -> Any:
        loss = sd.losses.cross_entropy_with_logits_loss(model(xs.traced()), ys)
        opt.update(model, loss.backward())
        return loss

    return step


def _torch_step(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> Any:
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step


def cnn(n: Any, channels: int, side: int, inputs: int = 1) -> Any:
    """The same CNN from `sd.nn` or `torch.nn`, whose layers take the same arguments."""
    return n.Sequential(
        n.Conv2d(inputs, channels, 3, padding=1),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Conv2d(channels, 2 * channels, 3, padding=1),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Flatten(),
        n.Linear(2 * channels * (side // 4) ** 2, 10),
    )


def _mlp(n: Any, inputs: int, width: int) -> Any:
    """The same 3-layer MLP (inputs -> W -> W -> 10) from `sd.nn` or `torch.nn`."""
    return n.Sequential(
        n.Linear(inputs, width), n.ReLU(), n.Linear(width, width), n.ReLU(), n.Linear(width, 10)
    )


def run(bench: Bench) -> None:
    sd.set_default_device(sd.Cpu(seed=0))
    torch.manual_seed(0)
    x, y = _batch((64,))
    bench.run(
        "train step digits MLP 64->128->10, batch 32",
        _sd_step(
            sd.nn.Sequential(sd.nn.Linear(64, 128), sd.nn.ReLU(), sd.nn.Linear(128, 10)), x, y
        ),
        _torch_step(
            torch.nn.Sequential(
                torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
            ),
            x,
            y,
        ),
    )
    for channels, side in ((16, 8), (8, 28)):
        x, y = _batch((1, side, side))
        bench.run(
            f"train step CNN {channels}/{2 * channels}ch on (32,1,{side},{side})",
            _sd_step(cnn(sd.nn, channels, side), x, y),
            _torch_step(cnn(torch.nn, channels, side), x, y),
        )
    for batch, inputs, width in MLP_SIZES:
        x, y = _batch((inputs,), batch=batch)
        bench.run(
            f"train step MLP {inputs}->{width}->{width}->10, batch {batch}",
            _sd_step(_mlp(sd.nn, inputs, width), x, y),
            _torch_step(_mlp(torch.nn, inputs, width), x, y),
        )
