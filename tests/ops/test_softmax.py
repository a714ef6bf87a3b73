"""Softmax and log-softmax against PyTorch, including logits of +-1000."""

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd

OPS = [
    ("softmax", lambda x, a: x.softmax(a), lambda t, a: torch.softmax(t, a)),
    ("log_softmax", lambda x, a: x.log_softmax(a), lambda t, a: torch.log_softmax(t, a)),
    ("sd.ops.softmax", lambda x, a: sd.ops.softmax(x, a), lambda t, a: torch.softmax(t, a)),
    (
        "sd.ops.log_softmax",
        lambda x, a: sd.ops.log_softmax(x, axis=a),
        lambda t, a: torch.log_softmax(t, a),
    ),
]
CASES = [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -3), ((1, 1), 1)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("name,op,top", OPS, ids=[o[0] for o in OPS])
def test_matches_torch(name, op, top, shape, axis, dtype):
    compare(lambda x: op(x, axis), lambda t: top(t, axis), [randn(*shape, dtype=dtype, seed=5)])


def test_default_axis_is_the_last():
    x = randn(3, 4)
    compare(lambda a: a.softmax(), lambda t: torch.softmax(t, -1), [x])
    compare(lambda a: a.log_softmax(), lambda t: torch.log_softmax(t, -1), [x])


HUGE = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 999.0, 1000.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top", OPS[:2], ids=["softmax", "log_softmax"])
def test_huge_logits_give_no_inf_or_nan_and_match_torch(name, op, top, dtype):
    x = HUGE.astype(dtype)
    compare(lambda a: op(a, -1), lambda t: top(t, -1), [x])
    t = sd.from_numpy(x)
    out = op(t.traced(), -1)
    grads = (out * sd.from_numpy(randn(3, 3, dtype=dtype))).sum().backward()
    assert np.isfinite(out.numpy()).all()
    assert np.isfinite(grads[t].numpy()).all()


def test_keeps_float32():
    x = sd.randn((2, 3))
    assert x.softmax().dtype is sd.f32
    assert x.log_softmax(0).dtype is sd.f32


def test_central_differences_float64():
    central_difference(
        lambda x: x.softmax(0) * x.log_softmax(1), [randn(3, 4, dtype="float64", seed=6)]
    )


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_axis_out_of_range_is_a_shape_error(name):
    with pytest.raises(sd.ShapeError, match=rf"{name}: shape \(2, 3\): axis 2 is out of range"):
        getattr(sd.ones((2, 3)), name)(2)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_an_integer_input_is_a_type_error_as_in_torch(name):
    """softmax met it in NumPy's `exp(out=...)` ("Cannot cast ufunc 'exp' output"), and
    log_softmax gave float64 for an int64 input typed as int64; torch refuses both."""
    x = np.array([[1, 2, 3], [0, 0, 1]])
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch, name)(torch.from_numpy(x), -1)
    with pytest.raises(TypeError, match=rf"^{name}: x must be a float tensor, not int64"):
        getattr(sd.tensor(x), name)(-1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_bfloat16_is_a_float(name):
    x = randn(3, 4)
    got = getattr(sd.from_numpy(x).astype(sd.bf16), name)(-1).numpy()
    want = getattr(torch, name)(torch.from_numpy(x).bfloat16(), -1).float().numpy()
    assert got.dtype.name == "bfloat16"
    np.testing.assert_allclose(got.astype("float32"), want, rtol=2e-2, atol=1e-2)


def test_registered_with_axis_static():
    for name in ["softmax", "log_softmax"]:
        assert sd.ops.REGISTRY[name].statics == ("axis",)


@pytest.mark.parametrize("name,op,top", OPS[:2], ids=["softmax", "log_softmax"])
def test_masked_minus_inf_entries_match_torch(name, op, top):
    x = randn(3, 4, seed=11)
    x[0, 1] = x[2, 0] = x[2, 3] = -np.inf
    compare(lambda a: op(a, -1), lambda t: top(t, -1), [x], grad=False)
    # NOTE: exp() keeps the weighted sum of the harness finite where log_softmax is -inf
    compare(lambda a: op(a, -1).exp(), lambda t: top(t, -1).exp(), [x])


@pytest.mark.parametrize("name,op,top", OPS[:2], ids=["softmax", "log_softmax"])
def test_fully_masked_and_infinite_rows_are_nan_like_torch(name, op, top):
    x = np.array([[-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0], [0.0, -np.inf, 1.0]])
    compare(lambda a: op(a, -1), lambda t: top(t, -1), [x.astype("float32")], grad=False)
    compare(lambda a: op(a, -1).exp(), lambda t: top(t, -1).exp(), [x.astype("float32")])


# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py): both failed before the fix
@pytest.mark.parametrize("shape,axis", [((0,), 0), ((2, 0), -1), ((0, 3), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_nothing_is_empty(name, shape, axis):
    x = np.zeros(shape, dtype="float32")
    ours, theirs = getattr(sd.ops, name), getattr(torch, name)
    run(([x], lambda a: ours(a, axis=axis), lambda t: theirs(t, axis)))
