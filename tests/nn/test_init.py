"""sd.nn.init against torch.nn.init: fans, gains, the laws' bounds and spreads (statistically,
with fixed seeds), orthogonality, in-place refills, and the layers' default init."""

import math
import re

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.nn import init
from shapedl.types import DTYPES

SHAPES = [(3, 4), (8, 3, 5, 5), (6, 2, 3), (5, 7, 2, 3, 1), (4, 0)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_are_pytorchs(shape):
    want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.fan_in_and_fan_out(shape) == want


GAINS = [
    ("linear", None),
    ("conv2d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("selu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("leaky_relu", math.sqrt(5)),
]


@pytest.mark.parametrize("name,param", GAINS)
def test_gains_are_pytorchs(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-12
    )


# (name, our keyword arguments, torch's) for a (300, 200) weight
LAWS = [
    ("xavier_uniform", {}, {}),
    ("xavier_uniform", {"gain": 2.0}, {"gain": 2.0}),
    ("xavier_normal", {"gain": 0.5}, {"gain": 0.5}),
    ("kaiming_uniform", {}, {}),
    ("kaiming_uniform", {"a": math.sqrt(5)}, {"a": math.sqrt(5)}),
    (
        "kaiming_uniform",
        {"mode": "fan_out", "nonlinearity": "relu"},
        {"mode": "fan_out", "nonlinearity": "relu"},
    ),
    ("kaiming_normal", {}, {}),
    ("kaiming_normal", {"a": 0.1, "mode": "fan_out"}, {"a": 0.1, "mode": "fan_out"}),
]


@pytest.mark.parametrize("dtype", [sd.f32, sd.f64])
@pytest.mark.parametrize("name,kw,tkw", LAWS, ids=[f"{c[0]}-{i}" for i, c in enumerate(LAWS)])
def test_laws_match_torch_statistically(name, kw, tkw, dtype):
    shape = (300, 40, 5)  # fan_in 200, fan_out 1500: mode and fans both matter
    t = sd.zeros(shape, dtype=dtype, device=sd.Cpu(seed=1))
    got = getattr(init, name)(t, **kw)
    assert got is t and got.dtype is dtype and got.shape == shape
    torch.manual_seed(1)
    want = getattr(torch.nn.init, name + "_")(torch.empty(shape, dtype=torch.float64), **tkw)
    w, tw = got.numpy().astype(np.float64), want.numpy()
    # 60,000 samples: the spread agrees within 2%, the mean is near 0
    np.testing.assert_allclose(w.std(), tw.std(), rtol=0.02)
    assert abs(w.mean()) < 0.02 * tw.std()
    if "uniform" in name:
        bound = math.sqrt(3) * tw.std()
        assert np.abs(w).max() <= bound * 1.02 and np.abs(w).max() >= bound * 0.98
        np.testing.assert_allclose(np.abs(w).max(), np.abs(tw).max(), rtol=0.01)
    else:
        # a normal law: about 68.3% of samples within one standard deviation
        inside = (np.abs(w) < tw.std()).mean()
        assert abs(inside - 0.6827) < 0.01


@pytest.mark.parametrize("shape", [(5, 9), (9, 5), (6, 2, 3), (4, 4)])
@pytest.mark.parametrize("dtype", [sd.f32, sd.f64])
def test_orthogonal_like_torch(shape, dtype):
    got = init.orthogonal(sd.zeros(shape, dtype=dtype), gain=1.5).numpy().astype(np.float64)
    want = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=1.5).numpy()
    for w in (got, want):
        m = w.reshape(shape[0], -1)
        small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(small, 1.5**2 * np.eye(len(small)), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got), np.linalg.norm(want), rtol=1e-6)


def test_orthogonal_signs_are_random():
    # NOTE: without R's diagonal signs, QR's first column would lean one way
    firsts = [
        init.orthogonal(sd.zeros((4, 4), device=sd.Cpu(seed=s))).numpy()[0, 0] for s in range(40)
    ]
    assert 10 < sum(f > 0 for f in firsts) < 30


def test_uniform_normal_zeros_ones():
    t = sd.zeros((200, 100), device=sd.Cpu(seed=2))
    u = init.uniform(t, -3.0, -1.0).numpy()
    assert u.min() >= -3.0 and u.max() <= -1.0 and abs(u.mean() + 2.0) < 0.02
    n = init.normal(t, 1.0, 0.5).numpy()
    assert abs(n.mean() - 1.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    assert init.ones(t).numpy().tolist() == np.ones((200, 100)).tolist()
    assert not init.zeros(t).numpy().any()


def test_seeded_and_in_place():
    a = init.xavier_normal(sd.zeros((3, 4), device=sd.Cpu(seed=7))).numpy()
    b = init.xavier_normal(sd.zeros((3, 4), device=sd.Cpu(seed=7))).numpy()
    c = init.xavier_normal(sd.zeros((3, 4), device=sd.Cpu(seed=8))).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


ERRORS = [
    (lambda: init.xavier_uniform(sd.zeros((3,))), r"at least 2 axes, not shape \(3,\)"),
    (lambda: init.kaiming_normal(sd.zeros(())), r"at least 2 axes, not shape \(\)"),
    (lambda: init.orthogonal(sd.zeros((3,))), r"orthogonal needs at least 2 axes"),
    (lambda: init.kaiming_uniform(sd.zeros((3, 2)), mode="fan"), r"mode 'fan' is not"),
    (
        lambda: init.kaiming_uniform(sd.zeros((3, 2)), nonlinearity="gelu"),
        r"unsupported nonlinearity 'gelu'",
    ),
    (lambda: init.calculate_gain("leaky_relu", True), r"negative_slope True is not a number"),
]


@pytest.mark.parametrize("fn,message", ERRORS)
def test_errors(fn, message):
    with pytest.raises(ValueError, match=message):
        fn()


REFILLS = [
    ("uniform_", ()),
    ("normal_", (0.0, 0.02)),
    ("zeros_", ()),
    ("ones_", ()),
    ("constant_", (0.5,)),
    ("xavier_uniform_", ()),
    ("xavier_normal_", ()),
    ("kaiming_uniform_", ()),
    ("kaiming_normal_", ()),
    ("orthogonal_", ()),
]


@pytest.mark.parametrize("name,args", REFILLS)
def test_the_array_of_a_tensor_is_refused_with_the_fix(name, args):
    """PyTorch's DCGAN line `init.normal_(m.weight.data, 0.0, 0.02)`: `.data` is a tensor in
    PyTorch, the NumPy array here; a TypeError names the function and says to pass `m.weight`,
    and the weight is left as it was."""
    torch_weight = torch.nn.ConvTranspose2d(4, 8, 4, bias=False).weight
    getattr(torch.nn.init, name)(torch_weight.data, *args)  # PyTorch's takes it
    m = sd.nn.ConvTranspose2d(4, 8, 4, bias=False)
    before = m.weight.numpy().copy()
    message = rf"init\.{name}: expected the Tensor to refill, got numpy\.ndarray; .*`m\.weight`"
    with pytest.raises(TypeError, match=message):
        getattr(init, name)(m.weight.data, *args)
    np.testing.assert_array_equal(m.weight.numpy(), before)
    with pytest.raises(TypeError, match=rf"init\.{name}: expected the Tensor to refill, got list$"):
        getattr(init, name)([[1.0, 2.0], [3.0, 4.0]], *args)


def _old_uniform(shape, bound, device):
    """Linear's and the convolutions' draw before `sd.nn.init`: their values must not change."""
    return ((sd.rand(shape, device=device) * 2 - 1) * bound).numpy()


def test_linear_and_conv_init_go_through_init_unchanged():
    lin = sd.nn.Linear(7, 3, device=sd.Cpu(seed=4))
    dev = sd.Cpu(seed=4)
    b = 1 / math.sqrt(7)
    assert np.array_equal(lin.weight.numpy(), _old_uniform((3, 7), b, dev))
    assert np.array_equal(lin.bias.numpy(), _old_uniform((3,), b, dev))
    conv = sd.nn.ConvTranspose2d(4, 6, 3, groups=2, device=sd.Cpu(seed=5))
    dev = sd.Cpu(seed=5)
    b = 1 / math.sqrt(3 * 9)
    assert np.array_equal(conv.weight.numpy(), _old_uniform((4, 3, 3, 3), b, dev))
    assert np.array_equal(conv.bias.numpy(), _old_uniform((6,), b, dev))


@pytest.mark.parametrize(
    "dtype,value", [("float16", 1e9), ("float16", -65519.0), ("float32", 1e39), ("int32", 2**31)]
)
def test_constant_refuses_a_value_that_overflows_the_dtype_as_torch(dtype, value):
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.nn.init.constant_(torch.zeros(2, dtype=getattr(torch, dtype)), value)
    t = sd.zeros((2,), dtype=DTYPES[dtype])
    words = "^" + re.escape(
        f"init.constant_: value {value!r} cannot be converted to {dtype} without"
    )
    with pytest.raises(ValueError, match=words):
        init.constant_(t, value)
    np.testing.assert_array_equal(t.numpy(), [0, 0])  # NOTE: left as it was


@pytest.mark.parametrize(
    "dtype,value", [("float16", 65504.0), ("float16", -math.inf), ("float64", 1e39)]
)
def test_constant_fills_a_value_the_dtype_holds_as_torch(dtype, value):
    want = torch.nn.init.constant_(torch.zeros(2, dtype=getattr(torch, dtype)), value)
    got = init.constant_(sd.zeros((2,), dtype=DTYPES[dtype]), value)
    np.testing.assert_array_equal(got.numpy().astype("float64"), want.double().numpy())
