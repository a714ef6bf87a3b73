"""layer_norm and batch_norm against PyTorch: values, every gradient, running statistics."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import TOL, central_difference, compare, randn

import shapedl as sd
from shapedl.dims import DYN, sym
from shapedl.ops.norm import batch_norm_rule, layer_norm_rule

DTYPES = ["float32", "float64"]

# ---- layer_norm -------------------------------------------------------------------------
LAYER = [  # (input shape, normalized_shape)
    ((4, 6), (6,)),
    ((2, 3, 5), (5,)),
    ((2, 3, 5), (3, 5)),
    ((7,), (7,)),
    ((2, 2, 3, 4), (2, 3, 4)),
    # 0 elements normalized: an empty result and empty gradients, as PyTorch's
    ((2, 0), (0,)),
    ((2, 3, 0), (3, 0)),
    ((0, 0), (0,)),
    ((0, 4), (4,)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
@pytest.mark.parametrize("shape,norm", LAYER)
def test_layer_norm_matches_torch(shape, norm, affine, dtype):
    x = randn(*shape, dtype=dtype) * 3 + 1
    w, b = randn(*norm, dtype=dtype, seed=1), randn(*norm, dtype=dtype, seed=2)
    if affine == "both":
        compare(
            lambda x, w, b: sd.ops.layer_norm(x, norm, w, b),
            lambda x, w, b: F.layer_norm(x, norm, w, b),
            [x, w, b],
        )
    elif affine == "weight":
        compare(
            lambda x, w: sd.ops.layer_norm(x, norm, weight=w),
            lambda x, w: F.layer_norm(x, norm, weight=w),
            [x, w],
        )
    else:
        compare(lambda x: sd.ops.layer_norm(x, norm), lambda x: F.layer_norm(x, norm), [x])


def test_layer_norm_int_shape_bias_only_and_eps():
    x, b = randn(3, 4), randn(4, seed=1)
    compare(
        lambda x, b: sd.ops.layer_norm(x, 4, bias=b, eps=0.1),
        lambda x, b: F.layer_norm(x, (4,), bias=b, eps=0.1),
        [x, b],
    )


def test_layer_norm_central_differences():
    norm = (2, 3)
    central_difference(
        lambda x, w, b: sd.ops.layer_norm(x, norm, w, b),
        [randn(2, 2, 3, dtype="float64"), randn(*norm, seed=1), randn(*norm, seed=2)],
    )


@pytest.mark.parametrize(
    "shape,norm,wshape,pattern",
    [
        ((2, 3, 5), (4,), None, r"layer_norm: shapes \(2, 3, 5\) and \(4,\): .*axis -1"),
        ((2, 3, 5), (2, 5), None, r"layer_norm: shapes \(2, 3, 5\) and \(2, 5\): .*axis -2"),
        ((5,), (2, 5), None, r"layer_norm: .*normalized_shape has 2 dims but must have 1 to 1"),
        ((), (5,), None, r"layer_norm: .*has 1 dims but the input is a scalar, with no axis"),
        ((2, 5), (5,), (4,), r"layer_norm: shapes \(2, 5\) and \(4,\): weight size 4 at axis 0"),
        ((2, 5), (5,), (1, 5), r"layer_norm: shapes \(2, 5\) and \(1, 5\): weight has rank 2"),
    ],
)
def test_layer_norm_errors_name_op_shapes_and_axis(shape, norm, wshape, pattern):
    w = None if wshape is None else sd.ones(wshape)
    with pytest.raises(sd.ShapeError, match=pattern):
        sd.ops.layer_norm(sd.ones(shape), norm, w)


def test_layer_norm_rule_over_symbols_and_dyn():
    b, t, d = sym("B"), sym("T"), sym("D")
    assert layer_norm_rule("layer_norm", (b, t, d), (d,), (d,), (d,)) == (b, t, d)
    assert layer_norm_rule("layer_norm", (b, DYN, DYN), (t, 8), (DYN, 8)) == (b, DYN, DYN)
    with pytest.raises(sd.ShapeError, match=r"\(B, T, D\) and \(T,\).*axis -1"):
        layer_norm_rule("layer_norm", (b, t, d), (t,))


# ---- batch_norm -------------------------------------------------------------------------
BATCH = [(8, 3), (4, 3, 5), (2, 3, 4, 5), (2, 2, 3, 2, 2)]


def _running(c: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    return randn(c, dtype=dtype, seed=3), np.abs(randn(c, dtype=dtype, seed=4)) + 0.5


def _pair(a: np.ndarray) -> tuple[sd.Tensor, torch.Tensor]:
    return sd.from_numpy(a.copy()), torch.from_numpy(a.copy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BATCH)
def test_batch_norm_training_matches_torch_and_updates_running_stats(shape, dtype):
    x = randn(*shape, dtype=dtype) * 2 + 0.5
    w, b = randn(shape[1], dtype=dtype, seed=1), randn(shape[1], dtype=dtype, seed=2)
    (sm, tm), (sv, tv) = map(_pair, _running(shape[1], dtype))
    compare(
        lambda x, w, b: sd.ops.batch_norm(x, sm, sv, w, b, momentum=0.3),
        lambda x, w, b: F.batch_norm(x, tm, tv, w, b, training=True, momentum=0.3),
        [x, w, b],
    )
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(sm.numpy(), tm.numpy(), rtol=rtol, err_msg="running_mean")
    np.testing.assert_allclose(sv.numpy(), tv.numpy(), rtol=rtol, err_msg="running_var")
    assert sm.numpy().dtype == np.dtype(dtype)


# NOTE: gradients of the weights of a batch norm in inference, on purpose: said, and computed
@pytest.mark.filterwarnings("ignore::shapedl.errors.InferenceWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BATCH)
def test_batch_norm_inference_uses_running_stats_like_torch(shape, dtype):
    x = randn(*shape, dtype=dtype)
    w, b = randn(shape[1], dtype=dtype, seed=1), randn(shape[1], dtype=dtype, seed=2)
    (sm, tm), (sv, tv) = map(_pair, _running(shape[1], dtype))
    # NOTE: x untraced (inference) but a leaf of the graph, as a parameter is: its gradient
    # is PyTorch's in eval mode (a frozen batch norm under trained layers)
    sx, tx = sd.from_numpy(x), torch.from_numpy(x).requires_grad_()
    compare(
        lambda w, b: sd.ops.batch_norm(sx, sm, sv, w, b),
        lambda w, b: F.batch_norm(tx, tm, tv, w, b, training=False),
        [w, b],
    )
    g = randn(*shape, dtype=dtype, seed=3)
    loss = (sd.ops.batch_norm(sx, sm, sv, sd.from_numpy(w).traced()) * sd.from_numpy(g)).sum()
    tx = torch.from_numpy(x.copy()).requires_grad_()
    tout = F.batch_norm(tx, tm, tv, torch.from_numpy(w), training=False)
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(loss.backward()[sx].numpy(), tx.grad.numpy(), *TOL[dtype])
    np.testing.assert_array_equal(sm.numpy(), _running(shape[1], dtype)[0])


def test_a_gans_detached_fakes_are_said_to_run_in_inference_and_traced_train_as_torchs():
    # NOTE: D(fake.detach()) is untraced, so its batch norm used the running statistics while
    # the loss's gradient still reached D's weights: PyTorch's D.train() uses the batch's
    sd.set_default_device(sd.Cpu(seed=0))
    d = sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.BatchNorm1d(3), sd.nn.Linear(3, 1))
    td = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1))
    td.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in d.state_dict().items()})
    real, fake = randn(4, 2, seed=1), randn(4, 2, seed=2)
    want = td(torch.from_numpy(real)).mean() + td(torch.from_numpy(fake)).mean()
    want.backward()
    with pytest.warns(sd.errors.InferenceWarning, match=r"untraced input \(4, 3\)") as said:
        (d(sd.from_numpy(real).traced()).mean() + d(sd.from_numpy(fake)).mean()).backward()
    assert said[0].filename == __file__
    loss = d(sd.from_numpy(real).traced()).mean() + d(sd.from_numpy(fake).detach().traced()).mean()
    grads = loss.backward()
    np.testing.assert_allclose(loss.item(), want.item(), rtol=1e-5)
    np.testing.assert_allclose(grads[d[2].weight].numpy(), td[2].weight.grad.numpy(), atol=1e-6)


@pytest.mark.parametrize("traced", [True, False])
@pytest.mark.parametrize("shape", [(8, 0), (4, 0, 5)])
def test_batch_norm_of_no_channels_is_empty_as_torchs(shape, traced):
    """0 channels: an empty result and gradient (PyTorch refuses a weight of 0 elements);
    untraced (`grad=False`) is inference, with the running statistics."""
    (sm, tm), (sv, tv) = map(_pair, _running(0, "float32"))
    compare(
        lambda x: sd.ops.batch_norm(x, sm, sv),
        lambda x: F.batch_norm(x, tm, tv, training=traced),
        [randn(*shape)],
        grad=traced,
    )


def test_batch_norm_takes_momentum_and_eps_by_keyword_only():
    """PyTorch's sixth positional is `training` (here: whether `x` is traced): a ported
    `(x, rm, rv, None, None, True, 0.1)` ran with momentum `True` and eps `0.1`."""
    x = randn(4, 3) * 0.05
    (sm, tm), (sv, tv) = map(_pair, _running(3, "float32"))
    want = F.batch_norm(torch.from_numpy(x), tm, tv, None, None, True, 0.1)
    sx = sd.from_numpy(x).traced()
    with pytest.raises(TypeError, match=r"batch_norm\(\) takes .* positional argument"):
        sd.ops.batch_norm(sx, sm, sv, None, None, True, 0.1)  # type: ignore[misc]
    np.testing.assert_array_equal(sm.numpy(), _running(3, "float32")[0])
    out = sd.ops.batch_norm(sx, sm, sv, None, None, momentum=0.1)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sm.numpy(), tm.numpy(), rtol=1e-5, err_msg="running_mean")


def test_batch_norm_untraced_forward_matches_torch_eval():
    x = randn(4, 3, 2)
    rm, rv = _running(3, "float32")
    out = sd.ops.batch_norm(sd.from_numpy(x), sd.from_numpy(rm), sd.from_numpy(rv))
    want = F.batch_norm(torch.from_numpy(x), torch.from_numpy(rm), torch.from_numpy(rv))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_batch_norm_without_running_stats_or_affine_uses_batch_stats():
    x = randn(5, 3, 4)
    compare(
        lambda x: sd.ops.batch_norm(x, None, None, eps=1e-3),
        lambda x: F.batch_norm(x, None, None, training=True, eps=1e-3),
        [x],
    )
    out = sd.ops.batch_norm(sd.from_numpy(x), None, None)  # untraced: still batch stats
    want = F.batch_norm(torch.from_numpy(x), None, None, training=True)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


def test_batch_norm_central_differences_batch_stats():
    # NOTE: the differences evaluate untraced inputs, so batch statistics need None running stats
    central_difference(
        lambda x, w, b: sd.ops.batch_norm(x, None, None, w, b),
        [randn(3, 2, 2, dtype="float64"), randn(2, seed=1), randn(2, seed=2)],
    )


def test_batch_norm_central_differences_running_stats():
    rm, rv = _running(2, "float64")

    def fn(x: sd.Tensor, w: sd.Tensor, b: sd.Tensor) -> sd.Tensor:
        # NOTE: x off the tape but with its identity (as an untraced leaf, a parameter, is
        # in a graph): batch_norm runs in inference and x's gradient is still summed
        leaf = sd.Tensor(x.data, x.device, None, None, x.id)
        return sd.ops.batch_norm(leaf, sd.from_numpy(rm), sd.from_numpy(rv), w, b)

    central_difference(fn, [randn(3, 2, 2, dtype="float64"), randn(2, seed=1), randn(2, seed=2)])


@pytest.mark.parametrize(
    "shape,pshape,pattern",
    [
        ((4, 3, 5), (4,), r"batch_norm: shapes \(4, 3, 5\) and \(4,\): running_mean .*axis 1"),
        ((4, 3), (3, 1), r"batch_norm: shapes \(4, 3\) and \(3, 1\): running_mean must"),
    ],
)
def test_batch_norm_errors_name_op_shapes_and_axis(shape, pshape, pattern):
    with pytest.raises(sd.ShapeError, match=pattern):
        sd.ops.batch_norm(sd.ones(shape), sd.zeros(pshape), sd.ones(pshape))


def test_batch_norm_weight_and_rank_errors():
    with pytest.raises(sd.ShapeError, match=r"batch_norm: shapes \(2, 3\) and \(2,\): weight"):
        sd.ops.batch_norm(sd.ones((2, 3)), None, None, sd.ones((2,)))
    with pytest.raises(sd.ShapeError, match=r"batch_norm: shape \(3,\): input has rank 1"):
        sd.ops.batch_norm(sd.ones((3,)), None, None)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        sd.ops.batch_norm(sd.ones((1, 3)).traced(), sd.zeros((3,)), sd.ones((3,)))


def test_batch_norm_rule_over_symbols_and_dyn():
    b, c, h = sym("B"), sym("C"), sym("H")
    assert batch_norm_rule("batch_norm", (b, c, h, h), (c,), (c,), (c,), (c,)) == (b, c, h, h)
    assert batch_norm_rule("batch_norm", (b, DYN), (16,)) == (b, DYN)
    with pytest.raises(sd.ShapeError, match=r"\(B, C, H\) and \(H,\): weight .*axis 1"):
        batch_norm_rule("batch_norm", (b, c, h), weight=(h,))


def test_a_channels_last_input_is_told_to_move_its_channels_as_torch_refuses_it() -> None:
    # NOTE: makemore's WaveNet: BatchNorm1d(68) on a (N, L, C) batch; PyTorch refuses it too
    with pytest.raises(RuntimeError):
        torch.nn.BatchNorm1d(68)(torch.randn(32, 4, 68))
    with pytest.raises(
        sd.ShapeError, match=r"68 channels last: move them to axis 1 \(x\.transpose\(1, 2\)\)"
    ):
        sd.nn.BatchNorm1d(68)(sd.randn((32, 4, 68)).traced())
    with pytest.raises(sd.ShapeError, match=r"3 channels last: .*\(x\.permute\(0, 3, 1, 2\)\)"):
        sd.nn.BatchNorm2d(3)(sd.randn((2, 8, 8, 3)).traced())
    with pytest.raises(sd.ShapeError, match=r"the channels at axis 1 of the input$"):
        sd.nn.BatchNorm1d(5)(sd.randn((32, 4, 68)).traced())
    # NOTE: DCGAN's BatchNorm2d(ngf * 2) after a layer of ngf * 4: an 8x8 map, 8 channels
    with pytest.raises(sd.ShapeError, match=r"the channels at axis 1 of the input$"):
        sd.nn.BatchNorm2d(8)(sd.randn((2, 16, 8, 8)).traced())
