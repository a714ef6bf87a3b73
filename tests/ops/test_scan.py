"""cumsum and cumprod against PyTorch (values and gradients, f32 and f64), their errors, and
their rules over symbols and `DYN` options."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.scan import scan_rule

B, T = dims.sym("B"), dims.sym("T")

CASES = [
    ("cumsum_0", (4, 3), lambda x: sd.ops.cumsum(x, 0), lambda t: torch.cumsum(t, 0)),
    ("cumsum_-1", (2, 3, 4), lambda x: sd.ops.cumsum(x, -1), lambda t: torch.cumsum(t, -1)),
    ("cumsum_flat", (2, 3), lambda x: sd.ops.cumsum(x), lambda t: torch.cumsum(t.flatten(), 0)),
    ("cumsum_0d", (), lambda x: sd.ops.cumsum(x), lambda t: torch.cumsum(t.flatten(), 0)),
    ("cumprod_0", (4, 3), lambda x: sd.ops.cumprod(x, 0), lambda t: torch.cumprod(t, 0)),
    ("cumprod_1", (2, 5, 3), lambda x: sd.ops.cumprod(x, 1), lambda t: torch.cumprod(t, 1)),
    ("cumprod_flat", (2, 3), lambda x: sd.ops.cumprod(x), lambda t: torch.cumprod(t.flatten(), 0)),
    ("diff", (3, 5), lambda x: sd.ops.diff(x), lambda t: torch.diff(t)),
    ("diff_0", (4, 3, 2), lambda x: x.diff(0), lambda t: t.diff(dim=0)),
    ("diff_one", (3, 1), lambda x: sd.ops.diff(x, -1), lambda t: torch.diff(t, dim=-1)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,op,top", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, shape, op, top, dtype):
    compare(op, top, [randn(*shape, dtype=dtype)])


@pytest.mark.cpu_only("PyTorch's CUDA kernel sums float32 in float32, as shapedl's does")
@pytest.mark.parametrize("axis", [0, 1])
def test_a_long_float32_cumsum_sums_in_float64_as_torch_on_the_cpu(axis):
    # NOTE: 10**5 steps of random walks, which cross 0: summed in float32 they stray ~1e-3
    x = randn(100_000, 2) if axis == 0 else randn(2, 100_000)
    compare(lambda v: sd.ops.cumsum(v, axis), lambda t: torch.cumsum(t, axis), [x])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cumprod_gradient_is_exact_at_zeros(dtype):
    x = randn(3, 5, dtype=dtype)
    x[0, 1] = 0.0
    x[1, 2] = x[1, 4] = 0.0
    x[2, 0] = 0.0
    compare(lambda v: sd.ops.cumprod(v, 1), lambda t: torch.cumprod(t, 1), [x])


def test_gradients_by_differences():
    x = randn(3, 4, dtype="float64")
    x[1, 1] = 0.0
    central_difference(lambda v: sd.ops.cumprod(sd.ops.cumsum(v, 0), 1), [x])


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integers_and_booleans_count_in_int64_as_torch(op, dtype):
    """As PyTorch's (and as `sum`): an i32 scan stayed i32 and wrapped around past 2**31, and
    a boolean one was refused."""
    a = np.array([[2**30, 3, 0], [2**30, 2, 1], [2**30, 1, 1]]).astype(dtype)
    want = getattr(torch, op)(torch.from_numpy(a), 0).numpy()
    got = getattr(sd.ops, op)(sd.from_numpy(a), 0).numpy()
    assert got.dtype == want.dtype == np.int64
    np.testing.assert_array_equal(got, want)
    method = getattr(sd.from_numpy(a), op)(None).numpy()
    np.testing.assert_array_equal(method, getattr(torch, op)(torch.from_numpy(a).flatten(), 0))


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_errors_name_op_shape_and_axis(op):
    with pytest.raises(sd.ShapeError, match=rf"{op}: shape \(2, 3\): axis 2 is out of range"):
        getattr(sd.ops, op)(sd.ones((2, 3)), 2)


def test_rules_over_symbols_and_dyn():
    assert scan_rule("cumsum", (B, T), 1) == (B, T)
    assert scan_rule("cumsum", (B, T)) == (dims.mul(B, T),)
    assert scan_rule("cumprod", (B, T), DYN) == (B, T)
    assert scan_rule("cumprod", (B, DYN), None) == (DYN,)


def test_diff_errors_name_op_shape_and_axis():
    with pytest.raises(sd.ShapeError, match=r"^diff: shape \(2, 3\): axis 2 is out of range"):
        sd.ops.diff(sd.ones((2, 3)), 2)
    with pytest.raises(sd.ShapeError, match=r"^diff: shape \(\): needs at least one axis"):
        sd.ops.diff(sd.ones(()))
    with pytest.raises(TypeError, match=r"^diff: needs a numeric tensor, not bool"):
        sd.ops.diff(sd.ones((2,)) > 0)


def test_diff_rule_and_gradient():
    from shapedl.ops.scan import diff_rule

    assert diff_rule("diff", (B, T)) == (B, dims.sub(T, 1))
    assert diff_rule("diff", (B, 0)) == (B, 0)
    assert diff_rule("diff", (B, T), DYN) == (DYN, DYN)
    central_difference(lambda v: sd.ops.diff(v, 0) * sd.ops.diff(v, 0), [randn(4, 3)])
