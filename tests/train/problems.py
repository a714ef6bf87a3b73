"""Small training problems shared by the training tests: fast, seeded, known answers."""

from __future__ import annotations

from typing import Any

import numpy as np

import shapedl as sd


def regression(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`y = x @ w + 0.5` plus a little noise, `x` of shape (n, 3), `y` of shape (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    w = np.array([[1.5], [-2.0], [0.5]], dtype=np.float32)
    y = x @ w + 0.5 + 0.01 * rng.standard_normal((n, 1)).astype(np.float32)
    return x, y.astype(np.float32)


def blobs(n: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian blobs in 2-d: `x` (n, 2) f32, labels (n,) i64."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]], dtype=np.float32)
    x = centres[labels] + 0.6 * rng.standard_normal((n, 2)).astype(np.float32)
    return x.astype(np.float32), labels.astype(np.int64)


def linear(n_in: int, n_out: int, seed: int = 0) -> Any:
    """A `Linear` built on a freshly seeded default device (same seed, same weights)."""
    sd.set_default_device(sd.Cpu(seed=seed))
    return sd.nn.Linear(n_in, n_out)


mse = sd.losses.mse_loss
cross_entropy = sd.losses.cross_entropy_with_logits_loss


def weights(model: Any) -> dict[str, np.ndarray]:
    return {name: t.numpy().copy() for name, t in model.parameters().items()}
