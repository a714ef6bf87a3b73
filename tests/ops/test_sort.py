"""sort, argsort and topk against PyTorch (values, indices and gradients, f32 and f64), their
errors, and their rules over symbols and `DYN` options."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.sort import argsort_rule, sort_rule, topk_rule

B, T = dims.sym("B"), dims.sym("T")


def ties(*shape: int, dtype: str = "float32") -> np.ndarray:
    """Values with many ties, which show whether the order is stable."""
    return np.random.default_rng(3).integers(0, 3, shape).astype(dtype)


SORTS = [
    ("last", (3, 5), {}, {}),
    ("axis0", (4, 3), {"axis": 0}, {"dim": 0}),
    ("desc", (2, 3, 4), {"axis": 1, "descending": True}, {"dim": 1, "descending": True}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,kw,tkw", SORTS, ids=[c[0] for c in SORTS])
def test_sort_matches_torch(name, shape, kw, tkw, dtype):
    compare(
        lambda x: sd.ops.sort(x, **kw)[0],
        lambda t: torch.sort(t, stable=True, **tkw).values,
        [randn(*shape, dtype=dtype)],
    )
    for data in (randn(*shape, dtype=dtype), ties(*shape, dtype=dtype)):
        got = sd.ops.sort(sd.from_numpy(data), **kw)[1]
        want = torch.sort(torch.from_numpy(data), stable=True, **tkw).indices
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        got2 = sd.ops.argsort(sd.from_numpy(data), **kw)
        np.testing.assert_array_equal(got2.numpy(), want.numpy())
        assert got.dtype is sd.i64 and got2.dtype is sd.i64 and not got.is_traced


def test_argsort_of_the_flattened_array():
    data = ties(3, 4)
    want = torch.sort(torch.from_numpy(data).flatten(), stable=True).indices
    np.testing.assert_array_equal(sd.ops.argsort(sd.from_numpy(data), None).numpy(), want)


TOPK = [
    ("last", (3, 6), 2, {}, {}),
    ("axis0", (5, 3), 5, {"axis": 0}, {"dim": 0}),
    ("small", (2, 6, 3), 3, {"axis": 1, "largest": False}, {"dim": 1, "largest": False}),
    ("zero", (2, 4), 0, {}, {}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,k,kw,tkw", TOPK, ids=[c[0] for c in TOPK])
def test_topk_matches_torch(name, shape, k, kw, tkw, dtype):
    compare(
        lambda x: sd.ops.topk(x, k, **kw)[0],
        lambda t: torch.topk(t, k, **tkw).values,
        [randn(*shape, dtype=dtype)],
    )
    data = randn(*shape, dtype=dtype, seed=5)
    got = sd.ops.topk(sd.from_numpy(data), k, **kw)[1]
    want = torch.topk(torch.from_numpy(data), k, **tkw).indices
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.dtype is sd.i64


def test_gradients_by_differences():
    central_difference(
        lambda x: sd.ops.topk(x, 2, axis=0)[0] * sd.ops.sort(x, 0, descending=True)[0][:2],
        [randn(4, 3, dtype="float64")],
    )


ERRORS = [
    (lambda x: sd.ops.sort(x, 2), r"sort: shape \(2, 3\): axis 2 is out of range for rank 2"),
    (lambda x: sd.ops.argsort(x, -3), r"argsort: shape \(2, 3\): axis -3 is out of range"),
    (lambda x: sd.ops.topk(x, 4), r"topk: shape \(2, 3\): k 4 is larger than axis -1 of size 3"),
    (lambda x: sd.ops.topk(x, 1, axis=2), r"topk: shape \(2, 3\): axis 2 is out of range"),
    (lambda x: sd.ops.topk(x.sum(), 1), r"topk: shape \(\): a 0-d tensor has no axis to take from"),
    (lambda x: sd.ops.topk(x, -1), r"topk: shape \(2, 3\): k -1 is negative"),
    (lambda x: sd.ops.sort(x[0, 0]), r"sort: shape \(\): a 0-d tensor has no axis to sort"),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shape_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((2, 3)))


def test_rules_over_symbols_and_dyn():
    assert argsort_rule("argsort", (B, T)) == (B, T)
    assert argsort_rule("argsort", (B, T), None) == (dims.mul(B, T),)
    assert argsort_rule("argsort", (B, T), DYN) == (B, T)
    assert sort_rule("sort", (B, T)) == ((B, T), (B, T))
    assert sort_rule("sort", (B, T), DYN, True) == ((B, T), (B, T))
    assert topk_rule("topk", (B, T), 3) == ((B, 3), (B, 3))
    assert topk_rule("topk", (B, T), dims.sym("K"), 0) == ((dims.sym("K"), T),) * 2
    assert topk_rule("topk", (B, T), DYN) == ((B, DYN), (B, DYN))
    assert topk_rule("topk", (B, T), 3, DYN) == ((DYN, DYN), (DYN, DYN))
    with pytest.raises(sd.ShapeError, match=r"topk: shape \(B, 2\): k 3 is larger than axis 1"):
        topk_rule("topk", (B, 2), 3, 1)
    with pytest.raises(sd.ShapeError, match=r"sort: shape \(B, T\): axis -3 is out of range"):
        sort_rule("sort", (B, T), -3)


def test_sort_and_topk_are_registered_with_per_item_dtypes():
    for name in ("sort", "topk"):
        spec = sd.ops.REGISTRY[name]
        assert spec.returns == "tuple" and spec.item_dtypes == (None, "int64")
        assert spec.item_dtype(0) is None and spec.item_dtype(1) == "int64"


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("values", [[0, 0, 0, 0], [1, 3, 3, 0, 3, 1, 1], [2, float("nan"), 2, 1]])
def test_topk_values_match_torch_and_tied_indices_are_stable(values, largest):
    """PyTorch's topk orders ties as its selection leaves them (unspecified); the values agree,
    and ours are in the stable order, `sort(stable=True)` cut to `k`."""
    x = np.array(values, dtype="float32")
    t = torch.from_numpy(x)
    for k in range(len(values) + 1):
        got, index = sd.ops.topk(sd.from_numpy(x), k, largest=largest)
        np.testing.assert_array_equal(got.numpy(), torch.topk(t, k, largest=largest).values)
        want = torch.sort(t, descending=largest, stable=True).indices[:k]
        np.testing.assert_array_equal(index.numpy(), want.numpy())


def test_methods_as_torchs():
    """`logits.topk(k)`, `x.sort()`, `x.argsort()`: PyTorch's methods, the ops themselves."""
    data = randn(2, 6, seed=7)
    x, t = sd.from_numpy(data), torch.from_numpy(data)
    values, indices = x.topk(3)
    np.testing.assert_array_equal(values.numpy(), t.topk(3).values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t.topk(3).indices.numpy())
    np.testing.assert_array_equal(x.sort(descending=True)[0].numpy(), t.sort(descending=True)[0])
    np.testing.assert_array_equal(x.argsort(axis=0).numpy(), t.argsort(dim=0).numpy())


NAN_VALUES = [1.0, -2.0, float("nan"), 3.0, float("inf"), -float("inf"), 1.0, float("nan")]
FLOATS = {"bfloat16": sd.bf16, "float16": sd.f16, "float32": sd.f32}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("descending", [False, True])
def test_nan_is_largest_as_torchs(dtype, descending):
    """NaN sorts last ascending and first descending (and is topk's largest), as PyTorch's,
    in every float dtype: NumPy's sort of bfloat16 has no NaN ordering of its own. The
    gradient goes back through the same permutation."""
    data = np.array(NAN_VALUES, np.float32).reshape(2, 4).T.copy()
    x = sd.from_numpy(data).astype(FLOATS[dtype])
    t = torch.from_numpy(data).to(getattr(torch, dtype)).requires_grad_()
    values, index = sd.ops.sort(x, 0, descending=descending)
    want = torch.sort(t, dim=0, descending=descending, stable=True)
    np.testing.assert_array_equal(values.astype(sd.f32).numpy(), want.values.float().detach())
    np.testing.assert_array_equal(index.numpy(), want.indices.numpy())
    got_argsort = sd.ops.argsort(x, 0, descending=descending).numpy()
    np.testing.assert_array_equal(got_argsort, want.indices.numpy())
    top, top_index = sd.ops.topk(x, 3, axis=0, largest=descending)
    want_top = torch.topk(t, 3, 0, largest=descending)
    np.testing.assert_array_equal(top.astype(sd.f32).numpy(), want_top.values.float().detach())
    np.testing.assert_array_equal(top_index.numpy(), want_top.indices.numpy())
    weight = np.arange(8, dtype=np.float32).reshape(4, 2)
    xt = x.traced()
    loss = sd.ops.sort(xt, 0, descending=descending)[0] * sd.from_numpy(weight).astype(x.dtype)
    grads = loss.sum().backward()
    (want.values * torch.from_numpy(weight).to(t.dtype)).sum().backward()
    np.testing.assert_array_equal(grads[x].astype(sd.f32).numpy(), t.grad.float())
