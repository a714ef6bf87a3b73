"""elu, selu, hardtanh, softsign, mish, hardswish, hardsigmoid and prelu against PyTorch
(values and gradients, f32 and f64), by central differences, prelu's errors, and the rules
over symbols."""

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.activation import prelu_rule

F = torch.nn.functional
B, C, H = dims.sym("B"), dims.sym("C"), dims.sym("H")

UNARY = [
    ("elu", sd.ops.elu, F.elu),
    ("elu_alpha", lambda x: sd.ops.elu(x, 0.3), lambda t: F.elu(t, 0.3)),
    ("selu", sd.ops.selu, F.selu),
    ("hardtanh", sd.ops.hardtanh, F.hardtanh),
    ("hardtanh_0_6", lambda x: sd.ops.hardtanh(x, 0.0, 0.6), lambda t: F.hardtanh(t, 0.0, 0.6)),
    ("softsign", sd.ops.softsign, F.softsign),
    ("mish", sd.ops.mish, F.mish),
    ("logsigmoid", sd.ops.logsigmoid, F.logsigmoid),
    ("hardswish", sd.ops.hardswish, F.hardswish),
    ("hardsigmoid", sd.ops.hardsigmoid, F.hardsigmoid),
]


def spread(*shape: int, dtype: str) -> np.ndarray:
    """Values on both sides of every kink, with the kinks themselves (-1, 0, 1) included."""
    x = randn(*shape, dtype=dtype) * 2
    x.reshape(-1)[:3] = [-1.0, 0.0, 1.0]
    return x


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top", UNARY, ids=[c[0] for c in UNARY])
def test_unary_matches_torch(name, op, top, dtype):
    compare(op, top, [spread(3, 5, dtype=dtype)])


def test_gelu_refuses_an_unknown_approximation():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        sd.ops.gelu(sd.ones((2,)), approximate="erf")  # type: ignore[arg-type]


def test_hardtanh_refuses_crossed_limits():
    with pytest.raises(ValueError, match="hardtanh: min_val 2.0 is above max_val 1.0"):
        sd.ops.hardtanh(sd.ones((2,)), 2.0, 1.0)


def test_mish_does_not_overflow():
    x = np.array([-100.0, -30.0, 30.0, 100.0], dtype="float32")
    compare(sd.ops.mish, F.mish, [x])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsigmoid_keeps_the_tails_and_the_infinities(dtype):
    x = np.array([-1e4, -100.0, -30.0, 30.0, 100.0, np.inf, -np.inf, np.nan], dtype=dtype)
    compare(sd.ops.logsigmoid, F.logsigmoid, [x])


@pytest.mark.parametrize("dtype", [sd.f16, sd.bf16])
def test_logsigmoid_in_half_precision_runs_in_f32(dtype):
    x = np.array([-20.0, -3.0, 0.0, 0.5, 3.0, 12.0], dtype="float32")
    t = torch.tensor(x, dtype=getattr(torch, dtype.name.replace("bfloat16", "bfloat16")))
    got = sd.ops.logsigmoid(sd.tensor(x).astype(dtype))
    assert got.dtype is dtype
    want = F.logsigmoid(t).float().numpy()
    np.testing.assert_array_equal(got.astype(sd.f32).numpy(), want)


def test_logsigmoid_refuses_integers():
    with pytest.raises(TypeError, match="logsigmoid: x must be a float tensor, not int64"):
        sd.ops.logsigmoid(sd.tensor([1, 2]))


PRELU = [((2, 3, 4, 5), (3,)), ((2, 3), (1,)), ((4, 3), (3,)), ((5,), (1,)), ((2, 3, 4), ())]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,ws", PRELU)
def test_prelu_matches_torch(xs, ws, dtype):
    w = np.abs(randn(*ws, dtype=dtype, seed=2)) * 0.3
    compare(sd.ops.prelu, F.prelu, [spread(*xs, dtype=dtype), w])


def test_gradients_by_differences():
    x = randn(3, 4, dtype="float64") * 2
    central_difference(
        lambda v, w: sd.ops.prelu(sd.ops.mish(v) + sd.ops.softsign(v) + sd.ops.selu(v), w),
        [x, np.array([0.1, 0.2, 0.3, 0.4])],
    )
    central_difference(lambda v: sd.ops.elu(v, 0.5) * sd.ops.hardtanh(v, -0.5, 2.0), [x])
    central_difference(lambda v: sd.ops.hardswish(v) * sd.ops.hardsigmoid(v), [x])


def test_prelu_errors_name_op_shapes_and_axis():
    x = sd.ones((2, 3, 4))
    with pytest.raises(
        sd.ShapeError,
        match=r"prelu: shapes \(2, 3, 4\) and \(4,\): weight has 4 slopes, but axis 1 of x has 3 "
        r"channels; give one slope, or one per channel",
    ):
        sd.ops.prelu(x, sd.ones((4,)))
    with pytest.raises(sd.ShapeError, match=r"prelu: .*weight must be 0-d or 1-d, not rank 2"):
        sd.ops.prelu(x, sd.ones((3, 1)))
    with pytest.raises(sd.ShapeError, match=r"prelu: shapes \(5,\) and \(5,\): weight has 5"):
        sd.ops.prelu(sd.ones((5,)), sd.ones((5,)))


def test_prelu_rule_over_symbols_and_dyn():
    assert prelu_rule("prelu", (B, C, H), (C,)) == (B, C, H)
    assert prelu_rule("prelu", (B, C, H), (1,)) == (B, C, H)
    assert prelu_rule("prelu", (B, C), (DYN,)) == (B, C)
    with pytest.raises(sd.ShapeError, match=r"prelu: shapes \(B, C, H\) and \(H,\)"):
        prelu_rule("prelu", (B, C, H), (H,))


NAN, INF = float("nan"), float("inf")
# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py); each failed before its fix.
# elu's, selu's and hardtanh's gradient at nan is PyTorch's for a small tensor (its scalar
# loop: see NAN_SLOPE_UNSPECIFIED there)
EDGES = [
    ("elu", sd.ops.elu, F.elu, [NAN, -INF, INF, 0.0, -1.0]),
    ("selu", sd.ops.selu, F.selu, [NAN, -INF, INF, 0.0, -1.0]),
    ("hardtanh", sd.ops.hardtanh, F.hardtanh, [NAN, -1.0, 1.0, 0.5, -INF]),
    ("softsign", sd.ops.softsign, F.softsign, [INF, -INF, NAN, 0.0, 1e30]),
    # NOTE: +inf apart (below): PyTorch's vectorized CPU gelu gives nan there on some CPUs
    # (an AMD EPYC, AVX2 and AVX512 alike) and inf on others
    ("gelu", sd.ops.gelu, F.gelu, [-INF, NAN, 0.0, -1.0]),
    ("mish", sd.ops.mish, F.mish, [-INF, INF, NAN, 0.0]),
    # NOTE: the kinks themselves: PyTorch's slopes there (0 at -3, 1 at 3) are ours
    ("hardswish", sd.ops.hardswish, F.hardswish, [-3.0, 3.0, -INF, INF, NAN, -3.5, 2.5]),
    ("hardsigmoid", sd.ops.hardsigmoid, F.hardsigmoid, [-3.0, 3.0, -INF, INF, NAN, 0.0]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,top,values", EDGES, ids=[c[0] for c in EDGES])
def test_edge_values_match_torch(name, op, top, values, dtype):
    run(([np.array(values, dtype=dtype)], op, top))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_of_inf_is_inf_as_torch_gives_for_one_value(dtype):
    # NOTE: one value takes PyTorch's scalar path, `x * Phi(x)`, the same on every CPU; its
    # gradient there is nan, `Phi(x) + x * phi(x)` with `inf * 0`
    run(([np.array([INF], dtype=dtype)], sd.ops.gelu, F.gelu))


def test_prelu_of_no_channels_is_empty():
    # NOTE: found by the differential fuzzer: the per-channel view of 0 slopes was refused
    x, w = np.zeros((0, 0), "float32"), np.zeros((0,), "float32")
    run(([x, w], sd.ops.prelu, F.prelu))


# NOTE: in an integer dtype these truncate (sigmoid of ints gave 0); PyTorch has no integer
# kernel for them but sigmoid's, which gives float32 where shapedl keeps the declared dtype
INTEGER_REFUSED = ["gelu", "elu", "selu", "hardsigmoid", "hardswish", "silu", "leaky_relu"]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("name", [*INTEGER_REFUSED, "sigmoid"])
def test_activations_refuse_integers(name, dtype):
    x = np.array([1, 0, 3]).astype(dtype)
    if name != "sigmoid" and dtype != "bool":
        with pytest.raises((NotImplementedError, RuntimeError)):
            getattr(torch.nn.functional, name)(torch.from_numpy(x))
    with pytest.raises(TypeError, match=rf"^{name}: x must be a float tensor, not {dtype}$"):
        getattr(sd.ops, name)(sd.from_numpy(x))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_in_float16_keeps_its_negative_tail_as_torch(approximate):
    # NOTE: computed in f16, exp(-x * x / 2) underflowed: gelu(-4) gave -0.0, torch -1.27e-4
    x = np.linspace(-6, 3, 91).astype("float16")
    want = torch.nn.functional.gelu(torch.from_numpy(x), approximate=approximate).numpy()
    got = sd.ops.gelu(sd.from_numpy(x), approximate=approximate).numpy()
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype("float32"), want.astype("float32"), rtol=2e-3, atol=1e-6)
