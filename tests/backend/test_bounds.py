"""Index bounds are checked by the ops through the backend (`Backend.in_bounds`), so every
backend raises the CPU's error with the CPU's words.

CuPy's indexing wraps an index out of range around silently where NumPy's raises. The fake
backend here does the same on the CPU (its arrays wrap, as CuPy's do), and its `xp` refuses
Python scalars where CuPy's does, so these tests show that the op raises, not NumPy, and that
the ops stay backend-safe, without a GPU.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.backend.cupy import CupyBackend, cuda_available
from shapedl.backend.numpy import NumpyBackend

F = torch.nn.functional


# ---- a CuPy-like backend on the CPU ------------------------------------------------------
class Wrapping(np.ndarray):
    """An array whose integer-array indexing wraps an index out of range around, as CuPy's."""

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(_wrapped(self.shape, key))


def _wrapped(shape: tuple[int, ...], key: Any) -> Any:
    items = key if isinstance(key, tuple) else (key,)
    taken = [
        0 if i is None or i is Ellipsis else i.ndim if getattr(i, "dtype", "") == "bool" else 1
        for i in items
    ]
    out, axis = [], 0
    for item, n in zip(items, taken, strict=True):
        if isinstance(item, np.ndarray) and item.dtype.kind in "iu":
            item = np.mod(item, shape[axis]).view(np.ndarray)
        out.append(item)
        axis += len(shape) - sum(taken) if item is Ellipsis else n
    return tuple(out)


def _array_only(name: str) -> Any:
    """NumPy's `name`, refusing a Python scalar first argument as CuPy's functions do."""
    fn = getattr(np, name)

    def strict(x: Any, *args: Any, **kwargs: Any) -> Any:
        if type(x) in (bool, int, float):
            raise TypeError(f"CuPy-like {name}: unsupported type {type(x).__name__}")
        return fn(x, *args, **kwargs)

    return strict


def _cupy_like_xp() -> types.ModuleType:
    xp = types.ModuleType("cupy_like")
    xp.__dict__.update(np.__dict__)
    xp.where, xp.log, xp.exp = _array_only("where"), _array_only("log"), _array_only("exp")
    return xp


class CupyLike(NumpyBackend):
    """NumPy with CuPy's habits: wrapping indices, array-only functions; counts bounds checks."""

    name = "cupy-like"
    xp = _cupy_like_xp()

    def __init__(self) -> None:
        self.checks = 0

    def asarray(self, data: Any, dtype: str | None = None) -> Any:
        return np.asarray(data, dtype=dtype).view(Wrapping)

    def in_bounds(self, index: Any, low: int, high: int) -> bool:
        self.checks += 1
        return super().in_bounds(index, low, high)


def cupy_like() -> sd.Device:
    return sd.Device(CupyLike(), seed=0)


def test_the_fake_backend_wraps_as_cupy_does_so_the_tests_below_can_fail():
    x = sd.tensor([1.0, 2.0, 3.0], device=cupy_like())
    assert x.data[np.array([4])].tolist() == [2.0]  # NumPy itself would raise
    with pytest.raises(TypeError, match="CuPy-like where"):
        x.xp.where(True, 2, 1)


# ---- the same error on every backend ---------------------------------------------------
def _x(dev: sd.Device) -> Any:
    return sd.ones((3, 4, 5), device=dev)


def _i(values: Any, dev: sd.Device) -> Any:
    return sd.tensor(values, device=dev)


ERRORS = [
    (
        "getitem",
        lambda d: _x(d)[_i([0, 7], d)],
        sd.ShapeError,
        r"^getitem: shape \(3, 4, 5\): index 7 is out of bounds for axis 0 with size 3$",
    ),
    (
        "getitem after ... and None",
        lambda d: _x(d)[None, ..., _i([-6, 0], d)],
        sd.ShapeError,
        r"^getitem: shape \(3, 4, 5\): index -6 is out of bounds for axis 2 with size 5$",
    ),
    (
        "getitem after a mask",
        lambda d: _x(d)[sd.ones((3, 4), device=d) > 0, _i([5], d)],
        sd.ShapeError,
        r"index 5 is out of bounds for axis 2 with size 5$",
    ),
    (
        "gather",
        lambda d: _x(d).gather(_i([[[3]]], d), axis=0),
        sd.ShapeError,
        r"^gather: shapes \(3, 4, 5\) and \(1, 1, 1\): index 3 is out of bounds for axis 0 with",
    ),
    (
        "select",
        lambda d: _x(d).select(_i([0, -5], d), axis=1),
        sd.ShapeError,
        r"^select: shapes \(3, 4, 5\) and \(2,\): index -5 is out of bounds for axis 1 with",
    ),
    (
        "embedding",
        lambda d: sd.ops.embedding(_i([[0, 10]], d), sd.ones((10, 4), device=d)),
        IndexError,
        r"^embedding: index 10 is out of range for a vocabulary of 10 rows",
    ),
    (
        "cross entropy",
        lambda d: sd.losses.cross_entropy_with_logits_loss(_x(d)[:, :, 0], _i([0, 1, 5], d)),
        ValueError,
        r"class indices must be in \[0, 4\), got 0 to 5 \(ignore_index=-100 is the one value",
    ),
    (
        "nll",
        lambda d: sd.losses.nll_loss(_x(d)[:, :, 0], _i([-1, 1, 2], d)),
        ValueError,
        r"class indices must be in \[0, 4\), got -1 to 2 \(ignore_index=-100 is the one value",
    ),
    (
        "scatter_add",
        lambda d: sd.ops.scatter_add(
            sd.zeros((4, 3), device=d), 0, _i([[4, 0, 0]], d), sd.ones((1, 3), device=d)
        ),
        sd.ShapeError,
        r"index values 0..4 are out of range for axis 0 of size 4$",
    ),
    (
        "one_hot",
        lambda d: sd.ops.one_hot(_i([0, 3], d), 3),
        sd.ShapeError,
        r"index values 0..3 are not all in \[0, 3\)",
    ),
]


# NOTE: the default device is the CPU, or the GPU under `pytest --device cuda`
DEVICES = [sd.default_device, cupy_like]
DEVICE_IDS = ["default-device", "cupy-like"]


@pytest.mark.parametrize("make", DEVICES, ids=DEVICE_IDS)
@pytest.mark.parametrize("name,call,error,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_an_index_out_of_range_raises_the_same_error_on_every_backend(
    make, name, call, error, message
):
    dev = make()
    with pytest.raises(error, match=message):
        call(dev)
    if isinstance(dev.backend, CupyLike):
        assert dev.backend.checks >= 1, "the op did not ask the backend"


# ---- in range, the values are PyTorch's on the wrapping backend too -----------------------
def _both(values: np.ndarray, dev: sd.Device) -> tuple[Any, torch.Tensor]:
    return sd.from_numpy(values, device=dev), torch.from_numpy(values)


@pytest.mark.parametrize("make", DEVICES, ids=DEVICE_IDS)
def test_indices_in_range_negative_ones_included_give_torchs_values(make):
    dev = make()
    x, t = _both(np.arange(60, dtype=np.float32).reshape(3, 4, 5), dev)
    i, ti = _both(np.array([-1, 0, 2, -3]), dev)
    np.testing.assert_array_equal(x[i].numpy(), t[ti].numpy())
    np.testing.assert_array_equal(x[:, i].numpy(), t[:, ti].numpy())
    g, tg = _both(np.array([[[2, 0, 1, 0, 2]]]), dev)
    np.testing.assert_array_equal(x.gather(g, axis=0).numpy(), t.gather(0, tg).numpy())
    w, tw = _both(np.arange(12, dtype=np.float32).reshape(6, 2), dev)
    e, te = _both(np.array([[5, 0, 3]]), dev)
    np.testing.assert_array_equal(sd.ops.embedding(e, w).numpy(), F.embedding(te, tw).numpy())


@pytest.mark.parametrize("make", DEVICES, ids=DEVICE_IDS)
def test_an_empty_index_is_in_range(make):
    dev = make()
    x, t = _both(np.ones((3, 2), dtype=np.float32), dev)
    i, ti = _both(np.zeros((0,), dtype=np.int64), dev)
    np.testing.assert_array_equal(x[i].numpy(), t[ti].numpy())


@pytest.mark.parametrize("make", DEVICES, ids=DEVICE_IDS)
def test_rpow_gradient_is_backend_safe(make):
    dev = make()
    # NOTE: 2 ** t differentiates log(2) of a Python scalar, which CuPy's `log` refuses
    x, t = _both(np.array([0.5, -1.0, 2.0], dtype=np.float32), dev)
    grads = (2.0 ** x.traced()).sum().backward()
    (2.0 ** t.requires_grad_()).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), t.grad.numpy(), rtol=1e-6)


# ---- the backend method itself --------------------------------------------------------------
IN_BOUNDS = [
    (np.array([0, 2]), 0, 3, True),
    (np.array([0, 3]), 0, 3, False),
    (np.array([-3, 2]), -3, 3, True),
    (np.array([-4, 2]), -3, 3, False),
    (np.zeros((0, 2), dtype=np.int64), 0, 1, True),
    (np.array([[1], [0]], dtype=np.uint8), 0, 2, True),
    (np.array([2**63], dtype=np.uint64), -5, 5, False),
    (np.array([5], dtype=np.int32), 0, 0, False),
]


BACKENDS = [
    pytest.param(NumpyBackend, id="numpy"),
    pytest.param(
        CupyBackend,
        id="cupy",
        marks=pytest.mark.skipif(not cuda_available(), reason="CuPy or a GPU is missing"),
    ),
]


@pytest.mark.parametrize("make", BACKENDS)
@pytest.mark.parametrize("index,low,high,expected", IN_BOUNDS)
def test_in_bounds_of_each_backend(make, index, low, high, expected):
    backend = make()
    assert backend.in_bounds(backend.asarray(index), low, high) is expected
