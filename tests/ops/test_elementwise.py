"""Elementwise ops against PyTorch: values and gradients, f32 and f64, with broadcasting."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd

UNARY = [
    ("neg", lambda x: -x, lambda t: -t),
    ("abs", lambda x: x.abs(), torch.abs),
    ("exp", lambda x: x.exp(), torch.exp),
    ("log", lambda x: (x.abs() + 0.5).log(), lambda t: (t.abs() + 0.5).log()),
    ("sqrt", lambda x: (x.abs() + 0.5).sqrt(), lambda t: (t.abs() + 0.5).sqrt()),
    ("square", lambda x: x.square(), torch.square),
    ("sin", lambda x: x.sin(), torch.sin),
    ("cos", lambda x: x.cos(), torch.cos),
    ("tanh", lambda x: x.tanh(), torch.tanh),
    ("sigmoid", lambda x: x.sigmoid(), torch.sigmoid),
    ("relu", lambda x: x.relu(), torch.relu),
    ("gelu", lambda x: x.gelu(), lambda t: torch.nn.functional.gelu(t, approximate="tanh")),
    ("silu", lambda x: x.silu(), torch.nn.functional.silu),
    ("softplus", lambda x: x.softplus(), torch.nn.functional.softplus),
    ("leaky_relu", lambda x: x.leaky_relu(0.1), lambda t: torch.nn.functional.leaky_relu(t, 0.1)),
    ("clamp", lambda x: x.clamp(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7)),
    ("reciprocal", lambda x: (x.abs() + 0.5).reciprocal(), lambda t: 1 / (t.abs() + 0.5)),
    ("pow_scalar", lambda x: (x.abs() + 0.5) ** 1.5, lambda t: (t.abs() + 0.5) ** 1.5),
    ("rpow", lambda x: 2.0**x, lambda t: 2.0**t),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top", UNARY, ids=[u[0] for u in UNARY])
def test_unary_matches_torch(name, op, top, dtype):
    compare(op, top, [randn(3, 4, dtype=dtype)])


BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("div", lambda a, b: a / (b.abs() + 1), lambda a, b: a / (b.abs() + 1)),
    ("pow", lambda a, b: (a.abs() + 0.5) ** b, lambda a, b: (a.abs() + 0.5) ** b),
    ("maximum", sd.ops.maximum, torch.maximum),
    ("minimum", sd.ops.minimum, torch.minimum),
]
SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((1,), (2, 3)), ((), (2, 2))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("name,op,top", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcasts_like_torch(name, op, top, sa, sb, dtype):
    compare(op, top, [randn(*sa, dtype=dtype, seed=1), randn(*sb, dtype=dtype, seed=2)])


@pytest.mark.parametrize(
    "op",
    [
        lambda x: 2 + x,
        lambda x: x - 3,
        lambda x: 3 - x,
        lambda x: x * 0.5,
        lambda x: 1 / (x.abs() + 1),
        lambda x: x / 4,
    ],
)
def test_python_scalars_keep_f32_and_match_torch(op):
    compare(op, op, [randn(2, 3)])


def test_ties_split_the_gradient_like_torch():
    a = np.array([1.0, 2.0, 3.0])
    compare(sd.ops.maximum, torch.maximum, [a, a.copy()])


def test_broadcast_error_names_op_shapes_and_axis():
    with pytest.raises(sd.ShapeError, match=r"mul: shapes \(2, 3\) and \(4,\).*axis -1"):
        sd.ones((2, 3)) * sd.ones((4,))


def test_central_differences_float64():
    central_difference(
        lambda a, b: (a * b).tanh() + a.sigmoid() / (b.square() + 1),
        [randn(2, 3, dtype="float64"), randn(3, dtype="float64", seed=3)],
    )


def test_sigmoid_and_softplus_do_not_overflow():
    x = sd.tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(x.sigmoid().numpy(), [0.0, 0.5, 1.0])
    assert np.isfinite(x.softplus().numpy()).all()
