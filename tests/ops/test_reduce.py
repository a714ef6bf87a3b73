"""Reductions against PyTorch: values and gradients over int, tuple, negative and no axes."""

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd


def tdim(axis, ndim):
    """Torch's `dim` for NumPy's `axis` (torch reads `dim=()` as every axis, NumPy as none)."""
    return tuple(range(ndim)) if axis is None else axis


REDUCTIONS = [
    ("sum", lambda x, a, k: x.sum(a, k), lambda t, a, k: t.sum(tdim(a, t.ndim), keepdim=k)),
    ("mean", lambda x, a, k: x.mean(a, k), lambda t, a, k: t.mean(tdim(a, t.ndim), keepdim=k)),
    ("max", lambda x, a, k: x.max(a, k), lambda t, a, k: t.amax(tdim(a, t.ndim), keepdim=k)),
    ("min", lambda x, a, k: x.min(a, k), lambda t, a, k: t.amin(tdim(a, t.ndim), keepdim=k)),
    (
        "var",
        lambda x, a, k: x.var(a, keepdims=k),
        lambda t, a, k: t.var(tdim(a, t.ndim), correction=0, keepdim=k),
    ),
    (
        "var_ddof1",
        lambda x, a, k: x.var(a, keepdims=k, ddof=1),
        lambda t, a, k: t.var(tdim(a, t.ndim), correction=1, keepdim=k),
    ),
    (
        "std",
        lambda x, a, k: x.std(a, keepdims=k),
        lambda t, a, k: t.std(tdim(a, t.ndim), correction=0, keepdim=k),
    ),
    (
        "std_ddof1",
        lambda x, a, k: sd.ops.std(x, a, keepdims=k, ddof=1),
        lambda t, a, k: t.std(tdim(a, t.ndim), correction=1, keepdim=k),
    ),
    (
        "logsumexp",
        lambda x, a, k: x.logsumexp(a, k),
        lambda t, a, k: t.logsumexp(tdim(a, t.ndim), keepdim=k),
    ),
]
CASES = [
    ((3, 4), None, False),
    ((3, 4), None, True),
    ((3, 4), 0, False),
    ((3, 4), -1, True),
    ((5,), 0, False),
    ((2, 3, 4), 1, False),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (-1, -3), True),
    ((2, 3, 4), [2, 1], False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,axis,keepdims", CASES)
@pytest.mark.parametrize("name,op,top", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_matches_torch(name, op, top, shape, axis, keepdims, dtype):
    compare(
        lambda x: op(x, axis, keepdims),
        lambda t: top(t, axis, keepdims),
        [randn(*shape, dtype=dtype, seed=4)],
    )


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_take_only_the_axis_by_position(name):
    """PyTorch's `x.std(1, True)` is `unbiased=True`; here it ran as `keepdims=True` with
    `ddof=0`: another value, in a shape that broadcast on without an error."""
    a = randn(3, 4)
    x, t = sd.from_numpy(a), torch.from_numpy(a)
    for call in (lambda: getattr(x, name)(1, True), lambda: getattr(sd.ops, name)(x, 1, True)):
        with pytest.raises(TypeError, match=rf"{name}\(\) takes .* positional argument"):
            call()
    want = getattr(t, name)(1, True)
    np.testing.assert_allclose(getattr(x, name)(1, ddof=1).numpy(), want.numpy(), rtol=1e-5)


NUMPY_AXES = [
    ("sum", lambda x, a: x.sum(axis=a), lambda t, a: t.sum(a)),
    ("mean", lambda x, a: sd.ops.mean(x, a), lambda t, a: t.mean(a)),
    ("max", lambda x, a: x.max(axis=a), lambda t, a: t.amax(a)),
    ("var", lambda x, a: x.var(a), lambda t, a: t.var(a, correction=0)),
    ("logsumexp", lambda x, a: sd.ops.logsumexp(x, axis=a), lambda t, a: t.logsumexp(a)),
    ("argmax", lambda x, a: x.argmax(axis=a), lambda t, a: t.argmax(a)),
    ("norm", lambda x, a: sd.ops.norm(x, axis=a), lambda t, a: torch.linalg.vector_norm(t, dim=a)),
    ("flip", lambda x, a: x.flip(a), lambda t, a: t.flip(a)),
    ("sort", lambda x, a: x.sort(a)[0], lambda t, a: t.sort(a)[0]),
    (
        "cosine_similarity",
        lambda x, a: sd.ops.cosine_similarity(x, x + 1, axis=a),
        lambda t, a: torch.cosine_similarity(t, t + 1, a),
    ),
    ("Unflatten", lambda x, a: sd.nn.Unflatten(a, (2, 2))(x), lambda t, a: t.unflatten(a, (2, 2))),
]


@pytest.mark.parametrize("axis", [np.int64(1), np.int32(-1)])
@pytest.mark.parametrize("name,op,top", NUMPY_AXES, ids=[c[0] for c in NUMPY_AXES])
def test_a_numpy_integer_is_an_axis_as_in_torch(name, op, top, axis):
    """One from `np.argmax` or a loop over `np.arange`: bare Python errors from inside."""
    compare(lambda x: op(x, axis), lambda t: top(t, int(axis)), [randn(3, 4)], grad=False)


@pytest.mark.parametrize("fn", [sd.ops.sum, sd.ops.mean, sd.ops.max, sd.ops.logsumexp])
def test_sd_ops_functions_take_axis_and_keepdims(fn):
    x = randn(2, 3)
    out = fn(sd.from_numpy(x), 1, True)
    assert out.shape == (2, 1)


def test_empty_axis_tuple_reduces_nothing_as_numpy():
    x = randn(2, 3)
    np.testing.assert_allclose(sd.from_numpy(x).sum(()).numpy(), np.sum(x, axis=()))


TIES = [
    np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
    np.array([[5.0, 5.0], [5.0, 5.0]]),
    np.array([[[1.0, 1.0], [1.0, 0.0]], [[2.0, 2.0], [-1.0, 2.0]]]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("x", TIES, ids=["row-ties", "all-equal", "3d"])
def test_max_min_split_ties_evenly_like_torch_amax(x, axis, dtype):
    x = x.astype(dtype)
    dim = tdim(axis, x.ndim)
    compare(lambda a: a.max(axis), lambda t: t.amax(dim), [x])
    compare(lambda a: a.min(axis, keepdims=True), lambda t: t.amin(dim, keepdim=True), [x])


def test_max_over_everything_splits_ties_like_torch_max():
    x = np.array([[1.0, 3.0], [3.0, -2.0]], dtype="float32")
    compare(lambda a: a.max(), lambda t: t.max(), [x])
    compare(lambda a: a.min(), lambda t: t.min(), [x])


def test_std_of_constant_slice_has_zero_gradient_like_torch():
    x = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], dtype="float32")
    compare(lambda a: a.std(axis=1), lambda t: t.std(1, correction=0), [x])


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_logsumexp_is_stable_for_huge_logits(axis):
    x = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -999.0, 0.0]], dtype="float32")
    compare(lambda a: a.logsumexp(axis), lambda t: t.logsumexp(tdim(axis, 2)), [x], rtol=1e-6)
    t = sd.from_numpy(x)
    grads = t.traced().logsumexp(axis).sum().backward()
    assert np.isfinite(grads[t].numpy()).all()


def test_logsumexp_with_infinite_entries_matches_torch():
    x = np.array([[-np.inf, 0.0, 1.0], [np.inf, 1.0, 2.0]], dtype="float64")
    compare(lambda a: a.logsumexp(1), lambda t: t.logsumexp(1), [x], grad=False)


ARGS = [((3, 4), 0, False), ((3, 4), -1, True), ((2, 3, 4), 1, False), ((5,), 0, True)]


@pytest.mark.parametrize("shape,axis,keepdims", ARGS)
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_match_torch(name, shape, axis, keepdims):
    x = randn(*shape, seed=7)
    out = getattr(sd.from_numpy(x).traced(), name)(axis, keepdims)
    want = getattr(torch, name)(torch.from_numpy(x), dim=axis, keepdim=keepdims)
    assert out.dtype is sd.i64 and not out.is_traced
    np.testing.assert_array_equal(out.numpy(), want.numpy())


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_without_axis_index_the_flattened_array_as_numpy(name, keepdims):
    x = randn(3, 4, seed=8)
    out = getattr(sd.ops, name)(sd.from_numpy(x), keepdims=keepdims)
    want = getattr(np, name)(x, keepdims=keepdims)
    assert out.shape == want.shape
    np.testing.assert_array_equal(out.numpy(), want)
    assert out.item() == getattr(torch, name)(torch.from_numpy(x)).item()


TRUTH = [((3, 4), None, False), ((3, 4), 1, True), ((2, 3, 4), (0, 2), False), ((2, 3), -1, False)]


@pytest.mark.parametrize("shape,axis,keepdims", TRUTH)
@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_any_all_match_torch(name, dtype, shape, axis, keepdims):
    # NOTE: a third of the entries zero, and a row of zeros and a row of ones, so that both
    # answers occur along every axis
    x = (np.random.default_rng(3).integers(0, 3, shape) > 0).astype(dtype)
    x.reshape(-1, shape[-1])[0] = 0
    x.reshape(-1, shape[-1])[-1] = 1
    out = getattr(sd.from_numpy(x).traced(), name)(axis, keepdims)
    t = torch.from_numpy(x)
    want = getattr(t, name)() if axis is None else getattr(t, name)(dim=axis, keepdim=keepdims)
    assert out.dtype is sd.bool_ and not out.is_traced
    assert out.shape == tuple(want.shape)
    np.testing.assert_array_equal(out.numpy(), want.numpy())


def test_argmax_first_of_ties_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]], dtype="float32")
    want = torch.from_numpy(x).argmax(dim=1)
    np.testing.assert_array_equal(sd.from_numpy(x).argmax(1).numpy(), want.numpy())


def test_reductions_keep_float32():
    x = sd.randn((3, 4))
    for out in (x.sum(0), x.mean(), x.max(1), x.var(ddof=1), x.std(0), x.logsumexp(-1)):
        assert out.dtype is sd.f32


def test_central_differences_float64():
    central_difference(
        lambda x: x.var(axis=1, ddof=1) + x.std(axis=1) + x.logsumexp(axis=1) * x.mean(axis=1),
        [randn(3, 4, dtype="float64", seed=9)],
    )


ERRORS = [
    (lambda x: x.sum(2), r"sum: shape \(2, 3\): axis 2 is out of range for rank 2"),
    (lambda x: x.mean(-3), r"mean: shape \(2, 3\): axis -3 is out of range for rank 2"),
    (lambda x: x.max((0, -2)), r"max: shape \(2, 3\): axis \(0, -2\) repeats an axis"),
    (lambda x: x.var((0, 5)), r"var: shape \(2, 3\): axis 5 is out of range"),
    (lambda x: x.argmax(2), r"argmax: shape \(2, 3\): axis 2 is out of range"),
    (lambda x: x.argmin((0, 1)), r"argmin: shape \(2, 3\): axis must be one int or None"),
    (lambda x: x.any(2), r"any: shape \(2, 3\): axis 2 is out of range for rank 2"),
    (lambda x: sd.ops.all(x, (1, -1)), r"all: shape \(2, 3\): axis \(1, -1\) repeats an axis"),
]


@pytest.mark.parametrize("fn,message", ERRORS)
def test_bad_axes_are_shape_errors_naming_op_shape_and_axis(fn, message):
    with pytest.raises(sd.ShapeError, match=message):
        fn(sd.ones((2, 3)))


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_empty_axis_has_no_max(op):
    with pytest.raises(sd.ShapeError, match=rf"{op}: shape \(2, 0\): axis 1 has size 0"):
        getattr(sd.zeros((2, 0)), op)(1)


def test_registry_knows_every_reduction():
    for name in ["sum", "mean", "max", "min", "var", "std", "logsumexp", "argmax", "argmin"]:
        assert name in sd.ops.REGISTRY
    assert sd.ops.REGISTRY["argmax"].dtype == "int64"
    assert "ddof" in sd.ops.REGISTRY["var"].statics


# ---- random shapes ----------------------------------------------------------------------
@st.composite
def shape_and_axes(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    axes = draw(
        st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda a: a % len(shape))
    )
    axis = draw(st.sampled_from([None, tuple(axes), axes[0] if axes else None]))
    return shape, axis, draw(st.booleans())


@settings(max_examples=25, deadline=None)
@given(shape_and_axes(), st.sampled_from(REDUCTIONS), st.integers(0, 2**31 - 1))
def test_random_shapes_and_axes_match_torch(case, reduction, seed):
    shape, axis, keepdims = case
    name, op, top = reduction
    if axis == ():
        return  # NumPy reduces nothing here, torch everything; covered above
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    if np.prod([shape[a] for a in axes]) == 1 and name.endswith("ddof1"):
        return  # n - ddof = 0: a division by zero in both libraries
    compare(
        lambda x: op(x, axis, keepdims),
        lambda t: top(t, axis, keepdims),
        [randn(*shape, dtype="float64", seed=seed)],
    )


@pytest.mark.parametrize("name", ["var", "std"])
def test_no_degrees_of_freedom_left_gives_torchs_nan(name):
    # NOTE: one value per row and ddof=1 (torch's default correction): 0 / 0, forward and back
    x = randn(3, 1, seed=4)
    compare(lambda a: getattr(a, name)(axis=1, ddof=1), lambda t: getattr(t, name)(1), [x])


def test_logsumexp_of_a_row_of_minus_inf_is_minus_inf_like_torch():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf], [np.inf, 1.0]], dtype="float32")
    compare(lambda a: a.logsumexp(1), lambda t: t.logsumexp(1), [x])


def test_max_with_nan_matches_torchs_amax():
    x = np.array([[1.0, np.nan, 3.0], [2.0, 2.0, 1.0]], dtype="float32")
    compare(lambda a: a.max(axis=1), lambda t: t.amax(1), [x])


NAN, INF = float("nan"), float("inf")


# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py); each failed before its fix
@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
@pytest.mark.parametrize("shape,axis", [((0,), None), ((2, 0), 1), ((0, 3), 0)])
def test_mean_var_std_of_nothing_are_quiet_nans(shape, axis):
    x = np.zeros(shape, dtype="float32")
    dim = axis if axis is not None else None
    run(([x], lambda a: sd.ops.mean(a, axis=axis), lambda t: torch.mean(t, dim)))
    for name in ("var", "std"):
        run(
            (
                [x],
                lambda a, n=name: getattr(sd.ops, n)(a, axis=axis),
                lambda t, n=name: getattr(torch, n)(t, dim, correction=0),
            )
        )


SPREAD = [  # values, axis, ddof: no degrees of freedom left, or fewer than none
    ([[2.0, 1.0]], None, 2),
    ([[2.0, 1.0]], 1, 2),
    ([[2.0, 1.0]], 1, 3),
    ([[1.0, 1.0]], 1, 3),
    ([[NAN, 1.0]], None, 2),
    ([[INF, 1.0]], None, 3),
    (5.0, None, 1),
    (NAN, None, 1),
    (INF, None, 1),
]


@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("values,axis,ddof", SPREAD)
def test_var_and_std_gradients_past_the_degrees_of_freedom(name, values, axis, ddof):
    run(
        (
            [np.array(values, dtype="float64")],
            lambda a: getattr(sd.ops, name)(a, axis=axis, ddof=ddof),
            lambda t: getattr(torch, name)(t, axis, correction=ddof),
        )
    )


def test_sum_of_opposite_infinities_is_a_quiet_nan():
    run(([np.array([INF, -INF], dtype="float32")], lambda a: sd.ops.sum(a), torch.sum))


def test_amax_and_amin_are_max_and_min_under_pytorchs_names():
    x = randn(3, 4, 5, dtype="float64")
    x[0, 0, :2] = 7.0  # NOTE: a tie, whose gradient both share as in torch.amax
    compare(lambda v: v.amax(axis=(0, 2)), lambda t: t.amax(dim=(0, 2)), [x])
    compare(lambda v: sd.ops.amax(v, -1, True), lambda t: torch.amax(t, -1, True), [x])
    compare(lambda v: sd.amin(v, 1), lambda t: torch.amin(t, 1), [x])
    compare(lambda v: v.amin(), lambda t: t.amin(), [x])
    assert sd.ops.amax is sd.ops.max and sd.amin is sd.ops.min
