"""one_hot and scatter_add against PyTorch (values and gradients, f32 and f64), their errors,
and their rules over symbols and `DYN` options."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.scatter import one_hot_rule, scatter_add_rule

B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")


def index(*shape: int, high: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, shape).astype("int64")


@pytest.mark.parametrize("shape,n", [((5,), 4), ((2, 3), 3), ((), 2), ((2, 0), 3)])
def test_one_hot_matches_torch(shape, n):
    i = index(*shape, high=n)
    got = sd.ops.one_hot(sd.from_numpy(i), n)
    want = torch.nn.functional.one_hot(torch.from_numpy(i), n)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.numpy().dtype == np.int64 and not got.is_traced


def test_one_hot_infers_num_classes_as_torch():
    i = np.array([[0, 4], [2, 1]])
    got = sd.ops.one_hot(sd.from_numpy(i))
    np.testing.assert_array_equal(got.numpy(), torch.nn.functional.one_hot(torch.from_numpy(i)))


SCATTER = [
    # x shape, axis, index shape, index high, src shape
    ((4, 3), 0, (5, 3), 4, (5, 3)),
    ((4, 3), 1, (4, 6), 3, (4, 6)),
    ((4, 3), 0, (2, 2), 4, (3, 3)),
    ((3, 4, 5), -2, (2, 6, 3), 4, (3, 7, 5)),
    ((6,), 0, (8,), 6, (8,)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,axis,ish,high,ss", SCATTER)
def test_scatter_add_matches_torch(xs, axis, ish, high, ss, dtype):
    i = index(*ish, high=high)
    part = tuple(slice(0, n) for n in ish)
    compare(
        lambda x, s: sd.ops.scatter_add(x, axis, sd.from_numpy(i), s),
        # NOTE: torch's backward refuses a src larger than the index; the slice is the same sum
        lambda x, s: torch.scatter_add(x, axis, torch.from_numpy(i), s[part]),
        [randn(*xs, dtype=dtype), randn(*ss, dtype=dtype, seed=1)],
    )


def test_scatter_add_gradient_by_differences():
    i = index(3, 2, high=4)
    central_difference(
        lambda x, s: sd.ops.scatter_add(x, 0, sd.from_numpy(i), s) ** 2,
        [randn(4, 2, dtype="float64"), randn(3, 3, dtype="float64")],
    )


def test_scatter_add_with_an_untraced_x():
    x, s = sd.zeros((3,)), sd.from_numpy(randn(4)).traced()
    out = sd.ops.scatter_add(x, 0, sd.tensor([0, 1, 0, 2]), s)
    g = (out * sd.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert g[s].tolist() == [1.0, 2.0, 1.0, 3.0]


def test_errors_name_op_shapes_and_axis():
    x, s = sd.zeros((4, 3)), sd.ones((5, 3))
    cases = [
        (lambda: sd.ops.scatter_add(x, 0, sd.zeros((5,), dtype=sd.i64), s), "index has rank 1"),
        (lambda: sd.ops.scatter_add(x, 0, sd.zeros((5, 3), dtype=sd.i64), sd.ones((5,))),
         "src has rank 1"),
        (lambda: sd.ops.scatter_add(x, 1, sd.zeros((5, 3), dtype=sd.i64), s),
         r"index has size 5 at axis 0, x only 4"),
        (lambda: sd.ops.scatter_add(x, 0, sd.zeros((6, 3), dtype=sd.i64), s),
         r"index has size 6 at axis 0, src only 5"),
        (lambda: sd.ops.scatter_add(x, 0, sd.full((5, 3), 4, dtype=sd.i64), s),
         r"index values 4..4 are out of range for axis 0 of size 4"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(sd.ShapeError, match=r"scatter_add: shapes \(4, 3\) and .*" + message):
            call()
    with pytest.raises(sd.ShapeError, match=r"scatter_add: shape \(4, 3\): axis 2 is out of range"):
        sd.ops.scatter_add(x, 2, sd.zeros((5, 3), dtype=sd.i64), s)
    with pytest.raises(sd.ShapeError, match=r"one_hot: shape \(2,\): index values 0..3 are not"):
        sd.ops.one_hot(sd.tensor([0, 3]), 3)
    with pytest.raises(sd.ShapeError, match=r"one_hot: shape \(2,\): num_classes -2 is neg"):
        sd.ops.one_hot(sd.tensor([0, 3]), -2)
    with pytest.raises(TypeError, match="one_hot: the index must be an integer tensor"):
        sd.ops.one_hot(sd.ones((2,)), 3)


def test_rules_over_symbols_and_dyn():
    assert one_hot_rule("one_hot", (B, T), C) == (B, T, C)
    assert one_hot_rule("one_hot", (B, T), DYN) == (B, T, DYN)
    assert one_hot_rule("one_hot", (B,), -1) == (B, DYN)
    assert scatter_add_rule("scatter_add", (B, C), (T, C), (T, C), 0) == (B, C)
    assert scatter_add_rule("scatter_add", (B, C), (T, 5), (T, 5), DYN) == (B, C)
    assert scatter_add_rule("scatter_add", (3, 2), (3, DYN), (3, 4), DYN) == (3, 2)
    # NOTE: with the axis unknown, index may be larger than x along any one axis
    assert scatter_add_rule("scatter_add", (4, 3), (5, 3), (5, 3), DYN) == (4, 3)
