"""Empty batches (N = 0) and an empty key axis against PyTorch: convolutions, group_norm,
batch_norm (op and layers, training and inference), LSTM/GRU and attention give PyTorch's
empty (or zero) results, and its gradients: empty for the inputs, zeros of the parameters'
shapes for the parameters. Values, shapes and dtypes, f32 and f64."""

import numpy as np
import pytest
import torch
from harness import compare, randn

import shapedl as sd
from tests.nn.helpers import attention_mapping, check_module, copy_weights

F = torch.nn.functional
DTYPES = ["float32", "float64"]


# ---- convolutions -----------------------------------------------------------------------
CONV = [  # op, x shape, weight shape, keyword arguments, with bias
    ("conv2d", (0, 2, 5, 5), (3, 2, 3, 3), {}, True),
    ("conv2d", (0, 4, 6, 5), (6, 2, 3, 2), dict(stride=2, padding=1, groups=2), False),
    ("conv2d", (0, 1, 6, 5), (8, 1, 3, 3), dict(padding=1), True),  # col2im input gradient
    ("conv2d", (0, 16, 4, 4), (32, 16, 4, 4), dict(padding="same"), True),  # whole rows
    ("conv1d", (0, 2, 5), (3, 2, 3), {}, True),
    ("conv1d", (0, 2, 9), (4, 2, 3), dict(stride=2, dilation=2), False),
    ("conv_transpose2d", (0, 2, 3, 3), (2, 3, 3, 3), {}, True),
    ("conv_transpose2d", (0, 4, 3, 4), (4, 1, 3, 3), dict(stride=2, groups=2), False),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op,xs,ws,kw,bias", CONV)
def test_convolution_of_an_empty_batch_matches_torch(op, xs, ws, kw, bias, dtype):
    out_channels = ws[1] * kw.get("groups", 1) if op == "conv_transpose2d" else ws[0]
    arrays = [randn(*xs, dtype=dtype), randn(*ws, dtype=dtype, seed=1)]
    if bias:
        arrays.append(randn(out_channels, dtype=dtype, seed=2))
    # NOTE: compare checks the empty output's shape and dtype, the input's empty gradient
    # and the weight's and bias's gradients, zeros of their shapes in torch
    compare(
        lambda *a: getattr(sd.ops, op)(*a, **kw),
        lambda *a: getattr(F, op)(*a, **kw),
        arrays,
    )


class _Declining:
    """Library kernels that decline every convolution, recording what they were asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, ...]] = []

    def _decline(self, a: np.ndarray, b: np.ndarray, g: object, out: tuple[int, ...]) -> None:
        self.asked.append(tuple(a.shape))

    forward = data_grad = weight_grad = _decline


@pytest.mark.cpu_only("replaces the CPU backend's (absent) library kernels")
@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d"])
def test_an_empty_batch_never_reaches_the_library_kernels(op, monkeypatch):
    fast = _Declining()
    monkeypatch.setattr(sd.default_device().backend, "convolutions", lambda: fast)
    x = sd.zeros((0, 2, 5, 5)).traced()
    w = sd.ones((2, 2, 3, 3))
    grads = getattr(sd.ops, op)(x, w).sum().backward()
    assert fast.asked == [], "cuDNN rejects a size of 0; the im2col kernels run it"
    assert grads[x].shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(grads[w].numpy(), np.zeros((2, 2, 3, 3), np.float32))


# ---- batch_norm -------------------------------------------------------------------------
EMPTY = [(0, 3), (0, 3, 4), (0, 3, 2, 2)]


def _running(c: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    return randn(c, dtype=dtype, seed=3), np.abs(randn(c, dtype=dtype, seed=4)) + 0.5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", EMPTY)
def test_batch_norm_inference_of_an_empty_batch_matches_torch(shape, dtype):
    c = shape[1]
    rm, rv = _running(c, dtype)
    sm, sv = sd.from_numpy(rm.copy()), sd.from_numpy(rv.copy())
    tm, tv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    # NOTE: x untraced, so batch_norm runs in inference (x's gradient is empty either way)
    x = randn(*shape, dtype=dtype)
    compare(
        lambda w, b: sd.ops.batch_norm(sd.from_numpy(x), sm, sv, w, b),
        lambda w, b: F.batch_norm(torch.from_numpy(x), tm, tv, w, b, training=False),
        [randn(c, dtype=dtype, seed=1), randn(c, dtype=dtype, seed=2)],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [*EMPTY, (2, 3, 0)])
def test_batch_norm_training_on_an_empty_batch_matches_torch(shape, dtype):
    """PyTorch lets an empty batch through (only a single value per channel is an error):
    an empty result, zero gradients, the running statistics left as they were."""
    c = shape[1]
    rm, rv = _running(c, dtype)
    sm, sv = sd.from_numpy(rm.copy()), sd.from_numpy(rv.copy())
    tm, tv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    inputs = [randn(*shape, dtype=dtype), randn(c, dtype=dtype, seed=1)]
    inputs.append(randn(c, dtype=dtype, seed=2))
    compare(
        lambda x, w, b: sd.ops.batch_norm(x, sm, sv, w, b, momentum=0.3),
        lambda x, w, b: F.batch_norm(x, tm, tv, w, b, training=True, momentum=0.3),
        inputs,
    )
    np.testing.assert_array_equal(sm.numpy(), tm.numpy(), err_msg="running_mean")
    np.testing.assert_array_equal(sv.numpy(), tv.numpy(), err_msg="running_var")
    compare(
        lambda x: sd.ops.batch_norm(x, None, None),
        lambda x: F.batch_norm(x, None, None, training=True),
        inputs[:1],
    )


LAYERS = [
    (sd.nn.BatchNorm1d, torch.nn.BatchNorm1d, (0, 3)),
    (sd.nn.BatchNorm1d, torch.nn.BatchNorm1d, (0, 3, 5)),
    (sd.nn.BatchNorm2d, torch.nn.BatchNorm2d, (0, 3, 4, 4)),
]


def _layers(cls, tcls, c: int, dtype: str):
    module, tmod = cls(c), tcls(c)
    rm, rv = _running(c, "float32")
    tmod.running_mean.copy_(torch.from_numpy(rm))
    tmod.running_var.copy_(torch.from_numpy(rv))
    if dtype == "float64":
        module, tmod = module.astype(sd.f64), tmod.double()
    return module, tmod


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cls,tcls,shape", LAYERS)
def test_batch_norm_layer_in_inference_on_an_empty_batch_matches_torch_eval(
    cls, tcls, shape, dtype
):
    module, tmod = _layers(cls, tcls, shape[1], dtype)
    copy_weights(module, tmod)
    x = randn(*shape, dtype=dtype)
    out = module(sd.from_numpy(x))
    want = tmod.eval()(torch.from_numpy(x)).detach().numpy()
    assert out.shape == want.shape and out.numpy().dtype == want.dtype
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cls,tcls,shape", LAYERS)
def test_batch_norm_layer_training_on_an_empty_batch_matches_torch(cls, tcls, shape, dtype):
    module, tmod = _layers(cls, tcls, shape[1], dtype)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    # NOTE: check_module copies torch's buffers in, traces the input (training) and compares
    # the output, the input's gradient and every parameter's (zeros, in torch)
    check_module(module, tmod.train(), [randn(*shape, dtype=dtype)], **tol)
    state = module.state_dict()
    for name, want in tmod.state_dict().items():
        np.testing.assert_array_equal(np.asarray(state[name]), want.numpy(), err_msg=name)


# ---- recurrent layers -------------------------------------------------------------------
RECURRENT = [(sd.nn.LSTM, torch.nn.LSTM), (sd.nn.GRU, torch.nn.GRU)]


def _flat(result, cat):
    """Output and final states as one vector, so one comparison covers all of them."""
    out, state = result
    states = state if isinstance(state, tuple) else (state,)
    return cat([t.reshape(-1) for t in (out, *states)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("cls,tcls", RECURRENT, ids=["LSTM", "GRU"])
def test_recurrent_layer_on_an_empty_batch_matches_torch(cls, tcls, layers, bidirectional, dtype):
    module = cls(3, 4, layers, bidirectional=bidirectional)
    tmod = tcls(3, 4, layers, batch_first=True, bidirectional=bidirectional)
    if dtype == "float64":
        module, tmod = module.astype(sd.f64), tmod.double()
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    check_module(
        module,
        tmod,
        [randn(0, 5, 3, dtype=dtype)],
        sd_call=lambda m, x: _flat(m(x), sd.concat),
        torch_call=lambda m, x: _flat(m(x), torch.cat),
        **tol,
    )
    x = randn(0, 5, 3, dtype=dtype)
    out, want = module(sd.from_numpy(x))[0], tmod(torch.from_numpy(x))[0]
    assert out.shape == tuple(want.shape) and out.numpy().dtype == want.detach().numpy().dtype


@pytest.mark.parametrize("cls,tcls", RECURRENT, ids=["LSTM", "GRU"])
def test_recurrent_layer_on_an_empty_batch_with_initial_states_matches_torch(cls, tcls):
    module, tmod = cls(3, 4, 2), tcls(3, 4, 2, batch_first=True)
    states = [randn(2, 0, 4, seed=i) for i in range(len(module.state_names))]

    def call(m, x, *hx, cat):
        return _flat(m(x, hx if len(hx) > 1 else hx[0]), cat)

    check_module(
        module,
        tmod,
        [randn(0, 6, 3), *states],
        sd_call=lambda m, *a: call(m, *a, cat=sd.concat),
        torch_call=lambda m, *a: call(m, *a, cat=torch.cat),
    )


# ---- attention --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "qs,ks,vs", [((1, 2, 4), (1, 0, 4), (1, 0, 4)), ((2, 3, 5, 4), (2, 3, 0, 4), (3, 0, 6))]
)
def test_attention_with_no_key_gives_zeros_like_torch(qs, ks, vs, dtype):
    inputs = [randn(*qs, dtype=dtype), randn(*ks, dtype=dtype, seed=1)]
    inputs.append(randn(*vs, dtype=dtype, seed=2))
    compare(sd.ops.scaled_dot_product_attention, F.scaled_dot_product_attention, inputs)
    compare(
        lambda q, k, v: sd.ops.scaled_dot_product_attention(q, k, v, causal=True),
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        inputs,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_attention_with_no_key_and_a_mask_matches_torch(dtype):
    q, k, v = randn(2, 3, 4, dtype=dtype), randn(2, 0, 4, dtype=dtype), randn(2, 0, 5, dtype=dtype)
    additive = randn(2, 3, 0, dtype=dtype, seed=3)
    # NOTE: the additive mask's gradient (empty) is compared as well
    compare(
        sd.ops.scaled_dot_product_attention, F.scaled_dot_product_attention, [q, k, v, additive]
    )
    keep = np.zeros((3, 0), dtype=bool)
    compare(
        lambda q, k, v: sd.ops.scaled_dot_product_attention(q, k, v, sd.from_numpy(keep)),
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, torch.from_numpy(keep)),
        [q, k, v],
    )


@pytest.mark.parametrize("lengths", [(0, 4, 6), (2, 4, 0)], ids=["no batch", "no key"])
def test_multi_head_attention_of_nothing_matches_torch(lengths):
    b, tq, tk = lengths
    attn = sd.nn.MultiHeadAttention(8, 2)
    tattn = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    check_module(
        attn,
        tattn,
        [randn(b, tq, 8), randn(b, tk, 8, seed=1), randn(b, tk, 8, seed=2)],
        mapping=attention_mapping(attn, 8),
        torch_call=lambda m, q, k, v: m(q, k, v, need_weights=False)[0],
    )
