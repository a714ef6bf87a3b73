"""ops/products.py against PyTorch: prod (its gradient with zeros) and outer."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd


def _torch_prod(t, axis=None, keepdims=False):
    if axis is None:
        out = t.prod()
        return out.reshape((1,) * t.ndim) if keepdims else out
    for a in sorted((axis,) if isinstance(axis, int) else axis, reverse=True):
        t = t.prod(dim=a % t.ndim, keepdim=keepdims)
    return t


AXES = [{}, {"axis": 1}, {"axis": -1, "keepdims": True}, {"axis": (0, 2)}, {"keepdims": True}]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", AXES)
def test_prod_matches_torch(kwargs, dtype):
    a = (randn(2, 3, 4, dtype="float64") * 0.5 + 1).astype(dtype)
    compare(lambda x: x.prod(**kwargs), lambda t: _torch_prod(t, **kwargs), [a])
    compare(lambda x: sd.ops.prod(x, **kwargs), lambda t: _torch_prod(t, **kwargs), [a])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_prod_gradient_with_zeros_is_torchs(dtype):
    # NOTE: no zero, one zero (only it gets a gradient), two zeros (none), and inf with a zero
    a = np.array(
        [[2.0, 3.0, 4.0], [2.0, 0.0, 4.0], [0.0, 3.0, 0.0], [0.0, np.inf, 1.0]], dtype=dtype
    )
    compare(lambda x: x.prod(axis=1), lambda t: t.prod(dim=1), [a[:3]])
    compare(lambda x: x.prod(axis=0), lambda t: t.prod(dim=0), [a[:3]])
    compare(lambda x: x[1:2].prod(), lambda t: t[1:2].prod(), [a])


def test_prod_gradient_matches_central_differences():
    central_difference(lambda x: x.prod(axis=(0, 2)), [randn(2, 3, 2, dtype="float64")])


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_prod_of_integers_is_int64_as_torch(dtype):
    a = np.array([[1, 2, 3], [1, 1, 0]]).astype(dtype)
    compare(lambda x: x.prod(axis=1), lambda t: t.prod(dim=1), [a], grad=False)
    assert sd.from_numpy(a).prod().dtype is sd.i64


def test_prod_of_an_empty_axis_is_one_and_a_bad_axis_an_error():
    np.testing.assert_array_equal(sd.ones((2, 0)).prod(axis=1).numpy(), [1.0, 1.0])
    with pytest.raises(sd.ShapeError, match=r"^prod: .*axis 3"):
        sd.ones((2, 3)).prod(axis=3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_outer_matches_torch(dtype):
    a, b = randn(3, dtype=dtype, seed=1), randn(4, dtype=dtype, seed=2)
    compare(sd.ops.outer, torch.outer, [a, b])
    compare(lambda x, y: x.outer(y), torch.outer, [a, b])
    central_difference(sd.ops.outer, [a, b])


def test_outer_refuses_matrices_and_mixed_dtypes():
    with pytest.raises(
        sd.ShapeError, match=r"^outer: shapes \(2, 3\) and \(4,\): a must be 1-d, not 2-d; "
    ):
        sd.ops.outer(sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(sd.DTypeError, match=r"^outer: dtypes float32 and float64 differ"):
        sd.ops.outer(sd.ones((2,)), sd.ones((4,), dtype=sd.f64))
    with pytest.raises(RuntimeError):  # PyTorch refuses matrices too
        torch.outer(torch.ones(2, 3), torch.ones(4))
