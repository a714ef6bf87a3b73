"""Devices: `sd.Cuda`'s numerics option reaches CuPy (checked on the CPU with a stand-in CuPy
that records what it is told; the GPU's answers are checked where one is present)."""

from __future__ import annotations

import contextlib
import sys
import types

import numpy as np
import pytest

import shapedl as sd

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
