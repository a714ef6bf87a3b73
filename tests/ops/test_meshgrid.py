"""meshgrid against PyTorch: both indexings, values and gradients (each grid's gradient summed
back to its vector), 0-d and empty inputs, integers, errors, and the rule."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.ops.meshgrid import meshgrid_rule

SIZES = [(3,), (3, 4), (2, 3, 4), (1, 5), (0, 2), (4, 0, 2), ((), 3), (2, ())]


def _inputs(sizes: tuple, dtype: str) -> list[np.ndarray]:
    return [randn(*((n,) if n != () else ()), dtype=dtype, seed=i) for i, n in enumerate(sizes)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", SIZES)
def test_meshgrid_matches_torch(sizes, indexing, dtype):
    # NOTE: the grids stacked, so every value and every input's gradient is compared
    compare(
        lambda *ts: sd.stack(sd.meshgrid(*ts, indexing=indexing)),
        lambda *ts: torch.stack(torch.meshgrid(*ts, indexing=indexing)),
        _inputs(sizes, dtype),
    )


def test_the_default_is_pytorchs_ij_not_numpys_xy():
    a, b = np.arange(3), np.arange(4)
    got = sd.ops.meshgrid(sd.tensor(a), sd.tensor(b))
    want = torch.meshgrid(torch.from_numpy(a), torch.from_numpy(b), indexing="ij")
    for g, w in zip(got, want, strict=True):
        assert g.dtype is sd.i64
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    assert got[0].shape != np.meshgrid(a, b)[0].shape  # NOTE: NumPy's default is "xy"
    np.testing.assert_array_equal(
        sd.meshgrid(sd.tensor(a), sd.tensor(b), indexing="xy")[1].numpy(), np.meshgrid(a, b)[1]
    )


def test_gradients_by_differences_and_tapes():
    central_difference(
        lambda x, y: sum(g * g for g in sd.meshgrid(x, y, indexing="xy")), [randn(3), randn(2)]
    )
    x, y = sd.ones((2,)), sd.ones((3,))
    gx, gy = sd.meshgrid(x.traced(), y)
    assert gx.tape is not None and gy.tape is None


ERRORS = [
    (
        (sd.ones((2, 2)), sd.ones((3,))),
        {},
        r"meshgrid: shapes \(2, 2\) and \(3,\): tensor 0 must be",
    ),
    (
        (sd.ones((2,)),),
        {"indexing": "yx"},
        r"meshgrid: shape \(2,\): indexing must be 'ij' or 'xy'",
    ),
]


@pytest.mark.parametrize("args,kwargs,message", ERRORS)
def test_errors_where_torch_refuses(args, kwargs, message):
    with pytest.raises(sd.ShapeError, match=message):
        sd.meshgrid(*args, **kwargs)
    with pytest.raises(RuntimeError):
        torch.meshgrid(*[torch.from_numpy(a.numpy()) for a in args], indexing=kwargs.get(
            "indexing", "ij"))  # fmt: skip


def test_no_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="meshgrid: needs at least one tensor"):
        sd.meshgrid()
    with pytest.raises(RuntimeError):
        torch.meshgrid(indexing="ij")


def test_mixed_dtypes_are_refused():
    with pytest.raises(sd.DTypeError, match="meshgrid"):
        sd.meshgrid(sd.ones((2,)), sd.arange(3))


def test_rule_over_symbols():
    n, m = dims.sym("N"), dims.sym("M")
    assert meshgrid_rule("meshgrid", [(n,), (m,), ()]) == ((n, m, 1),) * 3
    assert meshgrid_rule("meshgrid", [(n,), (m,)], "xy") == ((m, n),) * 2


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("pack", [list, tuple])
def test_a_list_or_tuple_of_tensors_is_taken_as_torchs(pack, indexing):
    compare(
        lambda *ts: sd.stack(sd.meshgrid(pack(ts), indexing=indexing)),
        lambda *ts: torch.stack(torch.meshgrid(pack(ts), indexing=indexing)),
        _inputs((3, 4, 2), "float64"),
    )


def test_a_list_of_something_else_than_tensors_is_a_type_error_naming_meshgrid():
    with pytest.raises(TypeError, match=r"^meshgrid: takes tensors.*not list"):
        sd.meshgrid([sd.arange(2), [0, 1]])
    with pytest.raises(TypeError, match="meshgrid: needs at least one tensor"):
        sd.meshgrid([])
