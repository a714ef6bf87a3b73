"""tril, triu and masked_fill against PyTorch, their errors, and their rules over symbols."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd
from shapedl import dims
from shapedl.ops.mask import masked_fill_rule, matrix_rule
from shapedl.types import DTYPES

B, T = dims.sym("B"), dims.sym("T")

TRIANGLES = [((4, 4), 0), ((3, 5), 1), ((5, 3), -1), ((2, 3, 4), 2), ((2, 2, 3, 3), -5)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,diagonal", TRIANGLES)
@pytest.mark.parametrize("name", ["tril", "triu"])
def test_triangles_match_torch(name, shape, diagonal, dtype):
    compare(
        lambda x: getattr(x, name)(diagonal),
        lambda t: getattr(torch, name)(t, diagonal),
        [randn(*shape, dtype=dtype)],
    )


FILLS = [
    ((3, 4), (3, 4), 0.0),
    ((3, 4), (4,), -1.5),
    ((2, 3, 4), (3, 1), 2.0),
    ((2, 3, 4), (1, 1, 1), 7.0),
    ((2, 3), (), -3.0),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,mask_shape,value", FILLS)
def test_masked_fill_matches_torch(shape, mask_shape, value, dtype):
    mask = randn(*mask_shape, seed=3) > 0
    compare(
        lambda x, m: x.masked_fill(m, value),
        lambda t, m: t.masked_fill(m, value),
        [randn(*shape, dtype=dtype), np.array(mask)],
    )


def test_causal_mask_with_minus_infinity_keeps_dtype():
    x = sd.ones((3, 3))
    out = x.masked_fill(sd.ones((3, 3)).triu(1) > 0, float("-inf"))
    want = torch.ones(3, 3).masked_fill(torch.ones(3, 3).triu(1) > 0, float("-inf"))
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    assert out.numpy().dtype == np.float32


def test_gradients_by_differences():
    mask = sd.tensor([[True, False, False], [False, True, False]])
    central_difference(lambda x: x.masked_fill(mask, 2.0) * x.tril(), [randn(2, 3)])
    central_difference(lambda x: sd.ops.triu(x, -1), [randn(3, 3)])


ERRORS = [
    (lambda: sd.ones((3,)).tril(), r"tril: shape \(3,\): needs at least 2 axes.*rank 1"),
    (lambda: sd.ones(()).triu(), r"triu: shape \(\): needs at least 2 axes"),
    (
        lambda: sd.ones((2, 3)).masked_fill(sd.ones((2, 4)) > 0, 0.0),
        r"masked_fill: shapes \(2, 3\) and \(2, 4\): cannot broadcast 3 against 4 at axis -1",
    ),
    (
        lambda: sd.ones((2, 3)).masked_fill(sd.ones((5, 2, 3)) > 0, 0.0),
        r"masked_fill: shapes \(2, 3\) and \(5, 2, 3\): the mask is larger",
    ),
    (
        lambda: sd.ones((1, 3)).masked_fill(sd.ones((2, 3)) > 0, 0.0),
        r"masked_fill: shapes \(1, 3\) and \(2, 3\): the mask is larger",
    ),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_and_shapes(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op()


def test_a_float_mask_is_rejected():
    with pytest.raises(TypeError, match="boolean"):
        sd.ones((2,)).masked_fill(sd.ones((2,)), 0.0)  # type: ignore[arg-type]


def test_rules_over_symbols():
    assert matrix_rule("tril", (B, T, T)) == (B, T, T)
    assert masked_fill_rule("masked_fill", (B, T, T), (T, T)) == (B, T, T)
    assert masked_fill_rule("masked_fill", (B, T), (dims.DYN, 1)) == (B, T)
    with pytest.raises(sd.ShapeError, match=r"masked_fill: shapes \(B, T\) and \(T, B\)"):
        masked_fill_rule("masked_fill", (B, T), (T, B))


# ---- a 0-d tensor value: PyTorch's value, dtype and gradient (HF's `finfo.min` fills) -----
TENSOR_FILLS = [
    ("float32", (2, 3), (2, 3), "float32"),
    ("float32", (2, 3, 4), (3, 1), "float64"),  # the value's gradient in its own dtype
    ("float64", (3, 4), (4,), "float32"),
    ("float32", (2, 3), (), "float32"),
]


@pytest.mark.parametrize("dtype,shape,mask_shape,value_dtype", TENSOR_FILLS)
def test_masked_fill_with_a_0d_tensor_matches_torch(dtype, shape, mask_shape, value_dtype):
    mask = randn(*mask_shape, seed=3) > 0
    compare(
        lambda x, m, v: x.masked_fill(m, v),
        lambda t, m, v: t.masked_fill(m, v),
        [randn(*shape, dtype=dtype), np.array(mask), np.array(-2.5, dtype=value_dtype)],
    )


def test_masked_fill_with_a_0d_tensor_casts_it_to_x_dtype_as_torch():
    m = np.array([True, False, True])
    for x, v in [(np.zeros(3, "int64"), np.array(1.5)), (np.zeros(3), np.array(True))]:
        got = sd.from_numpy(x).masked_fill(sd.from_numpy(m), sd.from_numpy(v)).numpy()
        want = torch.from_numpy(x).masked_fill(torch.from_numpy(m), torch.from_numpy(v))
        np.testing.assert_array_equal(got, want.numpy())
        assert got.dtype == want.numpy().dtype


def test_masked_fill_refuses_a_value_tensor_that_is_not_0d():
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        torch.zeros(2, 3).masked_fill(torch.ones(2, 3, dtype=torch.bool), torch.ones(3, 1, 1))
    value = sd.ones((3, 1, 1))
    message = (
        r"masked_fill: shapes \(2, 3\) and \(2, 3\) and \(3, 1, 1\): the value must be a "
        r"number or a 0-d tensor, not 3-d"
    )
    with pytest.raises(sd.ShapeError, match=message):
        sd.zeros((2, 3)).masked_fill(sd.ones((2, 3)) > 0, value)  # type: ignore[arg-type]
    with pytest.raises(sd.ShapeError, match=r"\(B, T\) and \(T,\) and \(B,\): the value"):
        masked_fill_rule("masked_fill", (B, T), (T,), (B,))


# ---- a number that the dtype cannot hold: refused, as PyTorch's ---------------------------
OVERFLOWS = [
    ("float16", -1e9),
    ("float16", 65519.0),
    ("bfloat16", 1e39),
    ("float32", -1e39),
    ("int32", 2**40),
    ("int64", 1e30),
    ("int64", float("nan")),
]
HELD = [("float16", float("-inf")), ("float16", float("nan")), ("float16", -65504.0),
        ("int64", -(2**63)), ("int64", 2.7), ("bool", 5), ("float64", 1e300)]  # fmt: skip


@pytest.mark.parametrize("dtype,value", OVERFLOWS)
def test_a_fill_value_that_overflows_the_dtype_is_refused_as_torch(dtype, value):
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.zeros(2, dtype=getattr(torch, dtype)).masked_fill(torch.tensor([True, False]), value)
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.full((2,), value, dtype=getattr(torch, dtype))
    mask = sd.tensor([True, False])
    words = rf"value {value!r} cannot be converted to {dtype} without overflow".replace("+", r"\+")
    with pytest.raises(ValueError, match=f"masked_fill: {words}"):
        sd.zeros((2,), dtype=DTYPES[dtype]).masked_fill(mask, value)
    with pytest.raises(ValueError, match=f"full: {words}"):
        sd.full((2,), value, dtype=DTYPES[dtype])


@pytest.mark.parametrize("dtype,value", HELD)
def test_a_fill_value_the_dtype_holds_is_filled_as_torch(dtype, value):
    m = torch.tensor([True, False])
    want = torch.zeros(2, dtype=getattr(torch, dtype)).masked_fill(m, value)
    got = sd.zeros((2,), dtype=DTYPES[dtype]).masked_fill(sd.tensor([True, False]), value)
    np.testing.assert_array_equal(got.numpy().astype("float64"), want.double().numpy())
    full = sd.full((2,), value, dtype=DTYPES[dtype]).numpy().astype("float64")
    np.testing.assert_array_equal(full, torch.full((2,), value, dtype=want.dtype).double().numpy())


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(-5, 5))
def test_random_triangles_match_torch(n, m, diagonal):
    compare(lambda x: x.tril(diagonal), lambda t: t.tril(diagonal), [randn(2, n, m)])
    compare(lambda x: x.triu(diagonal), lambda t: t.triu(diagonal), [randn(n, m)])


# ---- nonzero (argwhere) and masked_select: sizes known only at run time --------------------
NONZERO = [
    np.array([[0.0, 1.5, -0.0], [np.nan, 0.0, -2.0]]),
    np.array([[[0, 3], [0, 0]], [[1, 0], [0, 2]]]),
    np.array([True, False, True]),
    np.zeros((2, 3)),
    np.ones((0, 4)),
    np.array(3.0),
    np.array(0),
]


@pytest.mark.parametrize("a", NONZERO, ids=[f"{a.dtype}{a.shape}" for a in NONZERO])
def test_nonzero_and_argwhere_match_torch(a):
    want = torch.nonzero(torch.from_numpy(a)).numpy()
    x = sd.from_numpy(a)
    for out in (sd.ops.nonzero(x), sd.argwhere(x), x.nonzero(), x.argwhere()):
        assert out.dtype is sd.i64 and out.tape is None
        np.testing.assert_array_equal(out.numpy(), want)
        assert out.shape == want.shape
    np.testing.assert_array_equal(
        torch.argwhere(torch.from_numpy(a)).numpy(), want
    )  # NOTE: PyTorch's alias, as ours
    if a.dtype.kind == "f":
        assert sd.ops.nonzero(sd.from_numpy(a).traced()).tape is None


SELECTS = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),  # the mask broadcast to x
    ((3,), (2, 3)),  # x broadcast to the mask: its gradient summed back
    ((2, 1), (1, 4)),
    ((), (2, 2)),
    ((0, 3), (3,)),
    ((4,), ()),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sx,sm", SELECTS, ids=[f"{x}{m}" for x, m in SELECTS])
def test_masked_select_matches_torch_values_and_gradients(sx, sm, dtype):
    x = randn(*sx, dtype=dtype)
    m = np.random.default_rng(5).integers(0, 2, sm).astype(bool)
    compare(sd.ops.masked_select, torch.masked_select, [x, m])
    compare(lambda a, b: a.masked_select(b), lambda a, b: a.masked_select(b), [x, m])


def test_masked_select_of_integers_and_all_or_nothing_matches_torch():
    a = np.arange(6).reshape(2, 3)
    for m in (a % 2 == 0, np.zeros((2, 3), bool), np.ones((2, 3), bool)):
        compare(sd.ops.masked_select, torch.masked_select, [a, m], grad=False)
    x = randn(2, 3)
    compare(sd.ops.masked_select, torch.masked_select, [x, np.zeros((2, 3), bool)])


def test_masked_select_refuses_what_torch_refuses():
    with pytest.raises(sd.ShapeError, match=r"^masked_select: shapes \(2, 3\) and \(2,\): cannot"):
        sd.ops.masked_select(sd.ones((2, 3)), sd.ones((2,)) > 0)
    with pytest.raises(RuntimeError):
        torch.masked_select(torch.ones(2, 3), torch.ones(2) > 0)
    with pytest.raises(TypeError, match="^masked_select: the mask must be boolean, not float32"):
        sd.ops.masked_select(sd.ones((2, 3)), sd.ones((2, 3)))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="expected BoolTensor"):
        torch.masked_select(torch.ones(2, 3), torch.ones(2, 3))


def test_the_rules_give_dyn_sizes():
    assert sd.ops.REGISTRY["nonzero"].rule("nonzero", (B, T)) == (dims.DYN, 2)
    assert sd.ops.REGISTRY["nonzero"].rule("nonzero", ()) == (dims.DYN, 0)
    rule = sd.ops.REGISTRY["masked_select"].rule
    assert rule("masked_select", (B, T), (T,)) == (dims.DYN,)
    with pytest.raises(sd.ShapeError, match=r"masked_select: shapes \(B, T\) and \(B,\)"):
        rule("masked_select", (B, T), (B,))
