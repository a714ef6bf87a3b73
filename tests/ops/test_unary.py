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
