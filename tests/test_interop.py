"""The README's DLPack examples run, and share memory with PyTorch and NumPy (CPU)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from docblocks import section_block

import shapedl as sd

pytestmark = pytest.mark.cpu_only("NumPy and PyTorch share host memory with the CPU device")

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def readme_example() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(section_block(README, "## Interop", "python"), namespace)
    return namespace


def test_the_readme_example_gives_torch_and_numpy_the_same_values():
    ns = readme_example()
    x, t, w, y, a, z = (ns[k] for k in "xtwyaz")
    assert isinstance(t, torch.Tensor) and isinstance(y, sd.Tensor)
    np.testing.assert_array_equal(t.numpy(), x.numpy())
    np.testing.assert_array_equal(y.numpy(), w.numpy())
    assert y.dtype is sd.f32 and str(t.dtype) == "torch.float32"
    np.testing.assert_array_equal(a, x.numpy())
    np.testing.assert_array_equal(z.numpy(), t.numpy())


def test_the_readme_example_copies_nothing_on_the_cpu():
    ns = readme_example()
    x, t, w, y, a = (ns[k] for k in "xtwya")
    assert t.data_ptr() == x.data.ctypes.data
    assert y.data.ctypes.data == w.data_ptr()
    assert np.shares_memory(a, x.data)
    before = x.numpy().copy()
    t.mul_(2)  # in place on PyTorch's side shows on shapedl's
    np.testing.assert_array_equal(x.numpy(), before * 2)
    w.add_(1)
    np.testing.assert_array_equal(y.numpy(), torch.arange(6.0).reshape(2, 3).add(1).numpy())


def test_values_from_torch_compute_like_torch():
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    y = sd.from_numpy(np.from_dlpack(w))
    out = torch.from_dlpack((y @ y.T).softmax(axis=-1))
    torch.testing.assert_close(out, (w @ w.T).softmax(dim=-1))


def test_a_traced_tensor_hands_over_its_values():
    x = sd.randn((2, 3)).traced()
    t = torch.from_dlpack(x)
    assert not t.requires_grad
    np.testing.assert_array_equal(t.numpy(), x.numpy())
