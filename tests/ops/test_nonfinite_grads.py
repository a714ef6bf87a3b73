"""Gradients that reach an op as inf or nan leave it as PyTorch's do.

Where PyTorch's backward selects (ReLU, clamp, max pooling, a step function's zero), an
infinite or nan incoming gradient gives exactly 0 where the op passes nothing back; a product
with a 0/1 mask would give nan there (`inf * 0`), and one overflowing loss term would then
turn every dead unit's gradient into nan. Where PyTorch's backward multiplies (leaky ReLU, the
smooth activations, `abs`), nan is right, and these tests hold that too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import shapedl as sd
from shapedl.backend.base import Backend
from shapedl.backend.numpy import NumpyBackend

X = np.array([[-3.0, -1.0, -0.0, 0.0, 0.5, 1.0], [2.5, 7.0, 30.0, 2.5, -1.0, np.nan]], np.float32)
OTHER = np.array([[1.0, -1.0, 0.0, 0.0, 0.5, 2.0], [2.5, -7.0, 31.0, 1.0, np.inf, 0.0]], np.float32)


def _pair(name: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """shapedl's and PyTorch's op of one input (the other operands fixed)."""
    o_sd, o_t = sd.from_numpy(OTHER), torch.from_numpy(OTHER)
    image = (1, 2, 2, 3)
    pairs: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        # NOTE: PyTorch selects: 0 passes back where the op drops its input
        "relu": (sd.ops.relu, torch.relu),
        "clamp": (lambda t: sd.ops.clamp(t, -1.0, 2.0), lambda t: torch.clamp(t, -1.0, 2.0)),
        "clamp_min": (lambda t: sd.ops.clamp_min(t, 0.5), lambda t: torch.clamp_min(t, 0.5)),
        "clamp_max": (lambda t: sd.ops.clamp_max(t, 0.5), lambda t: torch.clamp_max(t, 0.5)),
        "hardtanh": (sd.ops.hardtanh, F.hardtanh),
        "hardswish": (sd.ops.hardswish, F.hardswish),
        "maximum": (lambda t: sd.ops.maximum(t, o_sd), lambda t: torch.maximum(t, o_t)),
        "maximum, right": (lambda t: sd.ops.maximum(o_sd, t), lambda t: torch.maximum(o_t, t)),
        "minimum": (lambda t: sd.ops.minimum(t, o_sd), lambda t: torch.minimum(t, o_t)),
        "minimum, right": (lambda t: sd.ops.minimum(o_sd, t), lambda t: torch.minimum(o_t, t)),
        "max_pool2d": (
            lambda t: sd.ops.max_pool2d(t.reshape(image), (1, 3)),
            lambda t: F.max_pool2d(t.reshape(image), (1, 3)),
        ),
        "max_pool2d, overlapping": (
            lambda t: sd.ops.max_pool2d(t.reshape(image), 2, stride=1),
            lambda t: F.max_pool2d(t.reshape(image), 2, stride=1),
        ),
        "floor": (sd.ops.floor, torch.floor),
        "ceil": (sd.ops.ceil, torch.ceil),
        "trunc": (sd.ops.trunc, torch.trunc),
        "round": (sd.ops.round, torch.round),
        "floor_divide": (lambda t: t // 2.0, lambda t: torch.div(t, 2.0, rounding_mode="floor")),
        # NOTE: PyTorch multiplies: nan is right
        "leaky_relu": (lambda t: sd.ops.leaky_relu(t, 0.1), lambda t: F.leaky_relu(t, 0.1)),
        "elu": (sd.ops.elu, F.elu),
        "abs": (sd.ops.abs, torch.abs),
        "softplus": (sd.ops.softplus, F.softplus),
        "where": (
            lambda t: sd.ops.where(sd.from_numpy(X > 0), t, o_sd),
            lambda t: torch.where(torch.from_numpy(X > 0), t, o_t),
        ),
    }
    return pairs[name]


NAMES = [
    "relu", "clamp", "clamp_min", "clamp_max", "hardtanh", "hardswish", "maximum",
    "maximum, right", "minimum", "minimum, right", "max_pool2d", "max_pool2d, overlapping",
    "floor", "ceil", "trunc", "round", "floor_divide", "leaky_relu", "elu", "abs", "softplus",
    "where",
]  # fmt: skip


@pytest.mark.parametrize("incoming", [np.inf, -np.inf, np.nan], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize("name", NAMES)
def test_a_nonfinite_incoming_gradient_as_pytorch(name: str, incoming: float) -> None:
    sd_fn, torch_fn = _pair(name)
    x = sd.from_numpy(X).traced()
    out = sd_fn(x)
    g = np.full(out.shape, incoming, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NOTE: inf * 0 in the product below
        got = (out * sd.from_numpy(g)).sum().backward()[x].numpy()
    tx = torch.from_numpy(X.copy()).requires_grad_()
    (torch_fn(tx) * torch.from_numpy(g)).sum().backward()
    assert tx.grad is not None
    np.testing.assert_array_equal(got, tx.grad.numpy(), err_msg=name)


class _Where(Backend):
    """The base class's `zero_unless` (through `where`, as on CuPy), on NumPy arrays."""

    xp = np


@pytest.mark.parametrize("backend", [NumpyBackend(), _Where()], ids=["numpy", "where"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_zero_unless_selects(backend: Backend, dtype: str) -> None:
    dt = NumpyBackend().dtype(dtype)
    rng = np.random.default_rng(0)
    g = rng.standard_normal((4, 6)).astype(dt)
    g[0, :4] = [np.inf, -np.inf, np.nan, -0.0]
    keep = rng.random((4, 6)) > 0.5
    keep[0, :3] = False
    want = np.where(keep, g, np.zeros((), dt))

    def same(a: Any) -> None:
        assert a.dtype == dt
        np.testing.assert_array_equal(a.astype(np.float64), want.astype(np.float64))

    same(backend.zero_unless(keep, g))
    same(backend.zero_unless(keep.T, g.T).T)  # NOTE: transposed, not contiguous
    out = np.full((4, 12), 7, dt)[:, ::2]  # NOTE: a strided view, written in place
    assert backend.zero_unless(keep, g, out=out) is out
    same(out)
    row = keep[:1]  # NOTE: broadcast over the rows
    np.testing.assert_array_equal(
        backend.zero_unless(row, g).astype(np.float64),
        np.where(row, g, np.zeros((), dt)).astype(np.float64),
    )
    for flag, value, expected in ((False, np.inf, 0.0), (True, 2.0, 2.0)):
        zero_d = backend.zero_unless(np.asarray(flag), np.asarray(value).astype(dt)[()])
        assert float(zero_d) == expected
