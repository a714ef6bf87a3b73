"""Activation layers, Flatten and Unflatten against torch.nn."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import compare, randn

import shapedl as sd
from tests.nn.helpers import check_module

CASES = [
    ("ReLU", sd.nn.ReLU(), torch.nn.ReLU()),
    ("GELU", sd.nn.GELU(), torch.nn.GELU()),
    ("GELU(tanh)", sd.nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
    ("SiLU", sd.nn.SiLU(), torch.nn.SiLU()),
    ("Tanh", sd.nn.Tanh(), torch.nn.Tanh()),
    ("Sigmoid", sd.nn.Sigmoid(), torch.nn.Sigmoid()),
    ("Softmax", sd.nn.Softmax(), torch.nn.Softmax(dim=-1)),
    ("Softmax(axis=1)", sd.nn.Softmax(axis=1), torch.nn.Softmax(dim=1)),
    ("LeakyReLU", sd.nn.LeakyReLU(), torch.nn.LeakyReLU()),
    ("LeakyReLU(0.2)", sd.nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    ("Flatten", sd.nn.Flatten(), torch.nn.Flatten()),
    ("Flatten(0, 1)", sd.nn.Flatten(0, 1), torch.nn.Flatten(0, 1)),
    ("Flatten(2)", sd.nn.Flatten(2), torch.nn.Flatten(2)),
    ("ELU", sd.nn.ELU(), torch.nn.ELU()),
    ("ELU(0.5)", sd.nn.ELU(0.5), torch.nn.ELU(0.5)),
    ("SELU", sd.nn.SELU(), torch.nn.SELU()),
    ("Softplus", sd.nn.Softplus(), torch.nn.Softplus()),
    ("Softplus(2, 1)", sd.nn.Softplus(2.0, 1.0), torch.nn.Softplus(2.0, 1.0)),
    ("Softplus(0.5)", sd.nn.Softplus(beta=0.5), torch.nn.Softplus(beta=0.5)),
    ("Mish", sd.nn.Mish(), torch.nn.Mish()),
    ("Hardtanh", sd.nn.Hardtanh(), torch.nn.Hardtanh()),
    ("Hardtanh(-2, 0.5)", sd.nn.Hardtanh(-2.0, 0.5), torch.nn.Hardtanh(-2.0, 0.5)),
    ("ReLU6", sd.nn.ReLU6(), torch.nn.ReLU6()),
    ("LogSoftmax", sd.nn.LogSoftmax(), torch.nn.LogSoftmax(dim=-1)),
    ("LogSoftmax(axis=1)", sd.nn.LogSoftmax(axis=1), torch.nn.LogSoftmax(dim=1)),
    ("Softsign", sd.nn.Softsign(), torch.nn.Softsign()),
    ("Hardswish", sd.nn.Hardswish(), torch.nn.Hardswish()),
    ("Hardsigmoid", sd.nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
    ("Unflatten", sd.nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1))),
    ("Unflatten(-1)", sd.nn.Unflatten(-1, (5, -1)), torch.nn.Unflatten(-1, (5, -1))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,layer,tlayer", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_torch(name, layer, tlayer, dtype):
    compare(layer, tlayer, [randn(2, 3, 4, 5, dtype=dtype)])


def test_activations_have_no_parameters():
    for _, layer, _ in CASES:
        assert layer.parameters() == {}


def test_untraced_input_gives_untraced_output():
    assert not sd.nn.ReLU()(sd.ones((2,))).is_traced
    assert sd.nn.ReLU()(sd.ones((2,)).traced()).is_traced


# ---- PReLU, Identity ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n,shape", [(1, (4, 3)), (3, (2, 3, 5)), (3, (2, 3, 4, 4)), (1, (6,))])
def test_prelu_matches_torch(n, shape, dtype):
    layer, tlayer = sd.nn.PReLU(n), torch.nn.PReLU(n)
    with torch.no_grad():
        tlayer.weight.copy_(torch.linspace(-0.5, 0.7, n))
    tol = {} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        layer, tlayer = layer.astype(sd.f64), tlayer.double()
    check_module(layer, tlayer, [randn(*shape, dtype=dtype)], **tol)


def test_prelu_init_and_errors():
    np.testing.assert_array_equal(sd.nn.PReLU(3, init=0.1).weight.numpy(), np.float32(0.1))
    assert sd.nn.PReLU().weight.shape == (1,)
    with pytest.raises(ValueError, match="num_parameters must be >= 1, got 0"):
        sd.nn.PReLU(0)
    with pytest.raises(
        sd.ShapeError,
        match=r"prelu: shapes \(2, 4, 5\) and \(3,\): weight has 3 slopes, but axis 1 of x has 4 "
        r"channels",
    ):
        sd.nn.PReLU(3)(sd.ones((2, 4, 5)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_identity_matches_torch(dtype):
    layer = sd.nn.Identity()
    compare(
        lambda x: layer(x) * 1.0, lambda t: torch.nn.Identity()(t) * 1.0, [randn(2, 3, dtype=dtype)]
    )
    x = sd.ones((2, 3))
    assert layer(x) is x and layer.parameters() == {}


# NOTE: torch's names for the axis are `dim` (Softmax, LogSoftmax, Unflatten); ours `axis`
REPRS = [
    (sd.nn.ELU(0.5), "ELU(alpha=0.5)"),
    (sd.nn.SELU(), "SELU()"),
    (sd.nn.Softplus(2.0, 1.0), "Softplus(beta=2.0, threshold=1.0)"),
    (sd.nn.Mish(), "Mish()"),
    (sd.nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (sd.nn.Softsign(), "Softsign()"),
    (sd.nn.Hardswish(), "Hardswish()"),
    (sd.nn.Hardsigmoid(), "Hardsigmoid()"),
]


@pytest.mark.parametrize("layer,text", REPRS, ids=[r[1] for r in REPRS])
def test_repr_is_torchs(layer, text):
    assert repr(layer) == text
    torch_layer = getattr(torch.nn, type(layer).__name__)(*vars(layer).values())
    assert repr(torch_layer) == text
    assert layer.state_dict() == {} == torch_layer.state_dict()


def test_axis_layers_repr_with_axis():
    assert repr(sd.nn.LogSoftmax(axis=1)) == "LogSoftmax(axis=1)"
    assert repr(sd.nn.Unflatten(1, (2, 5))) == "Unflatten(axis=1, unflattened_size=(2, 5))"


def test_softplus_past_the_threshold_and_at_extremes_matches_torch():
    x = np.array([-100.0, -1.0, 0.0, 0.5, 1.0, 1.5, 30.0, 100.0], dtype="float32")
    compare(sd.nn.Softplus(2.0, 1.0), torch.nn.Softplus(2.0, 1.0), [x])
    compare(sd.nn.Softplus(), torch.nn.Softplus(), [x])
    nonfinite = np.array([np.nan, np.inf, -np.inf, 1.0], dtype="float32")  # NOTE: nan's slope too
    compare(sd.nn.Softplus(2.0, 1.0), torch.nn.Softplus(2.0, 1.0), [nonfinite])
    compare(lambda v: v.softplus(0.5, 3.0), lambda t: F.softplus(t, 0.5, 3.0), [x])


def test_unflatten_errors_name_layer_shapes_and_axis():
    with pytest.raises(
        sd.ShapeError,
        match=r"^unflatten: shapes \(2, 12\) and \(5, 4\): the sizes \(product 20\) do not "
        r"fill size 12 of axis 1",
    ):
        sd.nn.Unflatten(1, (5, 4))(sd.ones((2, 12)))
    with pytest.raises(sd.ShapeError, match=r"^unflatten: .*\(product 5\).* of axis -?1"):
        sd.nn.Unflatten(-1, (5, -1))(sd.ones((2, 12)))
    with pytest.raises(sd.ShapeError, match=r"^unflatten: shape \(2, 12\): axis 2 is out"):
        sd.nn.Unflatten(2, (3, 4))(sd.ones((2, 12)))


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda: sd.nn.ReLU(inplace=True), lambda: torch.nn.ReLU(inplace=True)),
        (lambda: sd.nn.ReLU(True), lambda: torch.nn.ReLU(True)),
        (lambda: sd.nn.LeakyReLU(0.2, inplace=True), lambda: torch.nn.LeakyReLU(0.2, inplace=True)),
        (lambda: sd.nn.Dropout(0.1, inplace=True), lambda: torch.nn.Dropout(0.1, inplace=True)),
        (lambda: sd.nn.Dropout(0.3), lambda: torch.nn.Dropout(0.3)),
        (lambda: sd.nn.SiLU(inplace=True), lambda: torch.nn.SiLU(inplace=True)),
        (lambda: sd.nn.SiLU(True), lambda: torch.nn.SiLU(True)),
        (lambda: sd.nn.Hardswish(inplace=True), lambda: torch.nn.Hardswish(inplace=True)),
        (lambda: sd.nn.Hardsigmoid(inplace=True), lambda: torch.nn.Hardsigmoid(inplace=True)),
        (lambda: sd.nn.ELU(inplace=True), lambda: torch.nn.ELU(inplace=True)),
        (lambda: sd.nn.ELU(0.5, True), lambda: torch.nn.ELU(0.5, True)),
        (lambda: sd.nn.SELU(inplace=True), lambda: torch.nn.SELU(inplace=True)),
        (lambda: sd.nn.Mish(inplace=True), lambda: torch.nn.Mish(inplace=True)),
        (lambda: sd.nn.Hardtanh(inplace=True), lambda: torch.nn.Hardtanh(inplace=True)),
        (lambda: sd.nn.Hardtanh(-2.0, 1.5, True), lambda: torch.nn.Hardtanh(-2.0, 1.5, True)),
        (lambda: sd.nn.ReLU6(inplace=True), lambda: torch.nn.ReLU6(inplace=True)),
        (lambda: sd.nn.ReLU6(), lambda: torch.nn.ReLU6()),
    ],
)
def test_pytorchs_inplace_ports_as_it_is(ours, theirs):
    # NOTE: `nn.ReLU(inplace=True)` is in every ResNet and DCGAN; it was a TypeError here
    mine, torchs = ours(), theirs().eval()
    assert repr(mine) == repr(torchs)
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    got = mine(sd.tensor(x)).numpy()
    np.testing.assert_allclose(got, torchs(torch.tensor(x)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu6_matches_torch_across_and_at_its_limits(dtype):
    """MobileNet's activation: 0 and 6 included, where PyTorch's gradient is 0."""
    x = np.concatenate([randn(30, dtype=dtype) * 5, np.array([0.0, 6.0, -0.0, 7.5], dtype)])
    compare(sd.ops.relu6, F.relu6, [x])
    compare(sd.nn.ReLU6(), torch.nn.ReLU6(), [x.reshape(2, 17)])
