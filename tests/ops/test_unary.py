"""ops/unary.py against PyTorch: values and gradients in f32 and f64, edge values included."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd

INF, NAN = np.inf, np.nan
# name, shapedl, torch, inputs where the op is defined (others: the edge cases below)
UNARY = [
    ("log1p", sd.ops.log1p, torch.log1p, lambda a: np.abs(a) - 0.5),
    ("expm1", sd.ops.expm1, torch.expm1, lambda a: a),
    ("erf", sd.ops.erf, torch.erf, lambda a: a),
    ("rsqrt", sd.ops.rsqrt, torch.rsqrt, lambda a: np.abs(a) + 0.1),
    ("log2", sd.ops.log2, torch.log2, lambda a: np.abs(a) + 0.1),
    ("log10", sd.ops.log10, torch.log10, lambda a: np.abs(a) + 0.1),
    ("sinh", sd.ops.sinh, torch.sinh, lambda a: a),
    ("cosh", sd.ops.cosh, torch.cosh, lambda a: a),
    ("asin", sd.ops.asin, torch.asin, lambda a: np.tanh(a) * 0.9),
    ("acos", sd.ops.acos, torch.acos, lambda a: np.tanh(a) * 0.9),
    ("atan", sd.ops.atan, torch.atan, lambda a: a * 3),
    ("tan", sd.ops.tan, torch.tan, lambda a: np.tanh(a) * 1.4),
]
IDS = [u[0] for u in UNARY]
# values where the ops reach their edges: 0, -0, +-1, -1 (log1p's pole), finite values whose
# square or exponential overflows, infinities, nan
EDGES = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 1e-8, 1e30, -1e30, INF, -INF, NAN])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top,domain", UNARY, ids=IDS)
def test_unary_matches_torch(name, op, top, domain, dtype):
    compare(op, top, [domain(randn(3, 4, dtype="float64")).astype(dtype)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top,domain", UNARY, ids=IDS)
def test_edge_values_give_torch_values_and_gradients(name, op, top, domain, dtype):
    # NOTE: erf's f32 kernel is an approximation (1.5e-7), PyTorch's too
    compare(op, top, [EDGES.astype(dtype)], atol=1e-6)


@pytest.mark.parametrize("name,op,top,domain", UNARY, ids=IDS)
def test_gradients_match_central_differences(name, op, top, domain):
    central_difference(op, [domain(randn(2, 3, dtype="float64"))])


@pytest.mark.parametrize("name,op,top,domain", UNARY, ids=IDS)
def test_methods_are_the_ops(name, op, top, domain):
    x = sd.from_numpy(domain(randn(4, dtype="float64")))
    np.testing.assert_array_equal(getattr(x, name)().numpy(), op(x).numpy())


@pytest.mark.parametrize("name,op,top,domain", UNARY, ids=IDS)
def test_integers_give_numpys_float64(name, op, top, domain):
    # NOTE: PyTorch gives float32 here; NumPy's meaning wins (as for exp): float64
    a = np.array([1, 2, 3], dtype="int64")
    out = op(sd.from_numpy(a))
    assert out.dtype is sd.f64
    want = top(torch.from_numpy(a).double()).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)


def test_f16_keeps_its_dtype():
    x = sd.from_numpy(np.array([0.25, 0.5], dtype="float16"))
    for name, op, top, _ in UNARY:
        out = op(x)
        assert out.dtype is sd.f16, name
        want = top(torch.tensor([0.25, 0.5], dtype=torch.float16).float()).numpy()
        np.testing.assert_allclose(out.numpy().astype("float32"), want, rtol=2e-3, err_msg=name)


SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 2))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_atan2_broadcasts_like_torch(sa, sb, dtype):
    a, b = randn(*sa, dtype=dtype, seed=1), randn(*sb, dtype=dtype, seed=2)
    compare(sd.ops.atan2, torch.atan2, [a, b])
    compare(lambda x, y: x.atan2(y), torch.atan2, [a, b])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_atan2_quadrants_and_edges_like_torch(dtype):
    # NOTE: signed zeros pick the quadrant; at (0, 0) PyTorch's gradients are 0, not nan
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, -0.0, 0.0, -0.0, INF, 1.0, NAN]).astype(dtype)
    x = np.array([1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, INF, 1.0]).astype(dtype)
    compare(sd.ops.atan2, torch.atan2, [y, x])
    compare(sd.ops.atan2, torch.atan2, [np.zeros(2, dtype), np.array([0.0, -0.0], dtype)])


def test_atan2_takes_python_scalars_and_central_differences():
    a = randn(2, 3, dtype="float64")
    compare(lambda x: sd.ops.atan2(x, 2.0), lambda t: torch.atan2(t, torch.tensor(2.0)), [a])
    compare(lambda x: sd.ops.atan2(-1, x), lambda t: torch.atan2(torch.tensor(-1.0), t), [a])
    central_difference(sd.ops.atan2, [a, randn(3, dtype="float64", seed=3)])


def test_atan2_refuses_bad_shapes_and_mixed_dtypes():
    with pytest.raises(sd.ShapeError, match=r"atan2: shapes \(2, 3\) and \(4,\)"):
        sd.ops.atan2(sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(sd.DTypeError, match=r"^atan2: dtypes float32 and float64 differ"):
        sd.ops.atan2(sd.ones((2,)), sd.ones((2,), dtype=sd.f64))


# ---- logaddexp, lerp ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((2, 1, 4), (3, 1)), ((4,), ())])
def test_logaddexp_matches_torch(sa, sb, dtype):
    a, b = randn(*sa, dtype=dtype) * 3, randn(*sb, dtype=dtype, seed=1) * 3
    compare(sd.ops.logaddexp, torch.logaddexp, [a, b])
    compare(lambda x, y: x.logaddexp(y), torch.logaddexp, [a, b])


def test_logaddexp_edges_and_scalars_match_torch():
    a = np.array([INF, -INF, -INF, 100.0, -100.0, NAN, 0.0])
    b = np.array([INF, -INF, 0.0, 100.0, 100.0, 1.0, 1e30])
    compare(sd.ops.logaddexp, torch.logaddexp, [a, b])
    two = torch.tensor(2.0, dtype=torch.float64)
    compare(lambda x: sd.ops.logaddexp(x, 2.0), lambda t: torch.logaddexp(t, two), [a[3:5]])


LERP = [((3, 4), (3, 4), (3, 4)), ((2, 1, 4), (3, 1), (4,)), ((4,), (2, 4), ())]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ss,se,sw", LERP)
def test_lerp_matches_torch(ss, se, sw, dtype):
    # NOTE: weights on both sides of 0.5, where PyTorch switches formula, and outside [0, 1]
    w = randn(*sw, dtype=dtype, seed=2) + 0.5
    inputs = [randn(*ss, dtype=dtype), randn(*se, dtype=dtype, seed=1), w]
    compare(sd.ops.lerp, torch.lerp, inputs)
    compare(lambda s, e, v: s.lerp(e, v), torch.lerp, inputs)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 1.0, -0.25, 1.5])
def test_lerp_with_a_scalar_weight_matches_torch(weight):
    s, e = randn(3, 4, dtype="float64"), randn(4, dtype="float64", seed=1)
    compare(lambda a, b: sd.ops.lerp(a, b, weight), lambda a, b: torch.lerp(a, b, weight), [s, e])
    assert sd.ops.lerp(sd.tensor([1.0]), sd.tensor([3.0]), 1.0).tolist() == [3.0]


def test_lerp_and_logaddexp_by_differences():
    x, y = randn(3, 4, dtype="float64"), randn(3, 4, dtype="float64", seed=1)
    central_difference(lambda a, b: sd.ops.logaddexp(a, b), [x, y])
    central_difference(lambda a, b, w: sd.ops.lerp(a, b, w), [x, y, np.abs(x) * 0.8])


def test_lerp_and_logaddexp_errors_name_op_shapes_and_axis():
    with pytest.raises(
        sd.ShapeError, match=r"^logaddexp: shapes \(2, 3\) and \(4,\): .* at axis -1"
    ):
        sd.ops.logaddexp(sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(
        sd.ShapeError, match=r"^lerp: shapes \(2, 3\) and \(2, 3\) and \(4,\): .* at axis -1"
    ):
        sd.ops.lerp(sd.ones((2, 3)), sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(sd.DTypeError, match=r"^lerp: dtypes float64 and float32 differ"):
        sd.ops.lerp(sd.ones((2,), dtype=sd.f64), sd.ones((2,)), 0.5)
    with pytest.raises(TypeError, match=r"^lerp: start must be a float tensor, not int64"):
        sd.ops.lerp(sd.tensor([1, 2]), sd.tensor([3, 4]), 0.5)
