"""`nn.LSTM` against `torch.nn.LSTM(batch_first=True)` with the same weights: a batch of 32
sequences of 50 steps, 64 -> 128, one layer; forward (untraced) and forward + backward
(traced input, loss `sum` of the outputs, gradients of the input and every weight).

shapedl runs a layer's steps as one op with its own backward (`ops/recurrent.py`), a
Python loop of NumPy calls; PyTorch's CPU LSTM is one fused kernel per step."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import shapedl as sd
from benchmarks import Bench

B, T, IN, H = 32, 50, 64, 128


def run(bench: Bench) -> None:
    x = np.random.default_rng(0).standard_normal((B, T, IN)).astype(np.float32)
    tmod = torch.nn.LSTM(IN, H, batch_first=True)
    lstm = sd.nn.LSTM(IN, H)
    lstm.load_state_dict({k: v.detach().numpy() for k, v in tmod.state_dict().items()})
    xs, tx = sd.from_numpy(x), torch.from_numpy(x)
    with torch.no_grad():
        want = tmod(tx)[0].numpy()
    np.testing.assert_allclose(lstm(xs)[0].numpy(), want, rtol=1e-3, atol=1e-4)
    name = f"LSTM ({B},{T},{IN})->{H}"

    def torch_forward() -> Any:
        with torch.no_grad():
            return tmod(tx)

    bench.run(f"{name} forward", lambda: lstm(xs), torch_forward)
    tg = tx.clone().requires_grad_()

    def torch_both() -> None:
        tg.grad = None
        tmod.zero_grad()
        tmod(tg)[0].sum().backward()

    def sd_both() -> Any:
        grads = lstm(xs.traced())[0].sum().backward()
        return grads[xs]  # NOTE: a traced input's gradient is computed when read, as torch's

    bench.run(f"{name} forward+backward", sd_both, torch_both)
