"""ops/predicates.py against PyTorch: isnan, isinf, isfinite, nan_to_num, count_nonzero."""

import numpy as np
import pytest
import torch
from harness import compare

import shapedl as sd

VALUES = np.array([[0.0, -0.0, 1.5, np.nan], [np.inf, -np.inf, -2.0, 3e38]])
TESTS = [("isnan", torch.isnan), ("isinf", torch.isinf), ("isfinite", torch.isfinite)]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("name,top", TESTS, ids=[t[0] for t in TESTS])
def test_tests_are_boolean_untraced_and_match_torch(name, top, dtype):
    with np.errstate(invalid="ignore", over="ignore"):
        a = VALUES.astype(dtype) if dtype not in ("int64", "bool") else np.array([[0, 1, -3]])
    a = a.astype(dtype)
    x = sd.from_numpy(a)
    for out in (
        getattr(sd.ops, name)(x.traced() if dtype.startswith("f") else x),
        getattr(x, name)(),
    ):
        assert out.dtype is sd.bool_ and out.tape is None
        np.testing.assert_array_equal(out.numpy(), top(torch.from_numpy(a)).numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"nan": 1.0}, {"posinf": 9.0}, {"nan": -1.0, "posinf": 5.0, "neginf": -5.0}]
)
def test_nan_to_num_matches_torch_gradient_included(kwargs, dtype):
    # NOTE: PyTorch's gradient is 0 where a value was replaced, passed through elsewhere
    compare(
        lambda x: sd.ops.nan_to_num(x, **kwargs),
        lambda t: torch.nan_to_num(t, **kwargs),
        [VALUES.astype(dtype)],
    )
    compare(
        lambda x: x.nan_to_num(**kwargs), lambda t: t.nan_to_num(**kwargs), [VALUES.astype(dtype)]
    )


def test_nan_to_num_keeps_integers():
    a = np.array([3, -1, 0])
    compare(sd.ops.nan_to_num, torch.nan_to_num, [a], grad=False)


COUNTS = [{}, {"axis": 0}, {"axis": 1}, {"axis": (0, 1)}, {"axis": -1, "keepdims": True}]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("kwargs", COUNTS)
def test_count_nonzero_matches_torch(kwargs, dtype):
    a = np.array([[0.0, 1.0, -0.0], [np.nan, 2.0, 0.0]])
    a = (a if dtype == "float32" else np.nan_to_num(a, nan=3.0)).astype(dtype)
    out = sd.ops.count_nonzero(
        sd.from_numpy(a).traced() if dtype == "float32" else sd.from_numpy(a), **kwargs
    )
    dim = kwargs.get("axis")
    want = torch.count_nonzero(torch.from_numpy(a), dim=dim)
    if kwargs.get("keepdims"):
        want = want.unsqueeze(dim)
    assert out.dtype is sd.i64 and out.tape is None
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    assert out.shape == tuple(want.shape)
    np.testing.assert_array_equal(sd.from_numpy(a).count_nonzero(**kwargs).numpy(), want.numpy())


def test_count_nonzero_refuses_an_axis_out_of_range():
    with pytest.raises(sd.ShapeError, match=r"^count_nonzero: .*axis 2"):
        sd.ops.count_nonzero(sd.ones((2, 3)), axis=2)
