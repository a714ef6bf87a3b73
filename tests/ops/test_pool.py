"""max_pool2d and avg_pool2d against PyTorch: values and gradients, f32 and f64, kernels,
strides and paddings varied; ties and NaN as PyTorch routes them; errors; central
differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import central_difference, compare, randn

import shapedl as sd

POOLS = [  # kernel_size, stride, padding, input shape
    (2, None, 0, (2, 3, 8, 8)),
    (2, None, 0, (2, 3, 9, 7)),
    (3, 2, 1, (2, 3, 9, 8)),
    ((2, 3), (1, 2), (1, 0), (2, 2, 7, 9)),
    (3, 1, 1, (1, 2, 6, 6)),
    (3, None, 0, (1, 2, 3, 3)),
    ((1, 4), None, (0, 2), (2, 2, 5, 8)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k,s,p,shape", POOLS)
@pytest.mark.parametrize("op", ["max_pool2d", "avg_pool2d"])
def test_pool_matches_torch(op, k, s, p, shape, dtype):
    compare(
        lambda x: getattr(sd.ops, op)(x, k, s, p),
        lambda x: getattr(F, op)(x, k, s, p),
        [randn(*shape, dtype=dtype)],
    )


@pytest.mark.parametrize("k,s,p", [(2, None, 0), (3, 1, 1), (2, 1, 1)])
def test_max_pool2d_ties_go_to_the_first_maximum_like_torch(k, s, p):
    x = np.round(randn(2, 2, 6, 6)).clip(-1, 1)  # NOTE: three values, so windows tie often
    compare(lambda x: sd.ops.max_pool2d(x, k, s, p), lambda x: F.max_pool2d(x, k, s, p), [x])


# NOTE: windows whose max runs along the rows, then down (`_Windows.separable`): larger than
# 2x2, or over rows of 16 outputs or more; the last one has 256 cells, so int32 offsets
SEPARABLE = [
    (2, None, 0, (2, 2, 6, 36)),
    ((2, 3), (1, 2), (1, 1), (1, 2, 7, 40)),
    ((3, 2), 2, 1, (2, 2, 9, 9)),
    (3, 1, 1, (1, 2, 6, 6)),
    (16, 4, 0, (1, 2, 24, 28)),
]


@pytest.mark.parametrize("k,s,p,shape", SEPARABLE)
@pytest.mark.parametrize("values", ["ties", "nan"])
def test_max_pool2d_along_rows_then_down_matches_torch(k, s, p, shape, values):
    x = np.round(randn(*shape)).clip(-1, 1)  # NOTE: three values, so windows tie often
    if values == "nan":
        x.reshape(-1)[::37] = np.nan
    compare(lambda x: sd.ops.max_pool2d(x, k, s, p), lambda x: F.max_pool2d(x, k, s, p), [x])
    untraced = sd.ops.max_pool2d(sd.from_numpy(x), k, s, p).numpy()
    np.testing.assert_array_equal(untraced, F.max_pool2d(torch.from_numpy(x), k, s, p).numpy())


def test_max_pool2d_nan_wins_like_torch():
    x = randn(1, 1, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 3, 3] = np.nan
    compare(lambda x: sd.ops.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [x])
    assert np.isnan(sd.ops.max_pool2d(sd.from_numpy(x), 2).numpy()[0, 0, 0, 0])


def test_max_pool2d_untraced_forward_matches_torch():
    x = randn(2, 3, 9, 9)
    plain = sd.ops.max_pool2d(sd.from_numpy(x), 3, 2, 1).numpy()
    np.testing.assert_array_equal(plain, F.max_pool2d(torch.from_numpy(x), 3, 2, 1).numpy())


@pytest.mark.parametrize("op", [sd.ops.max_pool2d, sd.ops.avg_pool2d])
def test_gradients_match_central_differences(op):
    central_difference(lambda x: op(x, 3, 2, 1), [randn(1, 2, 5, 6, dtype="float64")])


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda: sd.ops.max_pool2d(sd.ones((3, 8, 8)), 2),
            r"max_pool2d: shape \(3, 8, 8\): the input must have rank 4",
        ),
        (
            lambda: sd.ops.avg_pool2d(sd.ones((1, 3, 8, 8)), 2, padding=2),
            r"avg_pool2d: shape \(1, 3, 8, 8\): padding 2 is more than half the kernel",
        ),
        (
            lambda: sd.ops.max_pool2d(sd.ones((1, 3, 8, 2)), 3),
            r"max_pool2d: shape \(1, 3, 8, 2\): output size 0 < 1 along axis 3",
        ),
        (
            lambda: sd.ops.max_pool2d(sd.ones((1, 3, 8, 8)), 0),
            r"max_pool2d: shape \(1, 3, 8, 8\): kernel_size must be at least 1",
        ),
    ],
)
def test_errors_name_op_shape_and_axis(call, message):
    with pytest.raises(sd.ShapeError, match=message):
        call()


def test_max_pool2d_window_of_minus_inf_sends_the_gradient_to_a_real_cell_like_torch():
    # NOTE: padded cells are -inf too; torch's max starts at the window's first real cell
    x = randn(1, 2, 4, 5, seed=3)
    x[0, 0] = -np.inf
    x[0, 1, :2, :2] = -np.inf
    compare(
        lambda a: sd.ops.max_pool2d(a, 3, 2, 1),
        lambda t: torch.nn.functional.max_pool2d(t, 3, 2, 1),
        [x],
    )


@pytest.mark.parametrize("k,s,p", [(2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 1))])
def test_avg_pool2d_of_integers_truncates_as_torch(k, s, p):
    """torch's integer mean divides the sum and truncates toward 0; it met NumPy's casting
    rule here ("Cannot cast ufunc 'multiply' output from float64 to int64")."""
    x = np.random.default_rng(0).integers(-9, 9, (2, 3, 5, 6))
    compare(lambda a: sd.ops.avg_pool2d(a, k, s, p), lambda t: F.avg_pool2d(t, k, s, p), [x])
    with pytest.raises(TypeError, match=r"^avg_pool2d: x must be a number tensor, not bool"):
        sd.ops.avg_pool2d(sd.tensor(x > 0), k, s, p)


# ---- ceil_mode and count_include_pad, as PyTorch's --------------------------------------
CEIL = [  # kernel_size, stride, padding, input shape: the last window runs off the input
    (2, None, 0, (2, 3, 7, 9)),
    (3, 2, 0, (1, 2, 8, 6)),
    (3, 2, 1, (2, 2, 8, 7)),
    ((2, 3), (2, 2), (1, 1), (1, 2, 6, 8)),
    (2, 3, 1, (1, 1, 7, 7)),  # NOTE: stride > kernel - padding: PyTorch drops the last window
    (3, 1, 1, (1, 2, 5, 5)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k,s,p,shape", CEIL)
@pytest.mark.parametrize("op", ["max_pool2d", "avg_pool2d"])
def test_ceil_mode_matches_torch(op, k, s, p, shape, dtype):
    compare(
        lambda x: getattr(sd.ops, op)(x, k, s, p, ceil_mode=True),
        lambda x: getattr(F, op)(x, k, s, p, ceil_mode=True),
        [randn(*shape, dtype=dtype)],
    )


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("k,s,p,shape", [c for c in CEIL if c[2]] + [(3, 2, 1, (2, 2, 9, 8))])
def test_avg_pool2d_count_include_pad_false_matches_torch(k, s, p, shape, ceil_mode):
    compare(
        lambda x: sd.ops.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad=False),
        lambda x: F.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad=False),
        [randn(*shape, dtype="float64")],
    )


@pytest.mark.parametrize("include", [False, True])
def test_avg_pool2d_of_integers_with_options_truncates_as_torch(include):
    x = np.random.default_rng(1).integers(-9, 9, (1, 2, 7, 6))
    compare(
        lambda a: sd.ops.avg_pool2d(a, 3, 2, 1, True, include),
        lambda t: F.avg_pool2d(t, 3, 2, 1, True, include),
        [x],
    )


def test_ceil_mode_gradients_match_central_differences():
    x = randn(1, 1, 6, 7, dtype="float64")
    central_difference(lambda a: sd.ops.max_pool2d(a, 3, 2, 1, True), [x])
    central_difference(lambda a: sd.ops.avg_pool2d(a, 3, 2, 1, True, False), [x])


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: sd.ops.max_pool2d(sd.ones((1, 1, 4, 4)), 2, ceil_mode=1), "ceil_mode must be"),
        (lambda: sd.ops.avg_pool2d(sd.ones((1, 1, 4, 4)), 2, ceil_mode="yes"), "ceil_mode"),
        (
            lambda: sd.ops.avg_pool2d(sd.ones((1, 1, 4, 4)), 2, count_include_pad=None),
            r"avg_pool2d: count_include_pad must be True or False, got None",
        ),
    ],
)
def test_options_must_be_bools(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_ceil_mode_rule_over_symbols():
    from shapedl import dims
    from shapedl.ops.pool import pool_rule

    H = dims.sym("H")
    # stride <= kernel - padding: the last window always starts inside, so exact
    assert pool_rule("p", (1, 1, H, 8), 2, ceil_mode=True) == (
        1, 1, dims.floordiv(dims.add(H, 1), 2), 4
    )
    assert pool_rule("p", (1, 1, H, 7), 2, 3, 1, ceil_mode=True)[2:] == (dims.DYN, 3)


# ---- 1-d pools: the 2-d ops on a (N, C, 1, L) view, under their own rule -----------------
POOLS_1D = [  # kernel_size, stride, padding, ceil_mode, input shape
    (2, None, 0, False, (2, 3, 8)),
    (2, None, 0, False, (2, 3, 9)),
    (3, 2, 1, False, (2, 3, 10)),
    ((3,), (1,), (1,), False, (1, 2, 7)),
    (4, 3, 2, True, (2, 2, 11)),
    (3, 2, 0, True, (1, 2, 8)),
    (2, 3, 1, True, (1, 1, 7)),  # NOTE: stride > kernel - padding: PyTorch drops the last window
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k,s,p,ceil,shape", POOLS_1D)
@pytest.mark.parametrize("op", ["max_pool1d", "avg_pool1d"])
def test_pool1d_matches_torch(op, k, s, p, ceil, shape, dtype):
    compare(
        lambda x: getattr(sd.ops, op)(x, k, s, p, ceil),
        lambda x: getattr(F, op)(x, k, s, p, ceil_mode=ceil),
        [randn(*shape, dtype=dtype)],
    )


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_avg_pool1d_count_include_pad_false_matches_torch(ceil_mode):
    compare(
        lambda x: sd.ops.avg_pool1d(x, 3, 2, 1, ceil_mode, count_include_pad=False),
        lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode, count_include_pad=False),
        [randn(2, 3, 8, dtype="float64")],
    )


def test_pool1d_ties_nan_and_integers_as_torch():
    x = np.round(randn(2, 2, 12)).clip(-1, 1)  # NOTE: three values, so windows tie often
    x[0, 0, 3] = np.nan
    compare(lambda a: sd.ops.max_pool1d(a, 3, 1, 1), lambda t: F.max_pool1d(t, 3, 1, 1), [x])
    ints = np.random.default_rng(0).integers(-9, 9, (2, 3, 7))
    compare(lambda a: sd.ops.avg_pool1d(a, 3, 2, 1), lambda t: F.avg_pool1d(t, 3, 2, 1), [ints])


ADAPTIVE_1D = [(1, (2, 3, 10)), (3, (2, 3, 10)), (4, (2, 3, 12)), (7, (1, 2, 5)), ((2,), (3, 9))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size,shape", ADAPTIVE_1D)
@pytest.mark.parametrize("op", ["adaptive_avg_pool1d", "adaptive_max_pool1d"])
def test_adaptive_pool1d_matches_torch(op, size, shape, dtype):
    compare(
        lambda x: getattr(sd.ops, op)(x, size),
        lambda x: getattr(F, op)(x, size),
        [randn(*shape, dtype=dtype)],
    )


def test_pool1d_gradients_match_central_differences():
    x = randn(1, 2, 9, dtype="float64")
    central_difference(lambda a: sd.ops.max_pool1d(a, 3, 2, 1, True), [x])
    central_difference(lambda a: sd.ops.avg_pool1d(a, 3, 2, 1, True, False), [x])
    central_difference(lambda a: sd.ops.adaptive_avg_pool1d(a, 4), [x])


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda: sd.ops.max_pool1d(sd.ones((2, 3, 4, 5)), 2),
            r"max_pool1d: shape \(2, 3, 4, 5\): the input must have rank 3 \(N, C, L\), not 4",
        ),
        (
            lambda: sd.ops.avg_pool1d(sd.ones((1, 3, 8)), 2, padding=2),
            r"avg_pool1d: shape \(1, 3, 8\): padding 2 is more than half the kernel",
        ),
        (
            lambda: sd.ops.max_pool1d(sd.ones((1, 3, 2)), 3),
            r"max_pool1d: shape \(1, 3, 2\): output size 0 < 1 along axis 2 \(input 2, kernel 3",
        ),
        (
            lambda: sd.ops.max_pool1d(sd.ones((1, 3, 8)), (2, 2)),
            r"max_pool1d: shape \(1, 3, 8\): kernel_size must be an int or 1 ints",
        ),
        (
            lambda: sd.ops.adaptive_avg_pool1d(sd.ones((1, 3, 8)), 0),
            r"adaptive_avg_pool1d: shape \(1, 3, 8\): output_size 0 must be a positive size",
        ),
        (
            lambda: sd.ops.adaptive_max_pool1d(sd.ones((1, 3, 8)), (2, 2)),
            r"adaptive_max_pool1d: shape \(1, 3, 8\): output_size must be an int or a 1-tuple",
        ),
        (
            lambda: sd.ops.adaptive_max_pool1d(sd.ones((1, 1, 3, 8)), 2),
            r"adaptive_max_pool1d: shape \(1, 1, 3, 8\): needs \(N, C, L\) or \(C, L\)",
        ),
    ],
)
def test_pool1d_errors_name_the_1d_op_shape_and_axis(call, message):
    with pytest.raises(sd.ShapeError, match=message):
        call()


def test_pool1d_type_errors_name_the_1d_op():
    with pytest.raises(TypeError, match=r"^avg_pool1d: x must be a number tensor, not bool"):
        sd.ops.avg_pool1d(sd.tensor([[[True, False]]]), 2)
    with pytest.raises(TypeError, match=r"^max_pool1d: ceil_mode must be True or False"):
        sd.ops.max_pool1d(sd.ones((1, 1, 4)), 2, ceil_mode=1)
    with pytest.raises(TypeError, match=r"^adaptive_avg_pool1d: "):
        sd.ops.adaptive_avg_pool1d(sd.tensor([[[1, 2]]]), 1)


def test_pool1d_rules_over_symbols():
    from shapedl import dims
    from shapedl.ops import REGISTRY

    B, C, L = (dims.sym(n) for n in "BCL")

    def rule(op, *args, **kw):
        return REGISTRY[op].rule(op, (B, C, L), *args, **kw)

    assert rule("max_pool1d", 2) == (B, C, dims.floordiv(L, 2))
    assert rule("avg_pool1d", 3, 1, 1) == (B, C, L)
    assert rule("max_pool1d", 3, 2, 1) == (B, C, dims.add(dims.floordiv(dims.sub(L, 1), 2), 1))
    assert rule("max_pool1d", 2, ceil_mode=True) == (B, C, dims.floordiv(dims.add(L, 1), 2))
    assert rule("adaptive_avg_pool1d", 1) == (B, C, 1)
    assert rule("adaptive_max_pool1d", (5,)) == (B, C, 5)
    assert REGISTRY["adaptive_avg_pool1d"].rule("adaptive_avg_pool1d", (C, L), L) == (C, L)
