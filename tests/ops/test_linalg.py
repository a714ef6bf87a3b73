"""norm (the vector norm) against torch.linalg.vector_norm (values and gradients, f32 and
f64), by central differences, its errors, its rule over symbols and `DYN`, and its name."""

import math

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.linalg import norm_rule

B, T, D = dims.sym("B"), dims.sym("T"), dims.sym("D")
ORDS = [2, 1, 3, 0.5, math.inf, -math.inf]
AXES = [(None, False), (1, False), (-1, True), ((0, 2), False), ((0, 1), True)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis,keepdims", AXES)
@pytest.mark.parametrize("ord", ORDS)
def test_matches_torch(ord, axis, keepdims, dtype):
    compare(
        lambda x: sd.ops.norm(x, ord, axis, keepdims),
        lambda t: torch.linalg.vector_norm(t, ord, axis, keepdims),
        [randn(2, 3, 4, dtype=dtype)],
    )


def test_zero_order_counts_nonzeros_with_zero_gradient():
    x = randn(3, 4, dtype="float64")
    x[0, :2] = 0.0
    compare(
        lambda v: sd.ops.norm(v, 0, axis=1),
        lambda t: torch.linalg.vector_norm(t, 0, 1),
        [x],
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradient_at_a_zero_norm_is_zero_as_torch(dtype):
    x = np.zeros((2, 3), dtype=dtype)
    x[1] = randn(3, dtype=dtype)
    compare(lambda v: sd.ops.norm(v, axis=1), lambda t: torch.linalg.vector_norm(t, dim=1), [x])


def test_inf_norm_shares_the_gradient_among_ties_as_torch():
    x = np.array([[1.0, -3.0, 3.0], [2.0, 0.5, -1.0]])
    compare(
        lambda v: sd.ops.norm(v, math.inf, axis=1),
        lambda t: torch.linalg.vector_norm(t, math.inf, 1),
        [x],
    )


def test_gradients_by_differences():
    central_difference(
        lambda x: sd.ops.norm(x, 3, axis=0) * sd.ops.norm(x), [randn(3, 2, dtype="float64")]
    )


def test_sd_ops_norm_is_the_function_and_the_module_is_still_reachable():
    from shapedl.ops.linalg import norm
    from shapedl.ops.norm import layer_norm

    assert sd.ops.norm is norm and callable(layer_norm)


ERRORS = [
    (lambda x: sd.ops.norm(x, axis=2), r"norm: shape \(2, 3\): axis 2 is out of range for rank 2"),
    (lambda x: sd.ops.norm(x, axis=(0, -2)), r"norm: shape \(2, 3\): axis \(0, -2\) repeats"),
    (lambda x: sd.ops.norm(x, "fro"), r"norm: shape \(2, 3\): ord must be a number .*'fro'"),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shape_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((2, 3)))


def test_rule_over_symbols_and_dyn():
    assert norm_rule("norm", (B, T, D), 2, -1) == (B, T)
    assert norm_rule("norm", (B, T, D), 1, (1, 2), True) == (B, 1, 1)
    assert norm_rule("norm", (B, T, D)) == ()
    assert norm_rule("norm", (B, T, D), 2, DYN) == (DYN, DYN)
    assert norm_rule("norm", (B, T, D), 2, DYN, True) == (DYN, DYN, DYN)


NAN, INF = float("nan"), float("inf")


# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py); each failed before its fix
@pytest.mark.parametrize("ord", [1, 2, 3, 0.5, INF, -INF])
@pytest.mark.parametrize("values", [[NAN, 1.0, -2.0], [2.0, 0.0, 3.0], [0.0, -0.0, 1.0]])
def test_norm_gradients_at_nan_and_zero_match_torch(ord, values):
    run(
        (
            [np.array(values, dtype="float32")],
            lambda a: sd.ops.norm(a, ord=ord),
            lambda t: torch.linalg.vector_norm(t, ord),
        )
    )


@pytest.mark.parametrize("ord", [INF, -INF])
def test_inf_norm_of_nothing_is_refused(ord):
    with pytest.raises(sd.ShapeError, match="empty axis has no"):
        sd.ops.norm(sd.zeros((3, 0)), ord=ord, axis=1)
