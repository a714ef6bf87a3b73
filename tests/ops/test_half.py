"""f16 and bf16 ops that accumulate, against PyTorch's, which accumulate in float32.

Each op runs on the same half-precision inputs in both libraries; both results are measured
against the float64 result, and shapedl's error may be at most twice PyTorch's (plus a few
units in the last place). Rows of 2048 values make an accumulator of the input's own
precision stand out: a bf16 sum of them was 20 times further off than PyTorch's.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import shapedl as sd

TORCH = {"float16": torch.float16, "bfloat16": torch.bfloat16}
SD = {"float16": sd.f16, "bfloat16": sd.bf16}
ULP = {"float16": 1e-3, "bfloat16": 8e-3}
N = 2048
TARGET = np.arange(8) % 5

CASES = [
    ("sum", lambda x: x.sum(axis=1), lambda x: x.sum(1), [(8, N)]),
    ("sum_all", lambda x: x.sum(), lambda x: x.sum(), [(8, N)]),
    ("mean", lambda x: x.mean(axis=1), lambda x: x.mean(1), [(8, N)]),
    ("var", lambda x: x.var(axis=1), lambda x: x.var(1, correction=0), [(8, N)]),
    ("std", lambda x: x.std(axis=1), lambda x: x.std(1, correction=0), [(8, N)]),
    ("logsumexp", lambda x: sd.ops.logsumexp(x, axis=1), lambda x: x.logsumexp(1), [(8, N)]),
    ("softmax", lambda x: sd.ops.softmax(x, axis=1), lambda x: x.softmax(1), [(8, N)]),
    ("log_softmax", lambda x: sd.ops.log_softmax(x, 1), lambda x: x.log_softmax(1), [(8, N)]),
    ("cumsum", lambda x: sd.ops.cumsum(x, axis=1), lambda x: x.cumsum(1), [(8, N)]),
    ("norm", lambda x: sd.ops.norm(x, axis=1), lambda x: x.norm(dim=1), [(8, N)]),
    ("layer_norm", lambda x: sd.ops.layer_norm(x, N), lambda x: F.layer_norm(x, (N,)), [(8, N)]),
    ("rms_norm", lambda x: sd.ops.rms_norm(x, N), lambda x: F.rms_norm(x, (N,)), [(8, N)]),
    ("group_norm", lambda x: sd.ops.group_norm(x, 2), lambda x: F.group_norm(x, 2), [(4, 4, N)]),
    (
        "cosine_similarity",
        sd.ops.cosine_similarity,
        lambda a, b: F.cosine_similarity(a, b, dim=-1),
        [(8, N), (8, N)],
    ),
    ("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [(16, N), (N, 16)]),
    (
        "einsum",
        lambda a, b: sd.ops.einsum("ij,kj->ik", a, b),
        lambda a, b: torch.einsum("ij,kj->ik", a, b),
        [(16, N), (16, N)],
    ),
    (
        "bilinear",
        lambda x: sd.ops.interpolate(x, scale_factor=1.5, mode="bilinear"),
        lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
        [(2, 4, 16, 16)],
    ),
    ("avg_pool", lambda x: sd.ops.avg_pool2d(x, 4), lambda x: F.avg_pool2d(x, 4), [(2, 4, 32, 32)]),
    (
        "adaptive_avg_pool",
        lambda x: sd.ops.adaptive_avg_pool2d(x, (3, 5)),
        lambda x: F.adaptive_avg_pool2d(x, (3, 5)),
        [(2, 4, 32, 32)],
    ),
    (
        "cross_entropy",
        lambda x: sd.losses.cross_entropy_with_logits_loss(x, sd.tensor(TARGET)),
        lambda x: F.cross_entropy(x, torch.tensor(TARGET)),
        [(8, N)],
    ),
    (
        "nll",
        lambda x: sd.losses.nll_loss(x, sd.tensor(TARGET)),
        lambda x: F.nll_loss(x, torch.tensor(TARGET)),
        [(8, N)],
    ),
    (
        "bce",
        lambda a, b: sd.losses.binary_cross_entropy_with_logits_loss(a, b.sigmoid()),
        lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
        [(8, N), (8, N)],
    ),
]


def _error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,op,top,shapes", CASES, ids=[c[0] for c in CASES])
def test_half_precision_accumulates_like_torch(name, op, top, shapes, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    xs = [sd.tensor(a).astype(SD[dtype]).traced() for a in arrays]
    out = op(*xs)
    assert out.dtype is SD[dtype]
    weight = rng.standard_normal(out.shape).astype(np.float32)
    grads = (out * sd.tensor(weight).astype(SD[dtype])).sum().backward()
    assert all(grads[x].dtype is SD[dtype] for x in xs)

    def run(torch_dtype):
        ts = [torch.tensor(a).to(torch_dtype).requires_grad_() for a in arrays]
        result = top(*ts)
        (result * torch.tensor(weight).to(torch_dtype)).sum().backward()
        return result.detach().double().numpy(), [t.grad.double().numpy() for t in ts]

    (want, want_grads), (theirs, their_grads) = run(torch.float64), run(TORCH[dtype])
    mine = out.astype(sd.f64).numpy()
    assert _error(mine, want) <= 2 * _error(theirs, want) + ULP[dtype], "forward"
    for x, w, t in zip(xs, want_grads, their_grads, strict=True):
        assert _error(grads[x].astype(sd.f64).numpy(), w) <= 2 * _error(t, w) + ULP[dtype]


def test_half_batch_norm_updates_its_half_running_statistics_like_torch():
    x = np.random.default_rng(0).standard_normal((64, 4, 32)).astype(np.float32)
    mean, var = sd.zeros((4,)).astype(sd.bf16), sd.ones((4,)).astype(sd.bf16)
    out = sd.ops.batch_norm(sd.tensor(x).astype(sd.bf16).traced(), mean, var, momentum=0.5)
    t_mean, t_var = torch.zeros(4, dtype=torch.bfloat16), torch.ones(4, dtype=torch.bfloat16)
    t_out = F.batch_norm(torch.tensor(x).bfloat16(), t_mean, t_var, training=True, momentum=0.5)
    assert out.dtype is sd.bf16 and mean.dtype is sd.bf16
    np.testing.assert_allclose(out.astype(sd.f32).numpy(), t_out.float().numpy(), atol=2e-2)
    np.testing.assert_allclose(mean.astype(sd.f32).numpy(), t_mean.float().numpy(), atol=1e-3)
    np.testing.assert_allclose(var.astype(sd.f32).numpy(), t_var.float().numpy(), rtol=1e-2)


def test_a_mix_of_half_and_single_precision_is_still_an_error():
    with pytest.raises(sd.DTypeError, match="matmul: dtypes bfloat16 and float32 differ"):
        sd.ones((2, 3)).astype(sd.bf16) @ sd.ones((3, 2))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape,bias", [((4096, 3), (3,)), ((3, 4096), (3, 1))])
def test_a_broadcast_operands_gradient_accumulates_like_torch(shape, bias, dtype):
    # NOTE: the tape's unbroadcast sums the batch into a bias's gradient; NumPy summed it in
    # half precision, where a bf16 sum of ones stops at 256, an f16 one at 2048
    x, b = np.ones(shape, "float32"), np.zeros(bias, "float32")
    ours = sd.tensor(b).astype(SD[dtype]).traced()
    grads = (sd.tensor(x).astype(SD[dtype]) + ours).sum().backward()
    theirs = torch.tensor(b, dtype=TORCH[dtype], requires_grad=True)
    (torch.tensor(x, dtype=TORCH[dtype]) + theirs).sum().backward()
    got = grads[ours].astype(sd.f32).numpy()
    np.testing.assert_array_equal(got, theirs.grad.float().numpy())
    assert float(got.max()) == 4096.0


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_linear_and_conv_bias_gradients_accumulate_like_torch(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4096, 4)).astype("float32")
    img = rng.standard_normal((64, 2, 8, 8)).astype("float32")
    lin, conv = sd.nn.Linear(4, 2), sd.nn.Conv2d(2, 3, 3)
    tlin, tconv = torch.nn.Linear(4, 2), torch.nn.Conv2d(2, 3, 3)
    for mine, theirs in ((lin, tlin), (conv, tconv)):
        mine.astype(SD[dtype])
        theirs.load_state_dict(
            {k: torch.tensor(v.astype(sd.f32).numpy()) for k, v in mine.state_dict().items()}
        )
        theirs.to(TORCH[dtype])
    for mine, theirs, data in ((lin, tlin, x), (conv, tconv, img)):
        out = mine(sd.tensor(data).astype(SD[dtype]).traced())
        grads = (out * out).sum().backward()
        tout = theirs(torch.tensor(data, dtype=TORCH[dtype]))
        (tout * tout).sum().backward()
        got = grads[mine.bias].astype(sd.f32).numpy()
        want = theirs.bias.grad.float().numpy()
        np.testing.assert_allclose(got, want, rtol=ULP[dtype] * 8, atol=ULP[dtype])


def _bias_cases():
    rng = np.random.default_rng(3)

    def arrays(*shapes):
        # NOTE: multiples of 1/64 keep every f32 sum exact, whatever its order, so the only
        # roundings are to half precision: once in PyTorch, twice where the bias came after
        return [rng.integers(-64, 65, s).astype("float32") / 64 for s in shapes]

    cases = [
        ("linear", arrays((5, 6), (16, 6), (16,)), None, F.linear),
        ("conv1d", arrays((2, 3, 9), (8, 3, 3), (8,)), sd.ops.conv1d, F.conv1d),
        ("conv2d", arrays((2, 3, 6, 6), (8, 3, 3, 3), (8,)), sd.ops.conv2d, F.conv2d),
        (
            "conv_transpose2d",
            arrays((2, 3, 5, 5), (3, 8, 3, 3), (8,)),
            sd.ops.conv_transpose2d,
            F.conv_transpose2d,
        ),
    ]
    return [pytest.param(*case, id=case[0]) for case in cases]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,arrays,op,top", _bias_cases())
def test_a_bias_is_added_before_the_one_rounding_like_torch(name, arrays, op, top, dtype):
    ours = [sd.tensor(a).astype(SD[dtype]) for a in arrays]
    if op is None:
        layer = sd.nn.Linear(6, 16)
        layer.load_state_dict({"weight": sd.tensor(arrays[1]), "bias": sd.tensor(arrays[2])})
        layer.astype(SD[dtype])
        got = layer(ours[0])
    else:
        got = op(*ours)
    theirs = [torch.tensor(a).to(TORCH[dtype]) for a in arrays]
    if name == "conv_transpose2d" and dtype == "float16":
        # NOTE: PyTorch's CPU kernel for this one accumulates in f16 even without a bias;
        # its f32 result rounded once is what its other half-precision kernels give
        want = top(*(t.float() for t in theirs)).to(TORCH[dtype])
    else:
        want = top(*theirs)
    assert got.dtype == SD[dtype]
    np.testing.assert_array_equal(got.astype(sd.f32).numpy(), want.float().numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_conv2d_layer_with_a_bias_matches_torch_bit_for_bit_and_keeps_half_gradients(dtype):
    theirs = torch.nn.Conv2d(3, 8, 3, padding=1)
    with torch.no_grad():
        for p in theirs.parameters():  # NOTE: exact f32 sums, as in `_bias_cases`
            p.copy_(torch.round(p * 64) / 64)
    mine = sd.nn.Conv2d(3, 8, 3, padding=1)
    mine.load_state_dict({k: sd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    mine.astype(SD[dtype])
    theirs.to(TORCH[dtype])
    x = np.random.default_rng(1).integers(-64, 65, (2, 3, 6, 6)).astype("float32") / 64
    out = mine(sd.tensor(x).astype(SD[dtype]).traced())
    want = theirs(torch.tensor(x).to(TORCH[dtype]))
    np.testing.assert_array_equal(out.astype(sd.f32).numpy(), want.float().detach().numpy())
    grads = out.sum().backward()
    assert {grads[p].dtype for p in (mine.weight, mine.bias)} == {SD[dtype]}


# ---- a Python scalar beside a half-precision tensor -----------------------------------------
# NOTE: PyTorch's CPU kernels take the scalar of `x * c`, `x / c` and `x // c` in float32 and
# round the result once; the others round the scalar to the tensor's dtype first; `c / x` is
# `x.reciprocal() * c`. Each is compared bit for bit, values and gradients.
SCALAR_OPS = [
    ("add", lambda x, c: x + c),
    ("radd", lambda x, c: c + x),
    ("sub", lambda x, c: x - c),
    ("rsub", lambda x, c: c - x),
    ("mul", lambda x, c: x * c),
    ("rmul", lambda x, c: c * x),
    ("div", lambda x, c: x / c),
    ("rdiv", lambda x, c: c / x),
    ("floor_divide", lambda x, c: x // c),
    ("remainder", lambda x, c: x % c),
    ("rremainder", lambda x, c: c % x),
    ("rpow", lambda x, c: abs(c) ** x),
    ("lerp", lambda x, c: x.lerp(-x, c)),  # NOTE: lerp and leaky_relu compute in float32
    (
        "leaky_relu",
        lambda x, c: torch.nn.functional.leaky_relu(x, c)
        if isinstance(x, torch.Tensor)
        else x.leaky_relu(c),
    ),
]
SCALARS = [0.1, 3.14159, 1 / 3, 257, 7, 65536, 1e5, 1e-8, -1e9, 2.5, True]
NO_GRADIENT = {"floor_divide", "rremainder", "rpow"}  # NOTE: pow's own rounding, not the scalar's


def _half_values(dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.standard_normal(2000) * 10,
            rng.standard_normal(200) * 1e-3,
            [0.0, -0.0, 1.0, -2.0, 65504.0, np.inf, -np.inf, np.nan],
        ]
    ).astype("float32")
    return torch.tensor(x).to(TORCH[dtype]).float().numpy()  # NOTE: exact in both libraries


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,op", SCALAR_OPS, ids=[c[0] for c in SCALAR_OPS])
def test_a_python_scalar_meets_a_half_tensor_as_in_torch_bit_for_bit(name, op, dtype):
    x = _half_values(dtype)
    weight = np.random.default_rng(1).standard_normal(x.shape).astype("float32")
    for c in SCALARS:
        if name in ("sub", "rsub", "lerp", "leaky_relu") and c is True:
            continue  # NOTE: PyTorch refuses `x - True`, a bool weight or slope
        mine = sd.tensor(x).astype(SD[dtype]).traced()
        out = op(mine, c)
        theirs = torch.tensor(x).to(TORCH[dtype]).requires_grad_()
        want = op(theirs, c)
        assert out.dtype is SD[dtype], (c, out.dtype)
        got = out.astype(sd.f32).numpy()
        np.testing.assert_array_equal(got, want.detach().float().numpy(), err_msg=f"c={c}")
        if name in NO_GRADIENT:
            continue
        g = torch.tensor(weight).to(TORCH[dtype])
        grads = (out * sd.tensor(g.float().numpy()).astype(SD[dtype])).sum().backward()
        (want * g).sum().backward()
        assert grads[mine].dtype is SD[dtype]
        np.testing.assert_array_equal(
            grads[mine].astype(sd.f32).numpy(), theirs.grad.float().numpy(), err_msg=f"c={c}"
        )


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_loss_scale_unscaling_and_an_additive_mask_work_in_half_precision(dtype):
    # NOTE: 65536 and -1e9 are inf in f16: `g / 65536` was 0 and `0 * -1e9` nan, through
    # the softmax every row of it
    g = np.array([1.0, 0.5, 0.0, -3.0], "float32")
    got = (sd.tensor(g).astype(SD[dtype]) / 65536).astype(sd.f32).numpy()
    want = (torch.tensor(g).to(TORCH[dtype]) / 65536).float().numpy()
    np.testing.assert_array_equal(got, want)
    assert got[0] > 0
    scores, keep = np.array([[0.5, 1.0, -0.25]], "float32"), np.array([[1.0, 1.0, 0.0]], "float32")
    s, k = (sd.tensor(a).astype(SD[dtype]) for a in (scores, keep))
    ts, tk = (torch.tensor(a).to(TORCH[dtype]) for a in (scores, keep))
    got = sd.ops.softmax(s + (1.0 - k) * -1e9, axis=-1).astype(sd.f32).numpy()
    want = torch.softmax(ts + (1.0 - tk) * -1e9, dim=-1).float().numpy()
    np.testing.assert_array_equal(got, want)
    assert not np.isnan(got).any()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("c", [2, 0.1, 2.5, 1 / 3, -1.5])
def test_a_half_tensor_to_a_scalar_power_matches_torch_bit_for_bit(c, dtype):
    x = np.abs(_half_values(dtype)[:2200])  # NOTE: finite bases; torch's (-inf) ** 0.5 differs
    got = (sd.tensor(x).astype(SD[dtype]) ** c).astype(sd.f32).numpy()
    want = (torch.tensor(x).to(TORCH[dtype]) ** c).float().numpy()
    np.testing.assert_array_equal(got, want)
