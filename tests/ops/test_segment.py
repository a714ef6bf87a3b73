"""index_add, scatter_reduce and bincount against PyTorch: values and gradients (ties of an
extremum, zeros of a product, include_self both ways), f32 and f64, their errors, and their
rules over symbols and `DYN`."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.segment import REDUCTIONS, bincount_rule, index_add_rule, scatter_reduce_rule

B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")


def index(*shape: int, high: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, shape).astype("int64")


def ties(*shape: int, dtype: str = "float32", seed: int = 0) -> np.ndarray:
    """Small integers: ties for amax/amin, zeros for prod, exact sums."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(dtype)


# ---- index_add ------------------------------------------------------------------------------
INDEX_ADD = [
    # x shape, axis, index length, source shape
    ((4, 3), 0, 6, (6, 3)),
    ((4, 3), 1, 5, (4, 5)),
    ((2, 5, 3), -2, 7, (2, 7, 3)),
    ((5,), 0, 0, (0,)),
]


@pytest.mark.parametrize("alpha", [1, 2.5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,axis,k,ss", INDEX_ADD)
def test_index_add_matches_torch(xs, axis, k, ss, dtype, alpha):
    i = index(k, high=xs[axis])
    compare(
        lambda x, s: sd.ops.index_add(x, axis, sd.from_numpy(i), s, alpha=alpha),
        lambda x, s: x.index_add(axis, torch.from_numpy(i), s, alpha=alpha),
        [randn(*xs, dtype=dtype), randn(*ss, dtype=dtype, seed=1)],
    )


def test_index_add_of_integers_and_a_0d_index_as_torch():
    x, i, s = np.zeros(3, "int64"), np.array(1), np.array([5])
    got = sd.ops.index_add(sd.from_numpy(x), 0, sd.from_numpy(i), sd.from_numpy(s), alpha=2)
    want = torch.from_numpy(x).index_add(0, torch.from_numpy(i), torch.from_numpy(s), alpha=2)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_index_add_gradient_by_differences():
    i = np.array([0, 2, 0, 1])
    central_difference(
        lambda x, s: sd.ops.index_add(x, 0, sd.from_numpy(i), s, alpha=0.5) ** 2,
        [randn(3, 2, dtype="float64"), randn(4, 2, dtype="float64", seed=1)],
    )


# ---- scatter_reduce -------------------------------------------------------------------------
SCATTER = [
    # x shape, axis, index shape, index high, src shape
    ((4, 3), 0, (6, 3), 3, (6, 3)),  # NOTE: high 3: row 3 is never named, keeps x
    ((4, 3), 1, (4, 5), 3, (4, 5)),
    ((3, 4, 2), -2, (3, 6, 2), 4, (3, 6, 2)),
    ((6,), 0, (9,), 4, (9,)),
]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,axis,ish,high,ss", SCATTER)
def test_scatter_reduce_matches_torch(xs, axis, ish, high, ss, dtype, reduce, include_self):
    i = index(*ish, high=high)
    compare(
        lambda x, s: sd.ops.scatter_reduce(x, axis, sd.from_numpy(i), s, reduce, include_self),
        lambda x, s: x.scatter_reduce(axis, torch.from_numpy(i), s, reduce,
                                      include_self=include_self),
        [ties(*xs, dtype=dtype), ties(*ss, dtype=dtype, seed=1)],
    )  # fmt: skip


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_scatter_reduce_with_nan_and_inf_gradients_as_torch(reduce, include_self):
    x = np.array([np.nan, 1.0, 2.0, 0.0, 3.0], "float32")
    s = np.array([3.0, np.nan, 1.0, 0.0, 0.0, 2.0], "float32")
    i = np.array([0, 1, 1, 3, 3, 2])
    g = np.array([1.0, np.inf, 2.0, -np.inf, np.nan], "float32")
    xs, ss = sd.from_numpy(x), sd.from_numpy(s)
    out = sd.ops.scatter_reduce(xs.traced(), 0, sd.from_numpy(i), ss, reduce, include_self)
    grads = (out * sd.from_numpy(g)).sum().backward()
    tx, ts = (torch.from_numpy(a).requires_grad_() for a in (x, s))
    tout = tx.scatter_reduce(0, torch.from_numpy(i), ts, reduce, include_self=include_self)
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    np.testing.assert_allclose(grads[xs].numpy(), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(grads[ss].numpy(), ts.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_scatter_reduce_of_integers_as_torch(reduce, include_self):
    x, s, i = ties(5, dtype="int64"), ties(8, dtype="int64", seed=1), index(8, high=4)
    got = sd.ops.scatter_reduce(
        sd.from_numpy(x), 0, sd.from_numpy(i), sd.from_numpy(s), reduce, include_self
    )
    want = torch.from_numpy(x).scatter_reduce(
        0, torch.from_numpy(i), torch.from_numpy(s), reduce, include_self=include_self
    )
    np.testing.assert_array_equal(got.numpy(), want.numpy())  # NOTE: the mean rounds down
    assert got.dtype is sd.i64


def test_scatter_reduce_takes_only_the_index_extent_of_src():
    i = index(2, 2, high=4)
    compare(
        lambda x, s: sd.ops.scatter_reduce(x, 0, sd.from_numpy(i), s, "amax"),
        # NOTE: torch's backward refuses a src larger than the index; the slice is the same
        lambda x, s: x.scatter_reduce(0, torch.from_numpy(i), s[:2, :2], "amax"),
        [randn(4, 3), randn(3, 3, seed=1)],
    )


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod"])
def test_scatter_reduce_gradient_by_differences(reduce):
    i = np.array([[0, 1], [2, 1], [0, 0]])
    central_difference(
        lambda x, s: sd.ops.scatter_reduce(x, 0, sd.from_numpy(i), s, reduce) ** 2,
        [randn(3, 2, dtype="float64"), randn(3, 2, dtype="float64", seed=1)],
    )


# ---- bincount -------------------------------------------------------------------------------
@pytest.mark.parametrize("minlength", [0, 3, 12])
@pytest.mark.parametrize("n", [0, 1, 9])
def test_bincount_matches_torch(n, minlength):
    x = index(n, high=6)
    got = sd.ops.bincount(sd.from_numpy(x), minlength=minlength)
    want = torch.bincount(torch.from_numpy(x), minlength=minlength)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.dtype is sd.i64 and not got.is_traced


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bincount_with_weights_matches_torch_and_has_the_gradient_of_an_index_add(dtype):
    x = index(9, high=6)
    w = randn(9, dtype=dtype)
    want = torch.bincount(torch.from_numpy(x), torch.from_numpy(w), minlength=8)
    got = sd.ops.bincount(sd.from_numpy(x), sd.from_numpy(w), minlength=8)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert got.numpy().dtype == want.numpy().dtype
    # NOTE: PyTorch's bincount has no derivative; its index_add gives the same sums, and has
    compare(
        lambda t: sd.ops.bincount(sd.from_numpy(x), t, minlength=8),
        lambda t: torch.zeros(8, dtype=t.dtype).index_add(0, torch.from_numpy(x), t),
        [w],
    )


def test_bincount_refuses_what_torch_refuses():
    with pytest.raises(ValueError, match="bincount: values must be >= 0, found -1"):
        sd.ops.bincount(sd.tensor([1, -1]))
    with pytest.raises(ValueError, match="bincount: minlength must be >= 0, not -2"):
        sd.ops.bincount(sd.tensor([1]), minlength=-2)
    with pytest.raises(TypeError, match="bincount: the index must be an integer tensor"):
        sd.ops.bincount(sd.tensor([1.0]))
    with pytest.raises(TypeError, match="bincount: weights must be a float tensor, not int64"):
        sd.ops.bincount(sd.tensor([1]), sd.tensor([2]))


# ---- errors and rules -----------------------------------------------------------------------
def test_errors_name_op_shapes_and_axis():
    x, s = sd.zeros((4, 3)), sd.ones((5, 3))
    i5, i2d = sd.zeros((5,), dtype=sd.i64), sd.zeros((5, 3), dtype=sd.i64)
    cases = [
        (lambda: sd.ops.index_add(x, 0, i5, sd.ones((5, 2))),
         r"index_add: shapes \(4, 3\) and \(5,\) and \(5, 2\): source must have shape \(5, 3\): "
         "x's, with axis 0 as long as index"),
        (lambda: sd.ops.index_add(x, 0, i2d, s), r"index_add: .*index must be 1-d, not rank 2"),
        (lambda: sd.ops.index_add(x, 0, sd.full((5,), 4, dtype=sd.i64), s),
         r"index_add: .*index 4 is out of bounds for axis 0 with size 4"),
        (lambda: sd.ops.scatter_reduce(x, 0, i5, s, "sum"), r"scatter_reduce: .*index has rank 1"),
        (lambda: sd.ops.scatter_reduce(x, 0, sd.full((5, 3), -1, dtype=sd.i64), s, "amax"),
         r"scatter_reduce: .*index -1 is out of bounds for axis 0 with size 4"),
        (lambda: sd.ops.bincount(i2d), r"bincount: shape \(5, 3\): x must be 1-d, not 2-d"),
        (lambda: sd.ops.bincount(i5, sd.ones((4,))),
         r"bincount: shapes \(5,\) and \(4,\): weights must have x's shape \(5,\), one per value"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(sd.ShapeError, match=message):
            call()
    with pytest.raises(ValueError, match="reduce must be one of sum, prod, mean, amax, amin"):
        sd.ops.scatter_reduce(x, 0, i2d, s, "max")
    with pytest.raises(sd.DTypeError, match="^index_add: dtypes float32 and float64 differ"):
        sd.ops.index_add(x, 0, i5, s.astype(sd.f64))


def test_rules_over_symbols_and_dyn():
    assert index_add_rule("index_add", (B, C), (T,), (T, C), 0) == (B, C)
    assert index_add_rule("index_add", (B, C), (T,), (B, T), -1) == (B, C)
    assert index_add_rule("index_add", (B, C), (T,), (T, 5), DYN) == (B, C)
    assert index_add_rule("index_add", (B, C), (DYN,), (T, DYN), 0) == (B, C)
    with pytest.raises(sd.ShapeError, match=r"source must have shape \(T, C\)"):
        index_add_rule("index_add", (B, C), (T,), (B, C), 0)
    assert scatter_reduce_rule("scatter_reduce", (B, C), (T, C), (T, C), 0, "amax") == (B, C)
    assert bincount_rule("bincount", (T,), (T,), DYN) == (DYN,)
    assert bincount_rule("bincount", (DYN,), (T,)) == (DYN,)
