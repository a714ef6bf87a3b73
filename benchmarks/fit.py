"""`sd.train.fit` against a hand-written PyTorch training loop: one epoch of the digits MLP.

The same data (scikit-learn's digits, 1347 training rows of 64 features), the same model
(Linear 64 -> 128, ReLU, Linear 128 -> 10), Adam at 1e-3, cross-entropy, and the same
batch size, shuffled every epoch on both sides. One call is one epoch, so the ratio is that
of wall time per epoch; `fit` pays for its batching, metrics and bookkeeping inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import shapedl as sd
from benchmarks import Bench


def _digits() -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_digits(return_X_y=True)
    x, _, y, _ = train_test_split(
        (images / 16.0).astype(np.float32), labels.astype(np.int64), test_size=0.25,
        random_state=0, stratify=labels,
    )  # fmt: skip
    return x, y


def _shapedl_epoch(x: np.ndarray, y: np.ndarray, batch: int, metrics: list[str]) -> Any:
    sd.set_default_device(sd.Cpu(seed=0))
    model = sd.nn.Sequential(sd.nn.Linear(64, 128), sd.nn.ReLU(), sd.nn.Linear(128, 10))
    opt = sd.optim.Adam(lr=1e-3)
    data = sd.data.Batches(x, y, batch)

    def epoch() -> Any:
        return sd.train.fit(
            model, data, loss=sd.losses.cross_entropy_with_logits_loss, optimizer=opt,
            epochs=1, metrics=metrics, progress=False,
        )  # fmt: skip

    return epoch


def _torch_epoch(x: np.ndarray, y: np.ndarray, batch: int, accuracy: bool) -> Any:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch() -> float:
        total = hits = 0.0
        order = torch.randperm(len(xt))
        xs, ys = xt[order], yt[order]
        for i in range(0, len(xs), batch):
            xb, yb = xs[i : i + batch], ys[i : i + batch]
            out = model(xb)
            loss = torch.nn.functional.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
            if accuracy:
                hits += (out.argmax(-1) == yb).sum().item()
        return total / len(xs)

    return epoch


def run(bench: Bench) -> None:
    x, y = _digits()
    for batch in (32, 128):
        bench.run(
            f"fit digits MLP, 1 epoch, batch {batch}",
            _shapedl_epoch(x, y, batch, []),
            _torch_epoch(x, y, batch, False),
        )
    bench.run(
        "fit digits MLP, 1 epoch, batch 32, accuracy",
        _shapedl_epoch(x, y, 32, ["accuracy"]),
        _torch_epoch(x, y, 32, True),
    )
