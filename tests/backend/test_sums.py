"""`backend/sums.py`'s matrix-vector path (CUDA's) on the CPU, against PyTorch.

No GPU here: the path runs on a stand-in array module, NumPy's names under another
`__name__`, whose `matmul` records its operands (so a test sees whether the path was taken
and which vector of ones it used). On CUDA, `pytest --device cuda` runs the same sums through
CuPy in every op test of tests/ops and tests/nn.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from shapedl.backend.sums import sum_leading

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
    got = sum_leading(xp, a, lead)
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
    got = sum_leading(xp, a, 1)
    np.testing.assert_array_equal(got, _want(a, 1))
    assert got.dtype == a.sum(axis=0).dtype
    assert xp.calls == []


def test_numpy_keeps_its_own_sum():
    xp = _module("numpy")
    a = np.random.default_rng(0).standard_normal((64, 32, 16)).astype("float32")
    np.testing.assert_array_equal(sum_leading(xp, a, 2), a.sum(axis=(0, 1)))
    assert xp.calls == []
    assert sum_leading(xp, a, 0) is a


def test_the_vector_of_ones_is_made_once_per_size_and_dtype():
    xp = _module()
    a = np.ones((4, 3), dtype="float32")
    for b in (a, a + 1, a.astype("float64"), np.ones((5, 3), dtype="float32")):
        sum_leading(xp, b, 1)
    first, again, f64, five = (ones for ones, _ in xp.calls)
    assert again is first
    assert f64 is not first and f64.dtype == np.float64
    assert five is not first and five.shape == (5,)
    other = _module()  # another array module (another CuPy) makes its own
    sum_leading(other, a, 1)
    assert other.calls[0][0] is not first
