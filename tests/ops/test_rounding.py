"""The step functions of ops/rounding.py against PyTorch: values, zero gradients, dtypes.

(`//` and `%` are tested with the other binary ops, in test_elementwise.py.)
"""

import numpy as np
import pytest
import torch
from harness import compare, randn

import shapedl as sd
from shapedl.backend.numpy import NumpyBackend

STEPS = [
    ("floor", sd.ops.floor, torch.floor),
    ("ceil", sd.ops.ceil, torch.ceil),
    ("trunc", sd.ops.trunc, torch.trunc),
    ("round", sd.ops.round, torch.round),
    ("sign", sd.ops.sign, torch.sign),
]
IDS = [s[0] for s in STEPS]
# halves (round half to even), integers (the jumps, where PyTorch's gradient is 0 too),
# signed zeros and infinities
EDGES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1.0, -1.0, 0.0, -0.0, 0.49, np.inf, -np.inf])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top", STEPS, ids=IDS)
def test_steps_match_torch_with_zero_gradients(name, op, top, dtype):
    compare(op, top, [randn(3, 4, dtype=dtype) * 3])
    compare(op, top, [EDGES.astype(dtype)])


@pytest.mark.parametrize("name,op,top", STEPS, ids=IDS)
def test_methods_are_the_ops(name, op, top):
    x = sd.from_numpy(EDGES)
    np.testing.assert_array_equal(getattr(x, name)().numpy(), op(x).numpy())


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("name,op,top", STEPS, ids=IDS)
def test_integers_keep_dtype_and_values_like_torch(name, op, top, dtype):
    compare(op, top, [np.array([-3, 0, 2, 7], dtype=dtype)], grad=False)
    assert op(sd.from_numpy(np.array([1], dtype=dtype))).numpy().dtype == dtype


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("decimals", [1, 2, -1])
def test_round_to_decimals_like_torch(decimals, dtype):
    a = np.array([1.25, 1.35, -2.675, 123.456, 15.0, 25.0]).astype(dtype)
    compare(
        lambda x: x.round(decimals), lambda t: torch.round(t, decimals=decimals), [a], atol=1e-6
    )


def test_sign_of_nan_is_nan_as_numpy():
    # NOTE: PyTorch's sign(nan) is 0; NumPy's is nan, whose meaning wins where they differ
    out = sd.ops.sign(sd.tensor([np.nan, -0.0]))
    np.testing.assert_array_equal(out.numpy(), np.sign(np.array([np.nan, -0.0], "float32")))
    assert np.isnan(out.numpy()[0])


@pytest.mark.parametrize("name,op,top", STEPS, ids=IDS)
def test_booleans_are_refused(name, op, top):
    with pytest.raises(TypeError, match=rf"^{name}: x must be a number tensor, not bool"):
        op(sd.tensor([True, False]))


class _Other(NumpyBackend):
    """NumPy under another name: the path of `//` and `%` on a backend whose operators are
    not NumPy's (CuPy's differ at infinities and zeros), computed by NumPy's algorithm."""

    name = "other"


SPECIAL = [0.0, -0.0, 1.0, -1.0, 7.0, -7.0, 2.5, -88.8, 0.1, 1e30, 3.4e38, np.inf, -np.inf, np.nan]


@pytest.mark.cpu_only("the other backend is NumPy")
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_floor_division_and_remainder_by_numpys_algorithm_match_torch(dtype):
    dev = sd.Device(_Other(), seed=0)
    pairs = np.array([(a, b) for a in SPECIAL for b in SPECIAL]).T
    with np.errstate(all="ignore"):
        a, b = pairs.astype(dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    x, y = sd.from_numpy(a, device=dev), sd.from_numpy(b, device=dev)
    quotients = [(x // y, torch.floor_divide(ta, tb)), (x // 2.5, torch.floor_divide(ta, 2.5))]
    remainders = [
        (x % y, torch.remainder(ta, tb)),
        (-7.0 % y, torch.remainder(torch.tensor(-7.0, dtype=ta.dtype), tb)),
    ]
    for i, (got, want) in enumerate(quotients + remainders):
        got, want = got.numpy(), want.numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        if i < len(quotients):  # NOTE: a zero remainder's sign is NumPy's (the divisor's)
            real = ~np.isnan(want)
            np.testing.assert_array_equal(np.signbit(got[real]), np.signbit(want[real]))
