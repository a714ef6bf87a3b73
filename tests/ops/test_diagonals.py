"""diagonal, diag and trace against PyTorch: values and gradients (f32, f64), integers, empty
and off-corner diagonals, errors, and the rules over symbols."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.diagonals import diag_rule, diagonal_rule

N, M, B = dims.sym("N"), dims.sym("M"), dims.sym("B")

DIAGONALS = [
    ((3, 3), 0, 0, 1),
    ((3, 4), 1, 0, 1),
    ((4, 3), -2, 0, 1),
    ((2, 3, 4), 0, 1, 2),
    ((2, 3, 4), -1, -1, 0),
    ((2, 3, 4, 5), 2, 3, 1),
    ((3, 3), 3, 0, 1),
    ((3, 3), -5, 0, 1),
    ((0, 3), 0, 0, 1),
    ((1, 1), 0, 1, 0),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,offset,a,b", DIAGONALS)
def test_diagonal_matches_torch(shape, offset, a, b, dtype):
    x = randn(*shape, dtype=dtype)
    want = lambda t: torch.diagonal(t, offset, a, b)  # noqa: E731
    compare(lambda t: sd.ops.diagonal(t, offset, a, b), want, [x])
    compare(lambda t: t.diagonal(offset, axis1=a, axis2=b), want, [x])


DIAGS = [((3,), 0), ((3,), 2), ((4,), -1), ((0,), 1), ((3, 4), 0), ((3, 4), 2), ((4, 3), -1),
         ((2, 2), 5), ((1,), 0)]  # fmt: skip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,k", DIAGS)
def test_diag_matches_torch(shape, k, dtype):
    x = randn(*shape, dtype=dtype)
    compare(lambda t: sd.ops.diag(t, k), lambda t: torch.diag(t, k), [x])
    compare(lambda t: t.diag(k), lambda t: t.diag(k), [x])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (0, 0), (1, 1)])
def test_trace_matches_torch(shape, dtype):
    x = randn(*shape, dtype=dtype)
    compare(sd.ops.trace, torch.trace, [x])
    compare(lambda t: t.trace(), lambda t: t.trace(), [x])


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integers_keep_torchs_dtypes(dtype):
    x = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    tx = torch.from_numpy(x)
    for ours, theirs in [
        (sd.ops.diagonal(sd.tensor(x), 1), torch.diagonal(tx, 1)),
        (sd.tensor(x).diag(-1), tx.diag(-1)),
        (sd.ops.diag(sd.tensor(x[0])), torch.diag(tx[0])),
    ]:
        assert ours.numpy().dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if dtype != "bool":  # NOTE: PyTorch's trace has no kernel for bool
        got, want = sd.ops.trace(sd.tensor(x)), torch.trace(tx)
        assert got.item() == want.item() and got.dtype is sd.i64 and want.dtype == torch.int64


def test_gradients_by_differences():
    central_difference(lambda x: x.diagonal(1, 2, 0) * x.diagonal(1, 2, 0), [randn(3, 2, 4)])
    central_difference(lambda v: sd.ops.diag(v, -1) * sd.ops.diag(v, -1), [randn(3)])
    central_difference(lambda x: sd.ops.trace(x * x).reshape((1,)), [randn(3, 3)])


ERRORS = [
    (
        lambda: sd.ones((3,)).diagonal(),
        r"diagonal: shape \(3,\): needs at least 2 axes, got rank 1",
    ),
    (
        lambda: sd.ones((2, 3)).diagonal(0, 0, 2),
        r"diagonal: shape \(2, 3\): axis2 2 is out of range",
    ),
    (lambda: sd.ones((2, 3)).diagonal(0, 1, -1), r"diagonal: .*axis1 1 and axis2 -1 are the same"),
    (lambda: sd.ops.diag(sd.ones((2, 2, 2))), r"diag: shape \(2, 2, 2\): x must be 1-d or 2-d"),
    (lambda: sd.ops.diag(sd.ones(())), r"diag: shape \(\): x must be 1-d or 2-d, not 0-d"),
    (lambda: sd.ops.trace(sd.ones((2, 2, 2))), r"trace: shape \(2, 2, 2\): x must be 2-d"),
    (lambda: sd.ones((3,)).trace(), r"trace: shape \(3,\): x must be 2-d, not 1-d"),
]
TORCH_REFUSES = [
    lambda: torch.ones(3).diagonal(),
    lambda: torch.ones(2, 3).diagonal(0, 0, 2),
    lambda: torch.ones(2, 3).diagonal(0, 1, -1),
    lambda: torch.diag(torch.ones(2, 2, 2)),
    lambda: torch.diag(torch.ones(())),
    lambda: torch.trace(torch.ones(2, 2, 2)),
    lambda: torch.ones(3).trace(),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_where_torch_refuses(k):
    ours, message = ERRORS[k]
    with pytest.raises(sd.ShapeError, match=message):
        ours()
    with pytest.raises((RuntimeError, IndexError)):
        TORCH_REFUSES[k]()


def test_rules_over_symbols():
    assert diagonal_rule("diagonal", (N, N)) == (N,)
    assert diagonal_rule("diagonal", (B, N, N), 1, 1, 2) == (B, dims.sub(N, 1))
    assert diagonal_rule("diagonal", (N, N), -2) == (dims.sub(N, 2),)
    assert diagonal_rule("diagonal", (N, M)) == (DYN,)
    assert diagonal_rule("diagonal", (N, dims.add(N, 1)), 1) == (N,)
    assert diag_rule("diag", (N,), -2) == (dims.add(N, 2), dims.add(N, 2))
    assert diag_rule("diag", (N, N), 0) == (N,)


def test_trace_of_a_bool_matrix_is_refused_as_torchs():
    eye = np.eye(3, dtype=bool)
    with pytest.raises(TypeError, match=r"^trace: x must be a number tensor, not bool.*astype"):
        sd.ops.trace(sd.tensor(eye))
    with pytest.raises(RuntimeError):
        torch.trace(torch.from_numpy(eye))
