"""Elementwise ops against PyTorch: values and gradients, f32 and f64, with broadcasting."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fuzz import run
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
    ("gelu", lambda x: x.gelu(), torch.nn.functional.gelu),
    (
        "gelu_tanh",
        lambda x: x.gelu(approximate="tanh"),
        lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
    ),
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
    ("remainder", lambda a, b: a % (b.abs() + 1), lambda a, b: a % (b.abs() + 1)),
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


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize(
    "op",
    [lambda a, b: a // b, lambda a, b: a % b, lambda a, b: 7 // b, lambda a, b: -7 % b],
    ids=["floordiv", "mod", "rfloordiv", "rmod"],
)
def test_floor_division_and_remainder_round_down_like_torch(op, dtype):
    # NOTE: operands of both signs, where truncation and flooring differ
    a = np.array([[7, -7, 5, -5], [0, 3, -3, 9]]).astype(dtype)
    b = np.array([2, 2, -3, -3]).astype(dtype)
    compare(op, op, [a, b], grad=False)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integers_to_negative_powers_are_torchs(dtype):
    x = np.array([[0, 1, -1, 2, -2, 3]]).astype(dtype)
    e = np.array([[-1], [-2], [0], [3]]).astype(dtype)
    compare(lambda a, b: a**b, lambda a, b: a**b, [x, e], grad=False)
    compare(lambda b: 2**b, lambda b: 2**b, [e], grad=False)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        torch.from_numpy(x) ** -1
    with pytest.raises(ValueError, match=r"^pow: integers to negative integer powers .* -1; con"):
        sd.from_numpy(x) ** -1


@pytest.mark.parametrize("power", [0, 1, 2, 3])
def test_an_int32_to_a_python_int_power_stays_int32_as_torch(power):
    """NumPy's `maximum(2, 0)` is an int64 scalar: `i32 ** 2` became i64, which the next op
    with an i32 refused."""
    x = np.array([[0, 1, -1, 2, -2, 3]]).astype("int32")
    compare(lambda a: a**power, lambda a: a**power, [x], grad=False)
    compare(lambda a: a**power + a, lambda a: a**power + a, [x], grad=False)


@pytest.mark.parametrize(
    "op",
    [lambda a, b: a // b, lambda a, b: a % b, lambda a, b: a // 0, lambda a, b: 7 % b],
    ids=["floordiv", "mod", "floordiv-0", "rmod"],
)
def test_an_integer_division_by_zero_is_an_error_as_in_torch(op):
    a, b = np.array([7, -7, 5]), np.array([2, 0, -3])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(torch.from_numpy(a), torch.from_numpy(b))
    with pytest.raises(ZeroDivisionError, match=r"^(floor_divide|remainder): integer division"):
        op(sd.from_numpy(a), sd.from_numpy(b))
    op(sd.from_numpy(a.astype("float32")), sd.from_numpy(b.astype("float32")))  # NOTE: inf, nan


def test_floor_division_broadcast_error_names_op_shapes_and_axis():
    with pytest.raises(sd.ShapeError, match=r"floor_divide: shapes \(2, 3\) and \(4,\)"):
        sd.ones((2, 3)) // sd.ones((4,))
    with pytest.raises(sd.ShapeError, match=r"remainder: shapes \(2, 3\) and \(4,\)"):
        sd.ones((2, 3)) % sd.ones((4,))


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


# ---- edge cases: PyTorch's values and gradients where the math is at its limits ----------
def _f(*values, dtype="float32"):
    return np.array(values, dtype=dtype)


EDGES = [
    # inf and nan are the answers here (torch's too), never an error or a warning-as-error
    ("log at 0 and below", lambda x: x.log(), torch.log, _f(0.0, -1.0, 2.0)),
    ("sqrt at 0 and below", lambda x: x.sqrt(), torch.sqrt, _f(0.0, -1.0, 4.0)),
    ("reciprocal at 0", lambda x: x.reciprocal(), torch.reciprocal, _f(0.0, -0.0, 2.0)),
    ("exp overflow", lambda x: x.exp(), torch.exp, _f(100.0, -200.0, 1.0)),
    ("x ** 0 at 0", lambda x: x**0, lambda t: t**0, _f(-2.0, 0.0, 3.0)),
    ("x ** -1 at 0", lambda x: x**-1.0, lambda t: t**-1.0, _f(0.0, 1.0, -3.0)),
    ("x ** 0.5 below 0", lambda x: x**0.5, lambda t: t**0.5, _f(-1.0, 0.0, 3.0)),
    ("x ** 3 below 0", lambda x: x**3, lambda t: t**3, _f(-2.0, 0.0, 3.0)),
    ("negative base ** t", lambda x: (-2.0) ** x, lambda t: (-2.0) ** t, _f(-1.0, 0.0, 3.0)),
    ("0 ** t", lambda x: 0.0**x, lambda t: 0.0**t, _f(-1.0, 0.0, 3.0)),
    # saturation: torch's 1 / (1 + exp(-x)) keeps tiny values that tanh's form rounds to 0
    ("sigmoid saturates", lambda x: x.sigmoid(), torch.sigmoid, _f(-100, -30, -20, 0, 20, 100)),
    ("sigmoid f64", lambda x: x.sigmoid(), torch.sigmoid, _f(-700, -30, 0, 30, dtype="float64")),
    ("silu saturates", lambda x: x.silu(), F.silu, _f(-100, -30, -10, 0, 30)),
    ("softplus threshold", lambda x: x.softplus(), F.softplus, _f(-30, 0, 19.5, 20, 20.5, 50)),
    ("softplus f64", lambda x: x.softplus(), F.softplus, _f(-30, 15, 20, 21, dtype="float64")),
    # bounds: clamp passes the gradient at a bound; min > max clamps everything to max
    ("clamp at bounds", lambda x: x.clamp(0.0, 1.0), lambda t: t.clamp(0.0, 1.0), _f(0, 1, 2, -1)),
    ("clamp min > max", lambda x: x.clamp(2.0, 1.0), lambda t: t.clamp(2.0, 1.0), _f(0, 1, 1.5, 3)),
    ("clamp max only", lambda x: x.clamp(max=1.0), lambda t: t.clamp(max=1.0), _f(0, 1, 2)),
    ("clamp nan", lambda x: x.clamp(0.0, 1.0), lambda t: t.clamp(0.0, 1.0), _f(np.nan, 0.5)),
    ("relu and abs at 0", lambda x: x.relu() + x.abs(), lambda t: t.relu() + t.abs(), _f(0, -1, 1)),
]


@pytest.mark.parametrize("name,op,top,x", EDGES, ids=[e[0] for e in EDGES])
def test_edge_values_and_gradients_match_torch(name, op, top, x):
    # NOTE: atol 0, so a tiny value where torch has one (sigmoid(-30) = 9e-14) counts
    compare(op, top, [x], rtol=1e-5 if x.dtype == np.float32 else 1e-9, atol=0)


BINARY_EDGES = [
    ("div by 0", lambda a, b: a / b, _f(1.0, 0.0, -1.0), _f(0.0, 0.0, 0.0)),
    ("pow with 0 exponent", lambda a, b: a**b, _f(-2, 0, 0, 2, 0), _f(2, 0, 2, 0.5, -1)),
    ("maximum with nan", sd.ops.maximum, _f(1, np.nan, 3, 2), _f(np.nan, 0, 3, 1)),
    ("minimum with nan", sd.ops.minimum, _f(1, np.nan, 3, 2), _f(np.nan, 0, 3, 1)),
]
TORCH_BINARY = {
    "div by 0": torch.div,
    "pow with 0 exponent": torch.pow,
    "maximum with nan": torch.maximum,
    "minimum with nan": torch.minimum,
}


@pytest.mark.parametrize("name,op,a,b", BINARY_EDGES, ids=[e[0] for e in BINARY_EDGES])
def test_binary_edge_values_and_gradients_match_torch(name, op, a, b):
    compare(op, TORCH_BINARY[name], [a, b], rtol=1e-5, atol=0)


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.sigmoid(),
        lambda x: x.silu(),
        lambda x: x.softplus(),
        lambda x: x.sqrt(),
        lambda x: x * 0.5,
        lambda x: x.clamp(0.5, 1.0),
    ],
)
@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_bf16_stays_bf16_through_the_gradient(op):
    x = sd.tensor([0.25, 1.0, 3.0], dtype=sd.bf16)
    out = op(x.traced())
    assert out.numpy().dtype.name == "bfloat16"
    assert out.sum().backward()[x].numpy().dtype.name == "bfloat16"


def test_sigmoid_of_a_0d_tensor_matches_torch():
    compare(lambda x: x.sigmoid() + x.silu(), lambda t: t.sigmoid() + F.silu(t), [_f(-30.0)[0]])


NAN, INF = float("nan"), float("inf")
# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py); each failed before its fix
EDGES = [
    ("relu", sd.ops.relu, torch.relu, [-INF, NAN, -0.0, 0.0, -1e30, 2.0]),
    ("abs", sd.ops.abs, torch.abs, [NAN, -0.0, 0.0, -INF, 3.0]),
    ("sin", sd.ops.sin, torch.sin, [INF, -INF, NAN, 1.0]),
    ("cos", sd.ops.cos, torch.cos, [INF, -INF, NAN, 1.0]),
    ("silu", sd.ops.silu, F.silu, [-INF, INF, NAN, -1e30, 0.0]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top,values", EDGES, ids=[c[0] for c in EDGES])
def test_edge_values_match_torch(name, op, top, values, dtype):
    run(([np.array(values, dtype=dtype)], op, top))


def test_remainder_by_zero_has_torchs_gradient():
    a, b = np.array([1.0, -2.0, 0.0, 3.0]), np.array([0.0, 0.0, 0.0, 2.0])
    run(([a, b], sd.ops.remainder, torch.remainder))


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_clamp_of_integers_takes_whole_bounds_and_refuses_others(dtype):
    x = np.array([1, -2, 3, 0, 4]).astype(dtype)
    compare(lambda v: v.clamp(0, 2), lambda t: t.clamp(0, 2), [x], grad=False)
    compare(lambda v: v.clamp(-1.0, 2.0), lambda t: t.clamp(-1, 2), [x], grad=False)
    half = np.float32(0.5)  # NOTE: a NumPy float too
    refused = [lambda v: v.clamp(0.5, 2.5), lambda v: v.clamp_max(-0.5)]
    for call in [*refused, lambda v: v.clamp_min(half)]:
        with pytest.raises(TypeError, match=rf"clamp: (min|max)=-?0.5 .* x is {dtype}; convert"):
            call(sd.from_numpy(x))


def test_div_gradient_overflows_as_torchs():
    # NOTE: found by the differential fuzzer: PyTorch's -g * ((a / b) / b) overflows to -inf
    # here, where -g * (a / b) / b stayed finite
    a, b = np.array([88.8, 1.0, 0.0], "float32"), np.array([2.43898365e-19, 0.0, 0.0], "float32")
    run(([a, b], sd.ops.div, torch.div))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clamp_min_and_clamp_max_match_torch(dtype):
    x = randn(3, 4, dtype=dtype)
    x[0, :2] = [0.25, -0.5]  # NOTE: values at the bounds: gradient 1 there, as PyTorch's
    compare(lambda v: v.clamp_min(0.25), lambda t: t.clamp_min(0.25), [x])
    compare(lambda v: sd.ops.clamp_max(v, -0.5), lambda t: torch.clamp_max(t, -0.5), [x])
    compare(
        lambda v: sd.clamp_min(v, 0.0) * sd.clamp_max(v, 0.5),
        lambda t: t.clamp_min(0.0) * t.clamp_max(0.5),
        [x],
    )


def _bounds(*shape: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    lo = rng.uniform(-1.0, 0.0, shape).astype(np.float32)
    return lo, lo + rng.uniform(0.1, 1.0, shape).astype(np.float32)


_X = np.array([[-2.0, -0.5, 0.0, 0.5], [1.5, np.nan, 0.25, -0.25], [3.0, -3.0, 0.1, 0.9]], "f")
_LO, _HI = _bounds(3, 4)
_LO[0, 1], _HI[0, 3] = -0.5, 0.5  # NOTE: x at its bounds: the gradient goes to x
_LO[2, 2], _HI[2, 2] = 0.5, 0.0  # NOTE: min > max: max everywhere, its gradient to max
CLAMP_TENSORS = [
    ("both", [_X, _LO, _HI], sd.clamp, torch.clamp),
    ("min only", [_X, _LO], lambda x, lo: x.clamp(min=lo), lambda x, lo: x.clamp(min=lo)),
    ("max only", [_X, _HI], lambda x, hi: x.clip(max=hi), lambda x, hi: x.clip(max=hi)),
    ("bounds of a row", [_X, *_bounds(4)], sd.clamp, torch.clamp),
    ("bounds of a column", [_X, *_bounds(3, 1)], sd.clamp, torch.clamp),
    ("0-d bounds", [_X, *_bounds()], sd.clamp, torch.clamp),
    ("f64", [a.astype("float64") for a in (_X, _LO, _HI)], sd.clamp, torch.clamp),
    (
        "a Python max",  # NOTE: torch takes no mix: its max as a tensor
        [_X, _LO],
        lambda x, lo: sd.clamp(x, lo, 0.5),
        lambda x, lo: torch.clamp(x, lo, torch.full_like(x, 0.5)),
    ),
]


@pytest.mark.parametrize("name,inputs,op,top", CLAMP_TENSORS, ids=[c[0] for c in CLAMP_TENSORS])
def test_clamp_with_tensor_bounds_matches_torch(name, inputs, op, top):
    """Tensor bounds were refused with an error about `le` and ndarrays."""
    compare(op, top, inputs)


def test_clamp_refuses_tensor_bounds_that_do_not_fit_x():
    x = sd.ones((3,))
    with pytest.raises(sd.ShapeError, match=r"clamp: shapes \(3,\) and \(2, 3\): min would "):
        sd.clamp(x, sd.zeros((2, 3)))
    with pytest.raises(sd.ShapeError, match=r"clamp: shapes \(3,\) and \(2,\)"):
        x.clamp(max=sd.zeros((2,)))
    with pytest.raises(TypeError, match=r"clamp: dtypes float32 and float64 .* max.astype"):
        x.clamp(max=sd.zeros((3,), dtype=sd.f64))


SOFTPLUS_VALUES = [-40.0, -12.0, -3.0, -0.5, 0.0, 0.7, 5.0, 5.6, 9.0, 11.0, 11.2, 12.0, 15.0, 19.0]
SOFTPLUS_VALUES += [19.9, 20.0, 20.1, 25.0, 40.0, 60000.0, -60000.0]
SOFTPLUS_TORCH = {"float16": torch.float16, "bfloat16": torch.bfloat16}
SOFTPLUS_TORCH |= {"float32": torch.float32, "float64": torch.float64}
SOFTPLUS_SD = {"float16": sd.f16, "bfloat16": sd.bf16, "float32": sd.f32, "float64": sd.f64}


@pytest.mark.parametrize("beta,threshold", [(1.0, 20.0), (2.0, 20.0), (0.5, 3.0), (1.7, 30.0)])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_softplus_matches_torch_in_every_float_dtype(dtype, beta, threshold):
    # NOTE: PyTorch computes f16 and bf16 in f32: exp(beta * x) overflows f16 past 11.1, which
    # gave inf and a nan gradient before the half dtypes went through f32 here too
    v = np.array(SOFTPLUS_VALUES, np.float32)
    w = np.random.default_rng(0).standard_normal(v.shape).astype(np.float32)
    x = sd.tensor(v).astype(SOFTPLUS_SD[dtype])
    t = torch.tensor(v).to(SOFTPLUS_TORCH[dtype]).requires_grad_()
    out = sd.ops.softplus(x.traced(), beta, threshold)
    grad = (out * sd.tensor(w).astype(SOFTPLUS_SD[dtype])).sum().backward()[x]
    want = F.softplus(t, beta, threshold)
    (want * torch.tensor(w).to(t.dtype)).sum().backward()
    assert out.numpy().dtype.name == dtype and grad.numpy().dtype.name == dtype
    tol = {"float16": 1e-3, "bfloat16": 8e-3, "float32": 1e-6, "float64": 1e-12}[dtype]
    for got, ref in ((out, want.detach()), (grad, t.grad)):
        np.testing.assert_allclose(got.astype(sd.f64).numpy(), ref.double().numpy(), rtol=tol)
    method = x.softplus(beta=beta, threshold=threshold)
    np.testing.assert_array_equal(method.astype(sd.f64).numpy(), out.astype(sd.f64).numpy())


# ---- Python bools and ints beside tensors ---------------------------------------------------
BOOL_SCALARS = [
    ("mask + True", "bool", lambda m: m + True),
    ("True + mask", "bool", lambda m: True + m),
    ("mask * True", "bool", lambda m: m * True),
    ("mask * False", "bool", lambda m: m * False),
    ("f32 + True", "float32", lambda x: x + True),
    ("i64 * True", "int64", lambda x: x * True),
    ("True ** i64", "int64", lambda x: True ** (x - 1)),
]


@pytest.mark.parametrize("name,dtype,op", BOOL_SCALARS, ids=[c[0] for c in BOOL_SCALARS])
def test_a_python_bool_beside_a_tensor_keeps_torchs_values_and_dtype(name, dtype, op):
    mask = np.array([True, False, True])
    got = op(sd.tensor(mask.astype(dtype)))
    want = op(torch.tensor(mask.astype(dtype)))
    assert str(got.data.dtype) == str(want.dtype).removeprefix("torch."), name
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_true_to_a_negative_integer_power_is_one_as_torchs():
    powers = np.array([-3, -1, 0, 2])
    got = True ** sd.tensor(powers)
    want = True ** torch.tensor(powers)
    assert got.dtype is sd.i64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_bool_negation_and_difference_are_refused_with_the_fix():
    mask = sd.tensor([True, False])
    with pytest.raises(TypeError, match=r"^neg: x is a bool tensor.*~x or sd.logical_not\(x\)"):
        sd.ops.neg(mask)
    with pytest.raises(TypeError, match=r"^sub: two bools.*a \^ b"):
        sd.ops.sub(mask, True)
    with pytest.raises(TypeError, match=r"^sub: two bools"):
        sd.ops.sub(mask, mask)
    for refused in (lambda m: -m, lambda m: m - True, lambda m: m - m):
        with pytest.raises(RuntimeError):
            refused(torch.tensor([True, False]))


@pytest.mark.parametrize(
    "op", [lambda x: x + 2**31, lambda x: 2**31 - x, lambda x: x * -(2**31 + 1)]
)
def test_an_int_scalar_outside_int32_is_an_error_naming_the_op(op):
    # NOTE: PyTorch wraps it around silently (docs/guide/porting.md)
    x = sd.tensor([1, 2]).astype(sd.i32)
    with pytest.raises(OverflowError, match=r"^(add|sub|mul): Python integer -?\d+ out of bounds "
                       r"for int32; convert the tensor first: \.astype\(sd\.i64\)"):  # fmt: skip
        op(x)
