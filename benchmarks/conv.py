"""Convolution and pooling against PyTorch.

dfdx's published benchmark (input (64, 4, 28, 28), Conv2D(4 -> 8, kernel 4)), a ResNet-sized
3x3 convolution with padding 1 on (32, 64, 56, 56), and a 2x2 max pool of that size; each
forward (untraced) and forward + backward (traced input, loss `sum`, gradients of input,
weight and bias).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

import shapedl as sd
from benchmarks import Bench


def _arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _pair(
    bench: Bench,
    name: str,
    arrays: list[np.ndarray],
    sd_op: Callable[..., Any],
    torch_op: Callable[..., Any],
) -> None:
    """Forward, then forward + backward of the same op on the same arrays."""
    xs = [sd.from_numpy(a) for a in arrays]
    ts = [torch.from_numpy(a) for a in arrays]
    np.testing.assert_allclose(sd_op(*xs).numpy(), torch_op(*ts).numpy(), rtol=1e-3, atol=1e-3)
    bench.run(f"{name} forward", lambda: sd_op(*xs), lambda: torch_op(*ts))

    def sd_both() -> Any:
        grads = sd_op(xs[0].traced(), *xs[1:]).sum().backward()
        return grads[xs[0]]  # NOTE: a traced input's gradient is computed when read, as torch's

    tg = [t.clone().requires_grad_() for t in ts]

    def torch_both() -> None:
        for t in tg:
            t.grad = None
        torch_op(*tg).sum().backward()

    bench.run(f"{name} forward+backward", sd_both, torch_both)


def run(bench: Bench) -> None:
    _pair(
        bench,
        "conv2d dfdx (64,4,28,28) 4->8 k4",
        _arrays((64, 4, 28, 28), (8, 4, 4, 4), (8,)),
        sd.ops.conv2d,
        F.conv2d,
    )
    _pair(
        bench,
        "conv2d (32,64,56,56) 64->64 k3 p1",
        _arrays((32, 64, 56, 56), (64, 64, 3, 3), (64,)),
        lambda x, w, b: sd.ops.conv2d(x, w, b, padding=1),
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
    )
    _pair(
        bench,
        "max_pool2d (32,64,56,56) 2x2",
        _arrays((32, 64, 56, 56)),
        lambda x: sd.ops.max_pool2d(x, 2),
        lambda x: F.max_pool2d(x, 2),
    )
