"""Matmul against PyTorch: 1-d, 2-d and batched with broadcast batch dims; shape errors."""

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd
from shapedl import dims
from shapedl.ops.matmul import matmul_rule

SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4,)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 6)),
    ((1, 3, 4), (2, 4, 2)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((1, 1), (1, 1)),
]
OPS = [
    ("@", lambda a, b: a @ b),
    ("method", lambda a, b: a.matmul(b)),
    ("sd.ops.matmul", lambda a, b: sd.ops.matmul(a, b)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("name,op", OPS, ids=[o[0] for o in OPS])
def test_matches_torch(name, op, sa, sb, dtype):
    compare(op, torch.matmul, [randn(*sa, dtype=dtype, seed=1), randn(*sb, dtype=dtype, seed=2)])


def test_one_traced_operand_gives_both_gradients():
    a, b = randn(3, 4), randn(4, 2, seed=1)
    w = sd.from_numpy(b)
    x = sd.from_numpy(a)
    grads = (x.traced() @ w).sum().backward()
    ta, tb = torch.from_numpy(a).requires_grad_(), torch.from_numpy(b).requires_grad_()
    (ta @ tb).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), ta.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(grads[w].numpy(), tb.grad.numpy(), rtol=1e-5)


def test_integer_matmul_matches_numpy():
    a = np.arange(6).reshape(2, 3)
    out = sd.from_numpy(a) @ sd.from_numpy(a.T.copy())
    np.testing.assert_array_equal(out.numpy(), a @ a.T)
    assert out.dtype is sd.i64


def test_keeps_float32():
    assert (sd.randn((2, 3)) @ sd.randn((3,))).dtype is sd.f32


def test_central_differences_float64():
    central_difference(
        lambda a, b: (a @ b).tanh(),
        [randn(2, 3, 4, dtype="float64"), randn(4, 2, dtype="float64", seed=3)],
    )


ERRORS = [
    (
        (3, 4),
        (5, 6),
        "matmul: shapes (3, 4) and (5, 6): inner dimensions differ: "
        "4 (axis -1 of the left) vs 5 (axis -2 of the right)",
    ),
    (
        (3, 4),
        (5,),
        "matmul: shapes (3, 4) and (5,): inner dimensions differ: "
        "4 (axis -1 of the left) vs 5 (axis -1 of the right)",
    ),
    (
        (4,),
        (2, 3, 5),
        "matmul: shapes (4,) and (2, 3, 5): inner dimensions differ: "
        "4 (axis -1 of the left) vs 3 (axis -2 of the right)",
    ),
    (
        (2, 3, 4),
        (3, 4, 5),
        "matmul: shapes (2, 3, 4) and (3, 4, 5): batch dimensions differ: 2 vs 3 at axis -3",
    ),
    ((), (3,), "matmul: shapes () and (3,): a 0-d operand has no axis to contract"),
]


@pytest.mark.parametrize("sa,sb,message", ERRORS)
def test_shape_errors_name_op_shapes_and_axes(sa, sb, message):
    with pytest.raises(sd.ShapeError) as err:
        sd.ones(sa) @ sd.ones(sb)
    assert str(err.value).startswith(message)


B, T, C, D = dims.sym("B"), dims.sym("T"), dims.sym("C"), dims.sym("D")
DYN = dims.DYN
RULE = [
    ((B, T, C), (C, D), (B, T, D)),
    ((T, C), (B, C, D), (B, T, D)),
    ((1, T, C), (B, C, D), (B, T, D)),
    ((C,), (C, D), (D,)),
    ((C,), (C,), ()),
    ((3, DYN), (5, 6), (3, 6)),
    ((DYN, 3, 4), (2, 4, 5), (2, 3, 5)),
    ((B, T, C), (B, C, T), (B, T, T)),
    ((dims.mul(B, T), C), (C, dims.floordiv(D, 2)), (dims.mul(T, B), dims.floordiv(D, 2))),
]


@pytest.mark.parametrize("sa,sb,want", RULE)
def test_rule_over_symbols_and_dyn(sa, sb, want):
    assert matmul_rule("matmul", sa, sb) == want


@pytest.mark.parametrize(
    "sa,sb,match",
    [
        ((T, C), (D, C), "inner dimensions differ: C"),
        ((B, 3, 4), (T, 4, 5), "batch dimensions differ: B vs T at axis -3"),
    ],
)
def test_rule_rejects_symbols_that_differ(sa, sb, match):
    with pytest.raises(sd.ShapeError, match=match):
        matmul_rule("matmul", sa, sb)


def test_registered_for_the_plugin():
    spec = sd.ops.REGISTRY["matmul"]
    assert spec.tensors == ("a", "b")
    assert set(spec.methods) == {"matmul", "__matmul__"}


# ---- random shapes ----------------------------------------------------------------------
@st.composite
def operands(draw):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 3), max_size=3))
    ba = [draw(st.sampled_from([d, 1])) for d in batch][draw(st.integers(0, len(batch))) :]
    bb = [draw(st.sampled_from([d, 1])) for d in batch][draw(st.integers(0, len(batch))) :]
    sa = (k,) if draw(st.booleans()) else (*ba, n, k)
    sb = (k,) if draw(st.booleans()) else (*bb, k, m)
    return sa, sb


@settings(max_examples=25, deadline=None)
@given(operands(), st.integers(0, 2**31 - 1))
def test_random_shapes_match_torch(shapes, seed):
    sa, sb = shapes
    compare(
        sd.ops.matmul,
        torch.matmul,
        [randn(*sa, dtype="float64", seed=seed), randn(*sb, dtype="float64", seed=seed + 1)],
    )


def test_a_shared_matrixs_gradient_is_one_product_over_all_rows_like_torch(monkeypatch):
    # (B, N, K) @ (K, M): the weight's gradient as one (K, M) product, no (B, K, M) to sum
    xv, wv = randn(6, 5, 4), randn(4, 3, seed=1)
    x, w = sd.from_numpy(xv), sd.from_numpy(wv)
    loss = (x.traced() @ w).tanh().sum()
    shapes, matmul = [], x.xp.matmul
    monkeypatch.setattr(x.xp, "matmul", lambda a, b: shapes.append((a @ b).shape) or matmul(a, b))
    grads = loss.backward()
    tx, tw = torch.from_numpy(xv).requires_grad_(), torch.from_numpy(wv).requires_grad_()
    (tx @ tw).tanh().sum().backward()
    np.testing.assert_allclose(grads[w].numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads[x].numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert (4, 3) in shapes and (6, 4, 3) not in shapes


# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py); failed before the fix
@pytest.mark.parametrize(
    "sa,sb", [((1, 0, 0), (0,)), ((2, 0, 3), (3, 2)), ((2, 3, 0), (0, 4)), ((0,), (0,))], ids=str
)
def test_empty_operands_match_torch(sa, sb):
    run(([np.ones(sa, "float32"), np.ones(sb, "float32")], sd.ops.matmul, torch.matmul))


def test_zero_times_infinity_is_a_quiet_nan():
    a, b = np.array([[0.0, 1.0]], "float32"), np.array([[np.inf], [2.0]], "float32")
    run(([a, b], sd.ops.matmul, torch.matmul))
