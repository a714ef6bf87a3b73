"""The core against PyTorch: per-op overhead, a big matmul, and an MLP written with raw ops.

Each case is forward + backward with the same work on both sides: every input takes part
with a gradient (in shapedl `grads[t]` exists for every tensor that took part; in PyTorch
every tensor `requires_grad`). Aims (issue 2): ratio <= 2.0 on the tiny op (pure Python
overhead: tape, node, shape rule), <= 1.0 on the matmul and the MLP (BLAS does the work).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import shapedl as sd
from benchmarks import Bench


def _arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [(rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32) for s in shapes]


def _torch(arrays: list[np.ndarray]) -> list[torch.Tensor]:
    return [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]


def _torch_step(ts: list[torch.Tensor], loss: Any) -> Any:
    def step() -> None:
        for t in ts:
            t.grad = None
        loss(*ts).backward()

    return step


def _mlp_sd(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, w3: Any, b3: Any) -> Any:
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    out = h @ w3 + b3
    return (out * out).mean()


def _mlp_torch(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, w3: Any, b3: Any) -> Any:
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    out = h @ w3 + b3
    return (out * out).mean()


def _case(bench: Bench, name: str, arrays: list[np.ndarray], loss: Any, tloss: Any) -> None:
    xs = [sd.from_numpy(a) for a in arrays]
    ts = _torch(arrays)
    grads = loss(xs[0].traced(), *xs[1:]).backward()
    tloss(*ts).backward()
    for x, t in zip(xs, ts, strict=True):  # NOTE: the same numbers, so the same work
        np.testing.assert_allclose(grads[x].numpy(), t.grad.numpy(), rtol=2e-3, atol=1e-5)
    bench.run(name, lambda: _sd_step(xs, loss), _torch_step(ts, tloss))


def _sd_step(xs: list[Any], loss: Any) -> list[Any]:
    grads = loss(xs[0].traced(), *xs[1:]).backward()
    return [grads[x] for x in xs]  # NOTE: the traced input's gradient is computed when read


def run(bench: Bench) -> None:
    _case(
        bench,
        "tiny (x*y).sum() fwd+bwd, 10 values",
        _arrays((10,), (10,)),
        lambda x, y: (x * y).sum(),
        lambda x, y: (x * y).sum(),
    )
    _case(
        bench,
        "matmul 1024x1024 fwd+bwd",
        _arrays((1024, 1024), (1024, 1024)),
        lambda a, b: (a @ b).sum(),
        lambda a, b: (a @ b).sum(),
    )
    _case(
        bench,
        "MLP 256x784->512->512->10 raw ops fwd+bwd",
        _arrays((256, 784), (784, 512), (512,), (512, 512), (512,), (512, 10), (10,)),
        _mlp_sd,
        _mlp_torch,
    )
