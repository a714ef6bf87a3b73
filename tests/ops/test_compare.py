"""Comparisons and `where` against PyTorch: broadcasting, scalars, dtypes, gradients."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd

CMP = [
    ("eq", lambda a, b: a.eq(b), torch.eq),
    ("ne", lambda a, b: a.ne(b), torch.ne),
    ("lt", lambda a, b: a < b, torch.lt),
    ("le", lambda a, b: a <= b, torch.le),
    ("gt", lambda a, b: a > b, torch.gt),
    ("ge", lambda a, b: a >= b, torch.ge),
]
SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 2))]


def ints(*shape, seed=0):
    """Small integers as floats, so that equal values (ties) actually occur."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype("float32")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("name,op,top", CMP, ids=[c[0] for c in CMP])
def test_comparisons_broadcast_like_torch(name, op, top, sa, sb, dtype):
    a, b = ints(*sa, seed=1).astype(dtype), ints(*sb, seed=2).astype(dtype)
    out = op(sd.from_numpy(a).traced(), sd.from_numpy(b))
    want = top(torch.from_numpy(a), torch.from_numpy(b))
    assert out.dtype is sd.bool_ and not out.is_traced
    assert out.shape == tuple(want.shape)
    np.testing.assert_array_equal(out.numpy(), want.numpy())


@pytest.mark.parametrize("name,op,top", CMP, ids=[c[0] for c in CMP])
def test_python_scalars_on_either_side(name, op, top):
    a = ints(3, 4, seed=3)
    fn = getattr(sd.ops, name)
    for s in (0, 1.0, -2):
        np.testing.assert_array_equal(fn(sd.from_numpy(a), s).numpy(), top(torch.from_numpy(a), s))
        np.testing.assert_array_equal(
            fn(s, sd.from_numpy(a)).numpy(), top(torch.tensor(s), torch.from_numpy(a))
        )


def test_reflected_operators_with_scalar_on_the_left():
    a = ints(5, seed=4)
    x, t = sd.from_numpy(a), torch.from_numpy(a)
    np.testing.assert_array_equal((1 < x).numpy(), (1 < t).numpy())
    np.testing.assert_array_equal((0 >= x).numpy(), (0 >= t).numpy())


@pytest.mark.parametrize("sa,sb", SHAPES)
def test_equality_operators_are_elementwise_like_torch(sa, sb):
    a, b = ints(*sa, seed=5), ints(*sb, seed=6)
    x, y, ta, tb = sd.from_numpy(a), sd.from_numpy(b), torch.from_numpy(a), torch.from_numpy(b)
    for got, want in [(x == y, ta == tb), (x != y, ta != tb), (x == 0, ta == 0), (1 != x, 1 != ta)]:
        assert isinstance(got, sd.Tensor) and got.dtype is sd.bool_ and not got.is_traced
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_equality_with_a_non_number_is_identity_like_torch():
    x = sd.ones((2,))
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (x == "a") is (torch.ones(2) == "a") is False


def test_equality_mask_of_labels():
    labels = sd.tensor([0, 2, 0, 1])
    assert (labels == 0).tolist() == [True, False, True, False]
    with pytest.raises(sd.ShapeError, match=r"^eq: shapes \(4,\) and \(3,\)"):
        labels == sd.tensor([0, 1, 2])  # noqa: B015


def test_comparison_of_a_traced_scalar_drives_python_control_flow():
    c = sd.tensor(60.0).traced()
    assert bool(c > 50) and not bool(c < 50)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_shape_error_names_op_shapes_and_axis(name):
    with pytest.raises(sd.ShapeError, match=rf"{name}: shapes \(2, 3\) and \(4,\).*axis -1"):
        getattr(sd.ops, name)(sd.ones((2, 3)), sd.ones((4,)))


def test_comparisons_registered_as_bool():
    for name in ["eq", "ne", "lt", "le", "gt", "ge"]:
        spec = sd.ops.REGISTRY[name]
        assert spec.dtype == "bool" and spec.tensors == ("a", "b")
    assert sd.ops.REGISTRY["lt"].methods == ("__lt__", "lt")  # NOTE: PyTorch's x.lt(y) too
    assert sd.ops.REGISTRY["eq"].methods == ("eq", "__eq__")
    assert sd.ops.REGISTRY["ne"].methods == ("ne", "__ne__")
    assert sd.ops.REGISTRY["where"].tensors == ("cond", "a", "b")


# ---- where ------------------------------------------------------------------------------
WHERE = [
    ((3, 4), (3, 4), (3, 4)),
    ((3, 1), (1, 4), (3, 4)),
    ((4,), (2, 3, 4), ()),
    ((), (2,), (3, 1)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sc,sa,sb", WHERE)
def test_where_matches_torch(sc, sa, sb, dtype):
    cond = np.random.default_rng(5).random(sc) > 0.5
    compare(
        lambda c, a, b: sd.ops.where(c, a, b),
        torch.where,
        [cond, randn(*sa, dtype=dtype, seed=6), randn(*sb, dtype=dtype, seed=7)],
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_where_with_scalar_branches_matches_torch(dtype):
    x = randn(3, 4, dtype=dtype, seed=8)
    compare(lambda a: sd.ops.where(a > 0, a, 0.5), lambda t: torch.where(t > 0, t, 0.5), [x])
    compare(lambda a: sd.ops.where(a > 0, -1, a), lambda t: torch.where(t > 0, -1, t), [x])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_where_with_a_half_tensor_and_a_python_float_keeps_the_half_dtype_like_torch(dtype):
    # NOTE: a causal mask, `where(mask, scores, -inf)`: NumPy made bf16 with a Python float
    # f64, and the next matmul refused it
    x = randn(3, 4, seed=8)
    t = torch.tensor(x).to(getattr(torch, dtype))
    ours = sd.tensor(x).astype({"float16": sd.f16, "bfloat16": sd.bf16}[dtype])
    for a, b, ta, tb in ((ours, -np.inf, t, -np.inf), (0.25, ours, 0.25, t)):
        got = sd.ops.where(ours > 0, a, b)
        want = torch.where(t > 0, ta, tb)
        assert got.dtype is ours.dtype and want.dtype == t.dtype
        np.testing.assert_array_equal(got.astype(sd.f32).numpy(), want.float().numpy())


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_where_with_an_int_that_does_not_fit_raises_like_torch(dtype):
    # NOTE: NumPy wrapped it around silently: 3_000_000_000 in int32 was -1294967296
    big = 2**40 if dtype == "int32" else 2**64
    x, c = np.array([1, 2], dtype=dtype), np.array([True, False])
    with pytest.raises((OverflowError, RuntimeError)):
        torch.where(torch.from_numpy(c), torch.from_numpy(x), big)
    message = f"where: Python integer {big} out of bounds for {dtype}"
    with pytest.raises(OverflowError, match=message):
        sd.ops.where(sd.from_numpy(c), sd.from_numpy(x), big)
    fits = sd.ops.where(sd.from_numpy(c), sd.from_numpy(x), -(2**31))
    assert fits.tolist() == [1, -(2**31)] and fits.dtype.name == dtype


def test_where_with_two_scalars_is_float32_like_torch():
    cond = sd.tensor([True, False])
    out = sd.ops.where(cond, 1.0, 0.0)
    want = torch.where(torch.tensor([True, False]), 1.0, 0.0)
    assert out.dtype is sd.f32 and str(want.dtype) == "torch.float32"
    np.testing.assert_array_equal(out.numpy(), want.numpy())


def test_where_central_differences_float64():
    central_difference(
        lambda a, b: sd.ops.where(a > b, a * b, b.square()),
        [randn(3, 4, dtype="float64", seed=9), randn(4, dtype="float64", seed=10)],
    )


def test_where_shape_error_names_all_three_shapes():
    with pytest.raises(sd.ShapeError, match=r"where: shapes \(2,\) and \(3,\) and \(\): .*axis -1"):
        sd.ops.where(sd.ones((2,)) > 0, sd.ones((3,)), 0.0)


# ---- random shapes ----------------------------------------------------------------------
@st.composite
def broadcastable(draw):
    shape = draw(st.lists(st.integers(1, 4), max_size=4))
    a = [draw(st.sampled_from([d, 1])) for d in shape][draw(st.integers(0, len(shape))) :]
    b = [draw(st.sampled_from([d, 1])) for d in shape][draw(st.integers(0, len(shape))) :]
    return tuple(a), tuple(b)


@settings(max_examples=25, deadline=None)
@given(broadcastable(), st.sampled_from(CMP), st.integers(0, 2**31 - 1))
def test_random_broadcasts_match_torch(shapes, cmp, seed):
    (sa, sb), (_, op, top) = shapes, cmp
    a, b = ints(*sa, seed=seed), ints(*sb, seed=seed + 1)
    out = op(sd.from_numpy(a), sd.from_numpy(b))
    np.testing.assert_array_equal(
        out.numpy(), top(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    )
    compare(
        lambda c, x, y: sd.ops.where(c, x, y),
        torch.where,
        [out.numpy(), randn(*sa, dtype="float64", seed=seed), randn(*sb, dtype="float64", seed=2)],
    )
