"""ops/fmod.py against PyTorch: C's remainder (the dividend's sign), values and gradients."""

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd

A = np.array([[7.0, -7.0, 5.5, -5.5, 0.0, -0.0], [3.0, -3.0, 1e-3, 2.5, 9.0, -1.0]])
B = np.array([[3.0, 3.0, -2.0, -2.0, 3.0, 2.0], [1.5, 0.7, 0.3, -2.5, 4.0, 3.0]])


# (a, b): equal shapes, broadcasting either way, a 0-d dividend, an empty one
PAIRS = [(A, B), (A, B[0]), (A[:, :1], B[:1]), (A[0, 0], B), (A[:0], B[0])]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a.shape}{b.shape}" for a, b in PAIRS])
def test_matches_torch_values_and_gradients(a, b, dtype):
    a, b = np.array(a, dtype), np.array(b, dtype)
    compare(sd.ops.fmod, torch.fmod, [a, b])
    compare(lambda x, y: x.fmod(y), lambda x, y: x.fmod(y), [a, b])
    assert sd.fmod is sd.ops.fmod


@pytest.mark.parametrize("scalar", [3, -2.5, 0.75])
def test_a_scalar_divisor_matches_torch(scalar):
    a = A.astype("float32")
    compare(lambda x: sd.ops.fmod(x, scalar), lambda t: torch.fmod(t, scalar), [a])
    compare(lambda x: x.fmod(scalar), lambda t: t.fmod(scalar), [a])


def test_the_sign_is_the_dividends_where_percent_takes_the_divisors():
    x = sd.tensor([-7.0, 7.0])
    assert sd.ops.fmod(x, 3).tolist() == [-1.0, 1.0]
    assert (x % 3).tolist() == [2.0, 1.0]


def test_zeros_and_infinities_give_torchs_nan_and_gradients():
    # NOTE: PyTorch's gradient for b is -trunc(a / b): inf where b is 0 (of a's sign), nan
    # where a is inf; fmod itself is nan at b == 0 and at a == inf, a where b is inf
    a = np.array([5.0, -5.0, 1.0, 0.0, np.inf, 3.0, np.nan, -2.0], "float32")
    b = np.array([0.0, 0.0, np.inf, 2.0, 2.0, -0.0, 1.0, -np.inf], "float32")
    run(([a, b], sd.ops.fmod, torch.fmod))


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integers_match_torch_and_division_by_zero_is_an_error(dtype):
    a, b = np.array([7, -7, 5, -5, 0]).astype(dtype), np.array([3, 3, -2, -2, 4]).astype(dtype)
    compare(sd.ops.fmod, torch.fmod, [a, b], grad=False)
    compare(lambda x: sd.ops.fmod(x, 3), lambda t: torch.fmod(t, 3), [a], grad=False)
    for divisor in (0, sd.tensor(np.array([1, 0, 1, 1, 1]).astype(dtype))):
        with pytest.raises(ZeroDivisionError, match="^fmod: integer division by zero"):
            sd.ops.fmod(sd.from_numpy(a), divisor)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.fmod(torch.from_numpy(a), 0)


def test_booleans_and_a_scalar_dividend_are_refused_as_by_torch():
    mask = sd.tensor([True, False])
    with pytest.raises(TypeError, match="^fmod: no remainder of booleans"):
        sd.ops.fmod(mask, mask)
    with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
        torch.fmod(torch.tensor([True, False]), torch.tensor([True, False]))
    with pytest.raises(TypeError, match="^fmod: a must be a tensor, not float"):
        sd.ops.fmod(2.0, sd.ones((2,)))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        torch.fmod(2.0, torch.ones(2))


@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_matches_torch(dtype):
    mine, theirs = {"float16": (sd.f16, torch.float16), "bfloat16": (sd.bf16, torch.bfloat16)}[
        dtype
    ]
    a = np.array([7.0, -7.0, 5.5, 2047.0, -300.0, 0.1], "float32")
    b = np.array([3.0, 3.0, -2.0, 1.0009765625, 7.0, 0.03], "float32")
    x, y = sd.tensor(a).astype(mine), sd.tensor(b).astype(mine)
    out = sd.ops.fmod(x.traced(), y.traced())
    grads = out.sum().backward()
    ta = torch.from_numpy(a).to(theirs).requires_grad_()
    tb = torch.from_numpy(b).to(theirs).requires_grad_()
    want = torch.fmod(ta, tb)
    want.sum().backward()
    assert out.dtype is mine and grads[x].dtype is mine and grads[y].dtype is mine
    for got, ref in ((out, want.detach()), (grads[x], ta.grad), (grads[y], tb.grad)):
        np.testing.assert_array_equal(got.astype(sd.f64).numpy(), ref.double().numpy())


def test_shape_and_dtype_errors_name_fmod():
    with pytest.raises(sd.ShapeError, match=r"^fmod: shapes \(2, 3\) and \(4,\)"):
        sd.ops.fmod(sd.ones((2, 3)), sd.ones((4,)))
    with pytest.raises(sd.DTypeError, match="^fmod: dtypes float32 and float64 differ"):
        sd.ops.fmod(sd.ones((2,)), sd.ones((2,)).astype(sd.f64))


def test_central_differences_float64():
    central_difference(
        sd.ops.fmod, [randn(2, 3, dtype="float64") * 5, randn(3, dtype="float64", seed=4) + 3]
    )
