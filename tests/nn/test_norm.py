"""LayerNorm, BatchNorm1d and BatchNorm2d against torch.nn; running statistics and tracing."""

import numpy as np
import pytest
import torch
from harness import compare, randn

import shapedl as sd
from tests.nn.helpers import check_module, copy_weights


def _randomize(tmod):
    with torch.no_grad():
        for p in tmod.parameters():
            p.copy_(torch.randn_like(p))
    return tmod


@pytest.mark.parametrize(
    "shape,normalized",
    [((4, 6), 6), ((2, 3, 6), (6,)), ((2, 3, 4, 5), (4, 5)), ((2, 0), 0), ((2, 3, 0), (3, 0))],
)
def test_layer_norm_matches_torch(shape, normalized):
    check_module(
        sd.nn.LayerNorm(normalized),
        _randomize(torch.nn.LayerNorm(normalized)),
        [randn(*shape)],
    )


def test_layer_norm_without_bias_or_affine():
    check_module(
        sd.nn.LayerNorm(6, eps=1e-3, bias=False),
        _randomize(torch.nn.LayerNorm(6, eps=1e-3, bias=False)),
        [randn(3, 6)],
    )
    assert sd.nn.LayerNorm(6, elementwise_affine=False).parameters() == {}


def test_layer_norm_init():
    ln = sd.nn.LayerNorm(5)
    np.testing.assert_array_equal(ln.weight.numpy(), 1)
    np.testing.assert_array_equal(ln.bias.numpy(), 0)


BN = [
    (sd.nn.BatchNorm1d, torch.nn.BatchNorm1d, (8, 3)),
    (sd.nn.BatchNorm1d, torch.nn.BatchNorm1d, (8, 3, 5)),
    (sd.nn.BatchNorm2d, torch.nn.BatchNorm2d, (4, 3, 5, 6)),
]


@pytest.mark.parametrize("cls,tcls,shape", BN)
def test_batch_norm_training_matches_torch(cls, tcls, shape):
    bn, tbn = cls(3, momentum=0.2), _randomize(tcls(3, momentum=0.2))
    check_module(bn, tbn.train(), [randn(*shape)])
    # one training step updated the running statistics exactly as torch's
    np.testing.assert_allclose(bn.running_mean.numpy(), tbn.running_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-5)


@pytest.mark.parametrize("cls,tcls,shape", BN)
def test_batch_norm_inference_uses_running_stats_and_updates_nothing(cls, tcls, shape):
    tbn = _randomize(tcls(3))
    with torch.no_grad():
        tbn.running_mean.copy_(torch.randn(3))
        tbn.running_var.copy_(torch.rand(3) + 0.5)
    bn = cls(3)
    copy_weights(bn, tbn)
    before = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    x = randn(*shape)
    out = bn(sd.from_numpy(x))
    want = tbn.eval()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before[0])
    np.testing.assert_array_equal(bn.running_var.numpy(), before[1])


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False], ids=["running", "batch-only"])
@pytest.mark.parametrize("momentum", [0.0, 0.3, 1.0, None])
@pytest.mark.parametrize("cls,tcls,shape", BN)
def test_batch_norm_options_over_steps_then_inference(cls, tcls, shape, momentum, track, affine):
    """Three training steps (values, input gradients, running statistics with the unbiased
    variance after each, and the count of batches), then inference, in float64; torch's
    `track_running_stats=False` normalizes with the batch in inference too; momentum=None is
    the cumulative average."""
    kw = dict(eps=0.1, momentum=momentum, affine=affine, track_running_stats=track)
    bn, tbn = cls(3, **kw).astype(sd.f64), _randomize(tcls(3, **kw).double())
    copy_weights(bn, tbn)
    for step in range(3):
        x = randn(*shape, dtype="float64", seed=step) * 3 + 1
        compare(bn, tbn.train(), [x])
        if track:
            np.testing.assert_allclose(bn.running_mean.numpy(), tbn.running_mean.numpy())
            np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy())
            assert bn.num_batches_tracked.item() == tbn.num_batches_tracked.item() == step + 1
    compare(bn, tbn.eval(), [randn(*shape, dtype="float64", seed=3)], grad=False)
    if track:
        assert bn.num_batches_tracked.item() == 3  # inference counts nothing
    if affine:
        tbn.zero_grad()  # NOTE: torch summed the gradients of the steps above
        check_module(bn, tbn.train(), [randn(*shape, dtype="float64", seed=4)], rtol=1e-9)


@pytest.mark.parametrize("momentum", [-0.1, 1.5, "0.1"])
def test_batch_norm_bad_momentum_is_refused_naming_the_layer(momentum):
    with pytest.raises(ValueError, match=r"BatchNorm2d: momentum=.* must be None or .*\[0, 1\]"):
        sd.nn.BatchNorm2d(3, momentum=momentum)  # type: ignore[arg-type]


def test_batch_norm_state_dicts_load_both_ways_with_torch():
    """PyTorch's state dict, `num_batches_tracked` and a `Sequential`'s names included, loads
    into the same shapedl model as it is, and shapedl's into torch's (strict both ways)."""
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    tmodel(torch.randn(4, 2, 5, 5))  # training mode: the count and statistics move
    model = sd.nn.Sequential(sd.nn.Conv2d(2, 3, 3), sd.nn.BatchNorm2d(3))
    model.load_state_dict(tmodel.state_dict())
    assert model[1].num_batches_tracked.item() == 1
    np.testing.assert_array_equal(model[1].running_var.numpy(), tmodel[1].running_var.numpy())
    model(sd.randn((4, 2, 5, 5)).traced())
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    tmodel.load_state_dict(state, strict=True)
    assert tmodel[1].num_batches_tracked.item() == 2


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "layer,tlayer",
    [
        (sd.nn.LayerNorm((4, 5), 0.1, False), torch.nn.LayerNorm((4, 5), 0.1, False)),
        (sd.nn.GroupNorm(3, 6, affine=False), torch.nn.GroupNorm(3, 6, affine=False)),
        (sd.nn.RMSNorm(5, 0.1, False), torch.nn.RMSNorm(5, 0.1, False)),
    ],
    ids=["LayerNorm", "GroupNorm", "RMSNorm"],
)
def test_norms_without_affine_match_torch(layer, tlayer, dtype):
    compare(layer, tlayer.to(getattr(torch, dtype)), [randn(2, 6, 4, 5, dtype=dtype)])


def test_batch_norm_buffers_are_state_not_parameters():
    bn = sd.nn.BatchNorm2d(4)
    assert list(bn.parameters()) == ["weight", "bias"]
    assert list(bn.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"
    ]  # fmt: skip
    grads = bn(sd.randn((2, 4, 3, 3)).traced()).sum().backward()
    assert bn.running_mean not in grads or not grads[bn.running_mean].numpy().any()


def test_batch_norm_without_running_stats_always_uses_the_batch():
    bn = sd.nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    assert bn.state_dict() == {}
    out = bn(sd.from_numpy(randn(16, 3))).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)


def test_batch_norm_rank_is_checked():
    with pytest.raises(sd.ShapeError, match=r"BatchNorm2d.*\(2, 3\)"):
        sd.nn.BatchNorm2d(3)(sd.ones((2, 3)))


# ---- RMSNorm, GroupNorm -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "shape,normalized,eps",
    [((4, 6), 6, None), ((2, 3, 6), (6,), 1e-3), ((2, 3, 4, 5), (4, 5), None)],
)
def test_rms_norm_matches_torch(shape, normalized, eps, dtype):
    layer, tlayer = sd.nn.RMSNorm(normalized, eps), _randomize(torch.nn.RMSNorm(normalized, eps))
    tol = {} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        layer, tlayer = layer.astype(sd.f64), tlayer.double()
    check_module(layer, tlayer, [randn(*shape, dtype=dtype)], **tol)


def test_rms_norm_without_weight_and_init():
    x = randn(3, 5)
    got = sd.nn.RMSNorm(5, elementwise_affine=False)(sd.from_numpy(x)).numpy()
    want = torch.nn.RMSNorm(5, elementwise_affine=False)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert sd.nn.RMSNorm(5, elementwise_affine=False).parameters() == {}
    np.testing.assert_array_equal(sd.nn.RMSNorm(5).weight.numpy(), 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "groups,channels,shape", [(2, 4, (3, 4, 5)), (3, 6, (2, 6, 3, 4)), (1, 3, (4, 3))]
)
def test_group_norm_matches_torch(groups, channels, shape, dtype):
    layer = sd.nn.GroupNorm(groups, channels, eps=1e-4)
    tlayer = _randomize(torch.nn.GroupNorm(groups, channels, eps=1e-4))
    tol = {} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        layer, tlayer = layer.astype(sd.f64), tlayer.double()
    check_module(layer, tlayer, [randn(*shape, dtype=dtype)], **tol)


def test_group_norm_init_and_bad_groups():
    gn = sd.nn.GroupNorm(2, 4)
    np.testing.assert_array_equal(gn.weight.numpy(), 1)
    np.testing.assert_array_equal(gn.bias.numpy(), 0)
    assert sd.nn.GroupNorm(2, 4, affine=False).parameters() == {}
    with pytest.raises(ValueError, match="num_groups=3 must be positive and divide num_channels=4"):
        sd.nn.GroupNorm(3, 4)


def test_rms_and_group_norm_shape_errors():
    with pytest.raises(
        sd.ShapeError,
        match=r"rms_norm: shapes \(2, 5\) and \(4,\): input size 5 at axis -1 differs from "
        r"normalized_shape size 4",
    ):
        sd.nn.RMSNorm(4)(sd.ones((2, 5)))
    with pytest.raises(
        sd.ShapeError,
        match=r"group_norm: shapes \(2, 6, 3\) and \(4,\): weight must be \(6,\), one value per "
        r"channel at axis 1",
    ):
        sd.nn.GroupNorm(2, 4)(sd.ones((2, 6, 3)))


# ---- InstanceNorm1d, InstanceNorm2d -------------------------------------------------------
INSTANCE = {"InstanceNorm1d": ((2, 3, 5), (3, 5)), "InstanceNorm2d": ((2, 3, 4, 5), (3, 4, 5))}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("name", INSTANCE)
def test_instance_norm_matches_torch(name, batched, affine, dtype):
    layer = getattr(sd.nn, name)(3, eps=1e-4, affine=affine)
    tlayer = _randomize(getattr(torch.nn, name)(3, eps=1e-4, affine=affine))
    tol = {} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        layer, tlayer = layer.astype(sd.f64), tlayer.double()
    x = randn(*INSTANCE[name][0 if batched else 1], dtype=dtype)
    if affine:
        check_module(layer, tlayer, [x], **tol)
        return
    # NOTE: no parameters to compare: the values and the input's gradient
    tol = tol or {"rtol": 1e-4, "atol": 1e-5}
    a, t = sd.from_numpy(x), torch.from_numpy(x.copy()).requires_grad_()
    out, tout = layer(a.traced()), tlayer(t)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    w = np.random.default_rng(0).standard_normal(x.shape).astype(dtype)
    grads = (out * sd.from_numpy(w)).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(grads[a].numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("name", INSTANCE)
def test_instance_norm_defaults_and_state_as_torch(name):
    plain, tplain = getattr(sd.nn, name)(4), getattr(torch.nn, name)(4)
    assert list(plain.state_dict()) == list(tplain.state_dict()) == []
    assert plain.eps == tplain.eps
    tstate = _randomize(getattr(torch.nn, name)(4, affine=True)).state_dict()
    layer = getattr(sd.nn, name)(4, affine=True)
    fresh = getattr(torch.nn, name)(4, affine=True).state_dict()
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), fresh[key].numpy())
    layer.load_state_dict(tstate)
    assert list(layer.state_dict()) == list(tstate)
    np.testing.assert_array_equal(layer.weight.numpy(), tstate["weight"].numpy())


def test_instance_norm_checks_channels_rank_and_running_stats():
    with pytest.raises(sd.ShapeError, match=r"shapes \(2, 16, 4, 4\) and \(8,\): weight must be"):
        sd.nn.InstanceNorm2d(8)(sd.ones((2, 16, 4, 4)))
    with pytest.raises(sd.ShapeError, match=r"shapes \(1, 6, 3\) and \(4,\)"):
        sd.nn.InstanceNorm1d(4, affine=True)(sd.ones((6, 3)))
    with pytest.raises(sd.ShapeError, match=r"InstanceNorm2d: shape \(16, 4\): expected a 3-d"):
        sd.nn.InstanceNorm2d(16)(sd.ones((16, 4)))
    with pytest.raises(NotImplementedError, match="InstanceNorm1d: track_running_stats=True"):
        sd.nn.InstanceNorm1d(4, track_running_stats=True)
