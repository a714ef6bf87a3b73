"""Logical ops and `& | ^ ~` against PyTorch, their errors, and their rules over symbols."""

import numpy as np
import pytest
import torch
from harness import compare

import shapedl as sd
from shapedl import dims
from shapedl.ops.logic import logical_rule, not_rule

B, T = dims.sym("B"), dims.sym("T")
RNG = np.random.default_rng(0)


def mask(*shape: int) -> np.ndarray:
    return RNG.integers(0, 2, shape).astype(bool)


def values(*shape: int, dtype: str = "float32") -> np.ndarray:
    # NOTE: zeros on purpose, since nonzero is the truth value
    return RNG.integers(-1, 2, shape).astype(dtype)


BINARY = [
    ("and", sd.ops.logical_and, torch.logical_and),
    ("or", sd.ops.logical_or, torch.logical_or),
    ("xor", sd.ops.logical_xor, torch.logical_xor),
    ("&", lambda a, b: a & b, lambda a, b: a & b),
    ("|", lambda a, b: a | b, lambda a, b: a | b),
    ("^", lambda a, b: a ^ b, lambda a, b: a ^ b),
]
SHAPES = [((2, 3), (2, 3)), ((4, 1, 3), (5, 1)), ((3,), ()), ((), (2, 2))]


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
@pytest.mark.parametrize("name,op,top", BINARY, ids=[c[0] for c in BINARY])
def test_binary_matches_torch_on_masks(name, op, top, a_shape, b_shape):
    compare(op, top, [mask(*a_shape), mask(*b_shape)], grad=False)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("name,op,top", BINARY[:3], ids=[c[0] for c in BINARY[:3]])
def test_functions_read_any_dtype_as_truth(name, op, top, dtype):
    compare(op, top, [values(3, 4, dtype=dtype), values(4, dtype=dtype)], grad=False)


@pytest.mark.parametrize("dtype", ["bool", "float32", "float64", "int64"])
def test_not_matches_torch(dtype):
    compare(sd.ops.logical_not, torch.logical_not, [values(2, 3, dtype=dtype)], grad=False)
    compare(lambda x: ~x, lambda t: ~t, [mask(2, 3)], grad=False)


def test_python_bools_on_either_side():
    x = sd.from_numpy(mask(5))
    t = torch.from_numpy(x.numpy())
    for got, want in [
        (x & True, t & True),
        (x | False, t | False),
        (x ^ True, t ^ True),
        (sd.ops.logical_and(True, x), torch.logical_and(torch.tensor(True), t)),
    ]:
        assert got.dtype is sd.bool_
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_results_are_untraced_booleans():
    x = sd.from_numpy(values(3)).traced()
    out = sd.ops.logical_or(x, x > 0)
    assert out.dtype is sd.bool_ and not out.is_traced


@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b])
def test_operators_refuse_non_boolean_tensors(op):
    f = sd.from_numpy(values(3))
    with pytest.raises(TypeError, match="needs boolean tensors, got float32"):
        op(f, f > 0)
    with pytest.raises(TypeError, match="needs boolean tensors, got int64"):
        op(f > 0, f.astype(sd.i64))
    with pytest.raises(TypeError, match=r"~: operator needs boolean tensors"):
        ~f  # noqa: B018


@pytest.mark.parametrize(
    "op", [sd.ops.logical_and, sd.ops.logical_or, sd.ops.logical_xor, lambda a, b: a & b]
)
def test_shape_error_names_op_shapes_and_axis(op):
    a, b = sd.from_numpy(mask(2, 3)), sd.from_numpy(mask(4, 3))
    name = getattr(op, "__name__", "logical_and")
    name = "logical_and" if name == "<lambda>" else name
    with pytest.raises(
        sd.ShapeError, match=rf"{name}: shapes \(2, 3\) and \(4, 3\): cannot broadcast .* axis -2"
    ):
        op(a, b)


def test_rules_over_symbols_and_dyn():
    assert logical_rule("logical_and", (B, 1), (T,)) == (B, T)
    assert logical_rule("logical_or", (B, dims.DYN), (3,)) == (B, 3)
    assert not_rule("logical_not", (B, T)) == (B, T)
    message = r"logical_xor: shapes \(B,\) and \(T,\): cannot broadcast B against T at axis -1"
    with pytest.raises(sd.ShapeError, match=message):
        logical_rule("logical_xor", (B,), (T,))
