"""`backend/sums.py`'s matrix-vector path (CUDA's) on the CPU, against PyTorch.

No GPU here: the path runs on a stand-in array module, NumPy's names under another
`__name__`, whose `matmul` records its operands (so a test sees whether the path was taken
and which vector of ones it used); layer norm's fused path also takes test_kernels' stand-in
for CuPy's kernels. On CUDA, `pytest --device cuda` runs the same sums through
CuPy in every op test of tests/ops and tests/nn.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.backend import kernels
from shapedl.backend.numpy import NumpyBackend
from shapedl.backend.sums import sum_leading
from tests.backend.test_kernels import StandIn
from tests.nn.helpers import check_module

pytestmark = pytest.mark.cpu_only("the stand-in for CuPy is NumPy")

RTOL = {"float32": 1e-5, "float64": 1e-12}


def _module(name: str = "standin") -> types.SimpleNamespace:
    """NumPy's names under `name`, with a `matmul` that records its operands in `.calls`."""
    calls: list[tuple[np.ndarray, np.ndarray]] = []

    def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        calls.append((a, b))
        return np.matmul(a, b)

    # NOTE: `random` and `linalg` are loaded by NumPy's module `__getattr__`, not in `vars`
    names = {**vars(np), "random": np.random, "linalg": np.linalg}
    return types.SimpleNamespace(**{**names, "__name__": name, "matmul": matmul, "calls": calls})


def _want(a: np.ndarray, lead: int) -> np.ndarray:
    return torch.sum(torch.from_numpy(a.copy()), dim=tuple(range(lead))).numpy()


# shape, lead
SHAPES = [
    ((6, 5), 1),
    ((3, 4, 5), 2),
    ((3, 4, 5), 1),
    ((2, 3, 4), 3),  # every axis: a scalar
    ((1, 5), 1),  # M = 1: nothing to sum, `.sum`
    ((7, 1), 1),  # N = 1
    ((300, 17), 1),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,lead", SHAPES, ids=str)
def test_leading_sums_by_matrix_vector_product_match_torch(shape, lead, dtype):
    xp = _module()
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    got = sum_leading(_StandIn(xp), a, lead)
    want = _want(a, lead)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=0)
    m = int(np.prod(shape[:lead]))
    assert [ones.shape for ones, _ in xp.calls] == ([(m,)] if m > 1 else [])


FALLBACKS = {
    "transposed": np.arange(12.0).reshape(3, 4).T,
    "sliced": np.arange(24.0, dtype="float32").reshape(4, 6)[:, ::2],
    "broadcast": np.broadcast_to(np.arange(4.0), (5, 4)),
    "float16": np.arange(12.0, dtype="float16").reshape(3, 4),
    "int64": np.arange(12).reshape(3, 4),
}


@pytest.mark.parametrize("name", FALLBACKS)
def test_other_layouts_and_dtypes_fall_back_to_sum(name):
    xp, a = _module(), FALLBACKS[name]
    got = sum_leading(_StandIn(xp), a, 1)
    np.testing.assert_array_equal(got, _want(a, 1))
    assert got.dtype == a.sum(axis=0).dtype
    assert xp.calls == []


def test_numpy_keeps_its_own_sum():
    xp = _module("numpy")
    a = np.random.default_rng(0).standard_normal((64, 32, 16)).astype("float32")
    np.testing.assert_array_equal(sum_leading(_StandIn(xp), a, 2), a.sum(axis=(0, 1)))
    assert xp.calls == []
    assert sum_leading(_StandIn(xp), a, 0) is a


def test_the_vector_of_ones_is_made_once_per_size_and_dtype():
    xp = _module()
    a = np.ones((4, 3), dtype="float32")
    for b in (a, a + 1, a.astype("float64"), np.ones((5, 3), dtype="float32")):
        sum_leading(_StandIn(xp), b, 1)
    first, again, f64, five = (ones for ones, _ in xp.calls)
    assert again is first
    assert f64 is not first and f64.dtype == np.float64
    assert five is not first and five.shape == (5,)
    other = _module()  # another array module (another CuPy) makes its own
    sum_leading(_StandIn(other), a, 1)
    assert other.calls[0][0] is not first


class _StandIn(NumpyBackend):
    """The CPU backend with a stand-in array module as its `xp` (a new one by default)."""

    name = "standin"

    def __init__(self, xp: types.SimpleNamespace | None = None) -> None:
        self.xp = _module() if xp is None else xp


@pytest.fixture
def standin():
    """The stand-in backend's device as the default device of the test."""
    before, dev = sd.default_device(), sd.Device(_StandIn(), seed=0)
    sd.set_default_device(dev)
    yield dev
    sd.set_default_device(before)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_bias_gradient_over_batch_and_time_matches_torch(standin, dtype):
    b, t, d, out = 3, 5, 4, 6
    layer, tlayer = sd.nn.Linear(d, out), torch.nn.Linear(d, out)
    if dtype == "float64":
        layer, tlayer = layer.double(), tlayer.double()
    x = np.random.default_rng(1).standard_normal((b, t, d)).astype(dtype)
    check_module(layer, tlayer, [x], rtol=RTOL[dtype], atol=RTOL[dtype])
    assert ((b * t,), (b * t, out)) in [(o.shape, g.shape) for o, g in standin.xp.calls]


# the bias's shape against a (2, 3, 4) input: added axes only (the matrix-vector path), or
# stretched size-1 axes as well (`.sum` with keepdims)
BIASES = [(4,), (3, 4), (1, 4), (1, 1, 4), (3, 1), (2, 1, 1)]


@pytest.mark.parametrize("shape", BIASES, ids=str)
def test_broadcast_gradients_sum_back_to_the_operands_shape_like_torch(standin, shape):
    rng = np.random.default_rng(2)
    x, bias, w = (rng.standard_normal(s) for s in ((2, 3, 4), shape, (2, 3, 4)))
    tb = torch.from_numpy(bias).requires_grad_()
    ((torch.from_numpy(x) + tb) * torch.from_numpy(w)).sum().backward()
    sb = sd.from_numpy(bias)
    grads = ((sd.from_numpy(x).traced() + sb) * sd.from_numpy(w)).sum().backward()
    assert grads[sb].shape == shape
    np.testing.assert_allclose(grads[sb].numpy(), tb.grad.numpy(), rtol=1e-12)


def test_rms_norm_weight_gradient_matches_torch(standin):
    x = np.random.default_rng(3).standard_normal((3, 5, 8))
    layer, tlayer = sd.nn.RMSNorm(8).double(), torch.nn.RMSNorm(8).double()
    check_module(layer, tlayer, [x], rtol=1e-12, atol=1e-12)
    assert ((15,), (15, 8)) in [(o.shape, g.shape) for o, g in standin.xp.calls]


# NOTE: one module for the whole run, never freed: `kernels.get` remembers by `id(xp)` whether
# a module has kernels, and a freed module's id may come back as another's
_FUSED = _module()
_FUSED.ElementwiseKernel = StandIn


@pytest.fixture
def fused():
    """A device whose array module has test_kernels' stand-in for CuPy's kernels."""
    kernels._KERNELS.clear()
    _FUSED.calls.clear()
    yield sd.Device(_StandIn(_FUSED), seed=0)
    kernels._KERNELS.clear()


def test_fused_layer_norm_weight_and_bias_gradients_match_torch(fused):
    rng = np.random.default_rng(4)
    x, w, b, r = (rng.standard_normal(s).astype("float32") for s in ((2, 3, 8), 8, 8, (2, 3, 8)))
    sw, sb = sd.from_numpy(w, device=fused), sd.from_numpy(b, device=fused)
    out = sd.ops.layer_norm(sd.from_numpy(x, device=fused).traced(), (8,), sw, sb)
    grads = (out * sd.from_numpy(r, device=fused)).sum().backward()
    tw, tb = torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_()
    tout = torch.nn.functional.layer_norm(torch.from_numpy(x), (8,), tw, tb)
    (tout * torch.from_numpy(r)).sum().backward()
    for got, want in ((grads[sw], tw.grad), (grads[sb], tb.grad)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-6)
    sums = [(o.shape, g.shape) for o, g in _FUSED.calls if o.ndim == 1]
    assert sums == [((6,), (6, 8))] * 2
