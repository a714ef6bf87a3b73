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


HALF = {"bfloat16": (sd.bf16, torch.bfloat16), "float16": (sd.f16, torch.float16)}
HALF_KWARGS = [{}, {"nan": 1.0, "posinf": 5.0, "neginf": -5.0}, {"neginf": -2.5}]


@pytest.mark.parametrize("kwargs", HALF_KWARGS)
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_half_nan_to_num_and_tests_match_torch(dtype, kwargs):
    # NOTE: np.nan_to_num left bf16 as it was (NumPy sees no float in ml_dtypes' bfloat16)
    mine, theirs = HALF[dtype]
    v = np.array([[np.nan, np.inf, -np.inf, 1.5], [0.0, -0.0, -3.0, 3e38]], np.float32)
    w = np.random.default_rng(0).standard_normal(v.shape).astype(np.float32)
    with np.errstate(over="ignore"):
        x = sd.tensor(v).astype(mine)
    t = torch.tensor(v).to(theirs).requires_grad_()
    out = x.traced().nan_to_num(**kwargs)
    grad = (out * sd.tensor(w).astype(mine)).sum().backward()[x]
    want = torch.nan_to_num(t, **kwargs)
    (want * torch.tensor(w).to(theirs)).sum().backward()
    assert out.numpy().dtype.name == dtype and grad.numpy().dtype.name == dtype
    np.testing.assert_array_equal(out.astype(sd.f64).numpy(), want.detach().double().numpy())
    np.testing.assert_array_equal(grad.astype(sd.f64).numpy(), t.grad.double().numpy())
    for name, top in TESTS:
        got = getattr(sd.ops, name)(x).numpy()
        np.testing.assert_array_equal(got, top(t.detach()).numpy())
        np.testing.assert_array_equal(getattr(x, name)().numpy(), got)


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


# ---- isclose / allclose -------------------------------------------------------------------
NEAR_A = np.array([[1.0, np.nan, np.inf, -np.inf, 0.0, 1e-9], [1e3, -2.0, 5.0, 0.0, 1.0, 3.0]])
NEAR_B = np.array([[1.0 + 2e-6, np.nan, np.inf, np.inf, 1e-8, 0.0], [1e3 + 0.009, -2.0, 5.1,
                   -0.0, np.nan, 3.0 + 1e-4]])  # fmt: skip
TOLERANCES = [{}, {"equal_nan": True}, {"rtol": 1e-2}, {"rtol": 0.0, "atol": 0.2},
              {"rtol": 1e-3, "atol": 1e-3, "equal_nan": True}]  # fmt: skip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", TOLERANCES)
def test_isclose_matches_torch(kwargs, dtype):
    a, b = NEAR_A.astype(dtype), NEAR_B.astype(dtype)
    want = torch.isclose(torch.from_numpy(a), torch.from_numpy(b), **kwargs).numpy()
    for out in (
        sd.ops.isclose(sd.from_numpy(a).traced(), sd.from_numpy(b), **kwargs),
        sd.from_numpy(a).isclose(sd.from_numpy(b), **kwargs),
    ):
        assert out.dtype is sd.bool_ and out.tape is None
        np.testing.assert_array_equal(out.numpy(), want)
    for i in range(2):  # one row at a time: the first is not all close, the second may be
        got = sd.allclose(sd.from_numpy(a[i]), sd.from_numpy(b[i]), **kwargs)
        assert got is torch.allclose(torch.from_numpy(a[i]), torch.from_numpy(b[i]), **kwargs)


@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((4, 1), (1, 5)), ((), (2, 2)), ((0, 3), (3,))])
def test_isclose_broadcasts_as_torch(shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 3, s).astype("float32") for s in shapes)
    want = torch.isclose(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    np.testing.assert_array_equal(sd.isclose(sd.from_numpy(a), sd.from_numpy(b)).numpy(), want)
    assert sd.allclose(sd.from_numpy(a), sd.from_numpy(b)) is torch.allclose(
        torch.from_numpy(a), torch.from_numpy(b)
    )


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_isclose_of_integers_and_booleans_matches_torch(dtype):
    a, b = np.array([0, 1, 5, 100, -3]).astype(dtype), np.array([0, 2, 6, 90, 3]).astype(dtype)
    for kwargs in ({}, {"rtol": 0.2, "atol": 1}):
        want = torch.isclose(torch.from_numpy(a), torch.from_numpy(b), **kwargs).numpy()
        np.testing.assert_array_equal(
            sd.isclose(sd.tensor(a), sd.tensor(b), **kwargs).numpy(), want
        )


def test_isclose_errors():
    with pytest.raises(sd.ShapeError, match=r"isclose: shapes \(2, 3\) and \(4,\): cannot broad"):
        sd.isclose(sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(sd.ShapeError, match=r"^allclose: shapes \(2, 3\) and \(4,\)"):
        sd.allclose(sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(sd.DTypeError, match="^allclose"):
        sd.allclose(sd.ones((2,)), sd.ones((2,)).astype(sd.f64))
    with pytest.raises(sd.DTypeError, match="isclose"):
        sd.isclose(sd.ones((2,)), sd.ones((2,)).astype(sd.f64))
    with pytest.raises(RuntimeError):
        torch.isclose(torch.ones(2, 3), torch.ones(4))
    with pytest.raises(RuntimeError):
        torch.isclose(torch.ones(2), torch.ones(2, dtype=torch.float64))
