"""ops/nanreduce.py against PyTorch: nansum and nanmean, values and gradients (0 at a nan)."""

import numpy as np
import pytest
import torch
from harness import compare

import shapedl as sd

NAN, INF = np.nan, np.inf
X = np.array(
    [
        [[1.0, NAN, 2.5], [NAN, NAN, NAN]],
        [[-3.0, 4.0, NAN], [0.5, -1.5, 2.0]],
    ]
)  # fmt: skip
# NumPy's axis/keepdims; PyTorch's dim/keepdim
AXES = [None, 0, 1, 2, -1, (0, 2), (-1, -2), (0, 1, 2)]
OPS = [("nansum", torch.nansum), ("nanmean", torch.nanmean)]


def _torch(top, axis, keepdims):
    if axis is None:
        return (lambda t: top(t, dim=tuple(range(t.ndim)), keepdim=True)) if keepdims else top
    return lambda t: top(t, dim=axis, keepdim=keepdims)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name,top", OPS, ids=[o[0] for o in OPS])
def test_matches_torch_values_and_gradients(name, top, axis, keepdims, dtype):
    # NOTE: a row of nans only: nanmean is nan there, and its gradient nan (0 / 0 times 0)
    fn = getattr(sd.ops, name)
    ours = (lambda x: fn(x, axis=axis, keepdims=keepdims)) if axis is not None or keepdims else fn
    compare(ours, _torch(top, axis, keepdims), [X.astype(dtype)])
    method = lambda x: getattr(x, name)(axis=axis, keepdims=keepdims)  # noqa: E731
    compare(method, _torch(top, axis, keepdims), [X.astype(dtype)])
    assert getattr(sd, name) is fn


@pytest.mark.parametrize("name,top", OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize(
    "values,axis",
    [
        (np.float32(NAN), None),  # 0-d
        (np.float32(2.5), None),
        (np.ones((0, 3), "float32"), 0),  # empty: 0 and nan, as PyTorch's
        (np.ones((0, 3), "float32"), None),
        (np.ones((1, 1), "float32") * NAN, 1),  # size 1
        (np.array([INF, -INF, NAN, 1.0], "float32"), 0),  # inf - inf is nan in both
        (np.array([INF, NAN, 1.0], "float32"), 0),
    ],
    ids=["0d-nan", "0d", "empty-0", "empty-all", "size-1", "inf-inf", "inf"],
)
def test_edges_match_torch(name, top, values, axis):
    fn = getattr(sd.ops, name)
    compare(lambda x: fn(x, axis=axis), (lambda t: top(t, dim=axis)) if axis is not None else top,
            [np.array(values)])  # fmt: skip


def test_an_infinite_gradient_gives_nan_at_a_nan_as_torchs():
    x, t = sd.tensor([[1.0, NAN], [2.0, 3.0]]), torch.tensor([[1.0, NAN], [2.0, 3.0]])
    t.requires_grad_()
    g = sd.ops.nansum(x.traced(), axis=1)
    grads = (g * sd.tensor([INF, 1.0])).sum().backward()
    (torch.nansum(t, 1) * torch.tensor([INF, 1.0])).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), t.grad.numpy())


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integers_sum_in_int64_as_torchs_and_average_as_numpys(dtype):
    a = np.array([[3, 0, -2], [1, 1, 5]]).astype(dtype)
    for axis in (None, 1, (0, 1)):
        dim = axis if axis is not None else (0, 1)
        want = torch.nansum(torch.from_numpy(a), dim=dim)
        got = sd.ops.nansum(sd.from_numpy(a), axis=axis)
        assert got.dtype is sd.i64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        # NOTE: PyTorch's nanmean (as its mean) refuses integers; NumPy's gives float64
        mean = sd.ops.nanmean(sd.from_numpy(a), axis=axis)
        assert mean.dtype is sd.f64
        np.testing.assert_allclose(mean.numpy(), np.nanmean(a, axis=axis))


@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,top", OPS, ids=[o[0] for o in OPS])
def test_half_precision_accumulates_in_f32_as_torchs(name, top, dtype):
    mine, theirs = {"float16": (sd.f16, torch.float16), "bfloat16": (sd.bf16, torch.bfloat16)}[
        dtype
    ]
    a = np.random.default_rng(0).standard_normal((4, 2048)).astype("float32")
    a[:, ::7] = NAN
    x = sd.tensor(a).astype(mine)
    out = getattr(sd.ops, name)(x.traced(), axis=1)
    grad = out.sum().backward()[x]
    t = torch.from_numpy(a).to(theirs).requires_grad_()
    want = top(t, dim=1)
    want.sum().backward()
    assert out.dtype is mine and grad.dtype is mine
    exact = a.astype("float64")
    exact = np.nansum(exact, 1) if name == "nansum" else np.nanmean(exact, 1)
    ulp = {"float16": 1e-3, "bfloat16": 8e-3}[dtype]
    ours_err = np.abs(out.astype(sd.f64).numpy() - exact)
    torch_err = np.abs(want.detach().double().numpy() - exact)
    assert (ours_err <= 2 * torch_err + ulp * np.abs(exact) + ulp).all()
    np.testing.assert_allclose(grad.astype(sd.f64).numpy(), t.grad.double().numpy(), rtol=ulp)


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_an_axis_out_of_range_names_the_op(name):
    with pytest.raises(sd.ShapeError, match=rf"^{name}: shape \(2, 3\): axis 2 is out of range"):
        getattr(sd.ops, name)(sd.ones((2, 3)), axis=2)
    with pytest.raises(IndexError):
        getattr(torch, name)(torch.ones(2, 3), dim=2)
