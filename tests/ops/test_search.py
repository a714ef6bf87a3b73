"""searchsorted and bucketize against PyTorch: both sides (`right`), ties, nan and infinities,
1-d and N-d sequences, empty ones, mixed dtypes; their errors and rules."""

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.search import bucketize_rule, searchsorted_rule

B, T, N = dims.sym("B"), dims.sym("T"), dims.sym("N")


def sorted_values(*shape: int, seed: int = 0, dtype: str = "float32") -> np.ndarray:
    """Sorted along the last axis, with ties (small integers)."""
    a = np.random.default_rng(seed).integers(-3, 4, shape).astype(dtype)
    return np.sort(a, axis=-1)


def values(*shape: int, seed: int = 1, dtype: str = "float32") -> np.ndarray:
    v = np.random.default_rng(seed).integers(-4, 5, shape).astype(dtype)
    if dtype.startswith("float") and v.size:
        v.reshape(-1)[::5] += 0.5  # NOTE: between the boundaries, and on them
    return v


CASES = [
    # sorted_sequence shape, values shape
    ((6,), (10,)),
    ((6,), (2, 3, 4)),
    ((6,), ()),
    ((3, 5), (3, 4)),
    ((2, 3, 5), (2, 3, 7)),
    ((1,), (4,)),
    ((0,), (3,)),
    ((2, 0), (2, 3)),
    ((7,), (0,)),
]


def _torch(fn, *arrays, **kw):
    return fn(*(torch.from_numpy(np.array(a)) for a in arrays), **kw).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("seq,vs", CASES)
def test_searchsorted_matches_torch(seq, vs, right, dtype):
    s, v = sorted_values(*seq, dtype=dtype), values(*vs, dtype=dtype)
    got = sd.ops.searchsorted(sd.from_numpy(s), sd.from_numpy(v), right=right)
    np.testing.assert_array_equal(got.numpy(), _torch(torch.searchsorted, s, v, right=right))
    assert got.dtype is sd.i64 and not got.is_traced and got.shape == v.shape


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("vs", [(10,), (2, 3, 4), (), (0, 2)])
def test_bucketize_matches_torch(vs, right):
    b, v = sorted_values(6), values(*vs)
    got = sd.ops.bucketize(sd.from_numpy(v), sd.from_numpy(b), right=right)
    np.testing.assert_array_equal(got.numpy(), _torch(torch.bucketize, v, b, right=right))
    assert got.dtype is sd.i64 and got.shape == v.shape


@pytest.mark.parametrize("right", [False, True])
def test_nan_and_infinities_land_where_torchs_do(right):
    s = np.array([-np.inf, -1.0, 0.0, 0.0, 2.0, np.inf, np.nan], "float32")
    v = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5.0], "float32")
    got = sd.ops.searchsorted(sd.from_numpy(s), sd.from_numpy(v), right=right)
    np.testing.assert_array_equal(got.numpy(), _torch(torch.searchsorted, s, v, right=right))
    got = sd.ops.bucketize(sd.from_numpy(v), sd.from_numpy(s), right=right)
    np.testing.assert_array_equal(got.numpy(), _torch(torch.bucketize, v, s, right=right))


def test_mixed_dtypes_compare_as_torchs_do():
    s, v = sorted_values(6, dtype="int64"), values(8, dtype="float64")
    got = sd.ops.searchsorted(sd.from_numpy(s), sd.from_numpy(v).astype(sd.f32))
    np.testing.assert_array_equal(got.numpy(), _torch(torch.searchsorted, s, v.astype("float32")))


def test_a_traced_value_gives_an_untraced_result():
    v = sd.from_numpy(values(4)).traced()
    assert not sd.ops.searchsorted(sd.from_numpy(sorted_values(6)), v).is_traced
    assert not sd.ops.bucketize(v, sd.from_numpy(sorted_values(6))).is_traced


def test_errors_name_op_and_shapes():
    cases = [
        (lambda: sd.ops.searchsorted(sd.ones(()), sd.ones((3,))),
         r"^searchsorted: shapes \(\) and \(3,\): sorted_sequence must have at least one axis"),
        (lambda: sd.ops.searchsorted(sd.ones((2, 5)), sd.ones((3, 4))),
         r"^searchsorted: shapes \(2, 5\) and \(3, 4\): an N-d sorted_sequence must have the "
         "values' axes but the last; a 1-d sorted_sequence serves values of any shape"),
        (lambda: sd.ops.searchsorted(sd.ones((2, 5)), sd.ones((4,))), "an N-d sorted_sequence"),
        (lambda: sd.ops.bucketize(sd.ones((3,)), sd.ones((2, 5))),
         r"^bucketize: shapes \(3,\) and \(2, 5\): boundaries must be 1-d, not 2-d; "
         "searchsorted takes one sequence per row"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(sd.ShapeError, match=message):
            call()


def test_rules_over_symbols_and_dyn():
    assert searchsorted_rule("searchsorted", (N,), (B, T)) == (B, T)
    assert searchsorted_rule("searchsorted", (B, N), (B, T), True) == (B, T)
    assert searchsorted_rule("searchsorted", (DYN, N), (B, T), DYN) == (B, T)
    with pytest.raises(sd.ShapeError, match="an N-d sorted_sequence"):
        searchsorted_rule("searchsorted", (B, N), (T, T))
    assert bucketize_rule("bucketize", (B, T), (N,), DYN) == (B, T)
    assert bucketize_rule("bucketize", (B, T), (DYN,)) == (B, T)
