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


# ---- mm, bmm, mv, dot: PyTorch's products of fixed ranks ----------------------------------
FIXED = {
    "mm": [((3, 4), (4, 5)), ((1, 1), (1, 1)), ((0, 3), (3, 2)), ((2, 0), (0, 3))],
    "bmm": [((2, 3, 4), (2, 4, 5)), ((1, 1, 2), (1, 2, 1)), ((0, 2, 3), (0, 3, 4))],
    "mv": [((3, 4), (4,)), ((1, 1), (1,)), ((0, 2), (2,)), ((2, 0), (0,))],
    "dot": [((4,), (4,)), ((1,), (1,)), ((0,), (0,))],
}
FIXED_CASES = [(op, sa, sb) for op, shapes in FIXED.items() for sa, sb in shapes]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,sa,sb", FIXED_CASES, ids=[f"{o}{a}{b}" for o, a, b in FIXED_CASES])
def test_fixed_rank_products_match_torch(op, sa, sb, dtype):
    a, b = randn(*sa, dtype=dtype, seed=1), randn(*sb, dtype=dtype, seed=2)
    compare(getattr(sd.ops, op), getattr(torch, op), [a, b])
    compare(lambda x, y: getattr(x, op)(y), lambda x, y: getattr(x, op)(y), [a, b])
    assert getattr(sd, op) is getattr(sd.ops, op)


@pytest.mark.parametrize("op", FIXED)
def test_fixed_rank_products_of_integers_match_torch_and_refuse_bool(op):
    sa, sb = FIXED[op][0]
    a = np.arange(int(np.prod(sa))).reshape(sa) - 3
    b = np.arange(int(np.prod(sb))).reshape(sb) % 5
    compare(getattr(sd.ops, op), getattr(torch, op), [a, b], grad=False)
    compare(getattr(sd.ops, op), getattr(torch, op), [a.astype("int32"), b.astype("int32")])
    with pytest.raises(TypeError, match=rf"^{op}: bool tensors have no product"):
        getattr(sd.ops, op)(sd.from_numpy(a > 0), sd.from_numpy(b > 0))
    with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
        getattr(torch, op)(torch.from_numpy(a > 0), torch.from_numpy(b > 0))


@pytest.mark.parametrize("op", FIXED)
def test_fixed_rank_products_of_halves_match_torch(op):
    sa, sb = FIXED[op][0]
    a, b = randn(*sa, seed=3), randn(*sb, seed=4)
    for mine, theirs in ((sd.f16, torch.float16), (sd.bf16, torch.bfloat16)):
        x, y = sd.tensor(a).astype(mine), sd.tensor(b).astype(mine)
        out = getattr(sd.ops, op)(x.traced(), y)
        gx = (out * out).sum().backward()[x]
        tx = torch.from_numpy(a).to(theirs).requires_grad_()
        want = getattr(torch, op)(tx, torch.from_numpy(b).to(theirs))
        (want * want).sum().backward()
        assert out.dtype is mine and gx.dtype is mine
        for got, ref in ((out, want.detach()), (gx, tx.grad)):
            np.testing.assert_allclose(
                got.astype(sd.f64).numpy(), ref.double().numpy(), rtol=2e-2, atol=2e-2
            )


FIXED_ERRORS = [
    ("mm", (2, 3, 4), (4, 5), "mm: shapes (2, 3, 4) and (4, 5): the left operand must be 2-d, "
     "not 3-d; matmul (@) takes every rank and broadcasts batches"),
    ("mm", (3,), (3, 2), "mm: shapes (3,) and (3, 2): the left operand must be 2-d, not 1-d"),
    ("mm", (2, 3), (4, 5), "mm: shapes (2, 3) and (4, 5): inner dimensions differ: "
     "3 (axis -1 of the left) vs 4 (axis -2 of the right)"),
    ("bmm", (2, 3, 4), (4, 5), "bmm: shapes (2, 3, 4) and (4, 5): the right operand must be "
     "3-d, not 2-d"),
    ("bmm", (1, 3, 4), (2, 4, 5), "bmm: shapes (1, 3, 4) and (2, 4, 5): batch sizes differ: "
     "1 vs 2 at axis 0 of both; bmm does not broadcast, matmul (@) does"),
    ("bmm", (2, 3, 4), (2, 5, 5), "bmm: shapes (2, 3, 4) and (2, 5, 5): inner dimensions "
     "differ: 4 (axis -1 of the left) vs 5 (axis -2 of the right)"),
    ("mv", (3, 4), (4, 1), "mv: shapes (3, 4) and (4, 1): the right operand must be 1-d, not 2-d"),
    ("mv", (4,), (4,), "mv: shapes (4,) and (4,): the left operand must be 2-d, not 1-d"),
    ("mv", (3, 4), (5,), "mv: shapes (3, 4) and (5,): inner dimensions differ: "
     "4 (axis -1 of the left) vs 5 (axis -1 of the right)"),
    ("dot", (), (), "dot: shapes () and (): the left operand must be 1-d, not 0-d"),
    ("dot", (2, 2), (2,), "dot: shapes (2, 2) and (2,): the left operand must be 1-d, not 2-d"),
    ("dot", (3,), (4,), "dot: shapes (3,) and (4,): inner dimensions differ: "
     "3 (axis -1 of the left) vs 4 (axis -1 of the right)"),
]  # fmt: skip


@pytest.mark.parametrize(
    "op,sa,sb,message", FIXED_ERRORS, ids=[f"{e[0]}{e[1]}" for e in FIXED_ERRORS]
)
def test_fixed_rank_products_refuse_what_torch_refuses(op, sa, sb, message):
    for call in (getattr(sd.ops, op), lambda a, b: getattr(a, op)(b)):
        with pytest.raises(sd.ShapeError) as err:
            call(sd.ones(sa), sd.ones(sb))
        assert str(err.value).startswith(message)
    with pytest.raises(RuntimeError):
        getattr(torch, op)(torch.ones(sa), torch.ones(sb))


def test_fixed_rank_products_refuse_mixed_dtypes_naming_the_op():
    with pytest.raises(sd.DTypeError, match="^dot: dtypes float32 and float64 differ"):
        sd.ops.dot(sd.ones((3,)), sd.ones((3,)).astype(sd.f64))


@pytest.mark.parametrize(
    "op,sa,sb,want",
    [
        ("mm", (T, C), (C, D), (T, D)),
        ("bmm", (B, T, C), (B, C, D), (B, T, D)),
        ("bmm", (DYN, T, C), (B, C, DYN), (B, T, DYN)),
        ("mv", (T, C), (C,), (T,)),
        ("dot", (C,), (DYN,), ()),
    ],
)
def test_fixed_rank_rules_over_symbols_and_dyn(op, sa, sb, want):
    assert sd.ops.REGISTRY[op].rule(op, sa, sb) == want


def test_fixed_rank_rules_refuse_symbols_that_differ():
    with pytest.raises(sd.ShapeError, match=r"^bmm: .*batch sizes differ: B vs T at axis 0"):
        sd.ops.REGISTRY["bmm"].rule("bmm", (B, 2, 3), (T, 3, 2))
