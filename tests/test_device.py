"""Devices: `sd.Cuda`'s numerics option reaches CuPy (checked on the CPU with a stand-in CuPy
that records what it is told; the GPU's answers are checked where one is present)."""

from __future__ import annotations

import contextlib
import sys
import types

import numpy as np
import pytest

import shapedl as sd
from shapedl.backend.cupy import cuda_available

# CuPy's own numbers for its compute types (cupy/_core/_routines_linalg.pxd)
DEFAULT, TF32 = 1, 7


@pytest.fixture
def cupy_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """A stand-in `cupy` in `sys.modules`; the list of `set_compute_type` calls it receives."""
    calls: list[tuple[str, int]] = []
    linalg = types.ModuleType("cupy._core._routines_linalg")
    linalg.__dict__.update(
        COMPUTE_TYPE_DEFAULT=DEFAULT,
        COMPUTE_TYPE_TF32=TF32,
        set_compute_type=lambda dtype, mode: calls.append((np.dtype(dtype).name, mode)),
    )
    core = types.ModuleType("cupy._core")
    core.__dict__.update(_routines_linalg=linalg)
    cupy = types.ModuleType("cupy")
    cupy.__dict__.update(
        _core=core,
        cuda=types.SimpleNamespace(Device=lambda index: contextlib.nullcontext()),
        random=np.random,
    )
    for module in (cupy, core, linalg):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    return calls


def test_cuda_holds_float32_matrix_products_to_float32_by_default(cupy_calls):
    device = sd.Cuda(seed=0)
    assert device.allow_tf32 is False
    assert cupy_calls == [("float32", DEFAULT)]


def test_cuda_uses_tf32_only_when_asked(cupy_calls):
    device = sd.Cuda(seed=0, allow_tf32=True)
    assert device.allow_tf32 is True and device.backend.allow_tf32 is True
    assert cupy_calls == [("float32", TF32)]
    sd.Cuda(seed=0, allow_tf32=False)
    assert cupy_calls[-1] == ("float32", DEFAULT)


def test_the_numerics_option_does_not_make_another_device(cupy_calls):
    assert sd.Cuda(allow_tf32=True) == sd.Cuda(allow_tf32=False)


@pytest.mark.skipif(not cuda_available(), reason="CuPy or a GPU is missing")
def test_float32_products_on_the_gpu_are_float32_unless_tf32_is_allowed():
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((256, 1024)).astype(np.float32) for _ in range(2))
    want = a.astype(np.float64) @ b.T.astype(np.float64)

    def error(device: sd.Device) -> float:
        got = (sd.from_numpy(a, device=device) @ sd.from_numpy(b, device=device).T).numpy()
        return float(np.abs(got - want).max() / np.abs(want).max())

    try:
        assert error(sd.Cuda(allow_tf32=False)) < 1e-5
        tf32 = error(sd.Cuda(allow_tf32=True))
    finally:
        sd.Cuda(allow_tf32=False)  # NOTE: CuPy's mode is the process's: give fp32 back
    if int(sd.Cuda().xp.cuda.Device().compute_capability) >= 80:  # Ampere and later
        assert tf32 > 1e-4, "TF32 was asked for but the product is as exact as fp32"


def test_cpu_is_the_tensor_itself_on_a_cpu_as_in_torch():
    torch = pytest.importorskip("torch")
    x, t = sd.tensor([1.0, 2.0]).traced(), torch.tensor([1.0, 2.0], requires_grad=True)
    assert x.cpu() is x and t.cpu() is t
    np.testing.assert_array_equal(x.detach().cpu().numpy(), t.detach().cpu().numpy())


@pytest.mark.skipif(not cuda_available(), reason="CuPy or a GPU is missing")
def test_cpu_brings_a_gpu_tensor_back():
    x = sd.tensor([1.0, 2.0], device=sd.Cuda())
    back = x.cpu()
    assert isinstance(back.device, sd.Cpu) and back.tolist() == [1.0, 2.0]
