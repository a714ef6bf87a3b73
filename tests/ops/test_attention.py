"""scaled_dot_product_attention against PyTorch: values and gradients of q, k, v (and mask)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl.dims import DYN, sym
from shapedl.ops.attention import attention_rule

sdpa = sd.ops.scaled_dot_product_attention
DTYPES = ["float32", "float64"]

SHAPES = [  # q, k, v
    ((4, 5), (6, 5), (6, 7)),
    ((2, 3, 4, 8), (2, 3, 4, 8), (2, 3, 4, 8)),
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
    ((2, 3, 4, 5), (1, 3, 6, 5), (3, 6, 7)),  # batch axes broadcast
    ((5, 1, 5), (5, 3, 5), (5, 3, 4)),  # one query
]


def _qkv(shapes, dtype):
    return [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPES)
def test_matches_torch(shapes, dtype):
    compare(sdpa, F.scaled_dot_product_attention, _qkv(shapes, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPES[:4])
def test_causal_matches_torch(shapes, dtype):
    compare(
        lambda q, k, v: sdpa(q, k, v, causal=True),
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        _qkv(shapes, dtype),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mshape", [(4, 6), (2, 1, 4, 6), (1, 6), (3, 4, 1)])
def test_bool_mask_matches_torch(mshape, dtype):
    mask = np.random.default_rng(7).random(mshape) > 0.3
    sm, tm = sd.from_numpy(mask), torch.from_numpy(mask)
    compare(
        lambda q, k, v: sdpa(q, k, v, sm),
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=tm),
        _qkv(SHAPES[2], dtype),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mshape", [(4, 6), (2, 3, 4, 6), (3, 1, 6)])
def test_additive_mask_matches_torch_with_its_gradient(mshape, dtype):
    mask = randn(*mshape, dtype=dtype, seed=9)
    compare(
        sdpa,
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
        [*_qkv(SHAPES[2], dtype), mask],
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_scale_and_mask_with_causal_match_torch(dtype):
    mask = np.random.default_rng(3).random((4, 6)) > 0.3
    mask[:, 0] = True
    both = torch.from_numpy(mask) & torch.ones(4, 6, dtype=torch.bool).tril()
    compare(
        lambda q, k, v: sdpa(q, k, v, sd.from_numpy(mask), causal=True, scale=0.7),
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=both, scale=0.7),
        _qkv(SHAPES[2], dtype),
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_pytorch_keywords_attn_mask_and_is_causal_match_torch(dtype):
    mask = np.random.default_rng(4).random((4, 6)) > 0.3
    mask[:, 0] = True
    sm, tm = sd.from_numpy(mask), torch.from_numpy(mask)
    compare(
        lambda q, k, v: sdpa(q, k, v, attn_mask=sm, is_causal=True),
        lambda q, k, v: F.scaled_dot_product_attention(
            q, k, v, attn_mask=tm & torch.ones(4, 6, dtype=torch.bool).tril()
        ),
        _qkv(SHAPES[2], dtype),
    )


def test_a_ported_positional_call_is_a_type_error():
    """PyTorch's order is `(q, k, v, attn_mask, dropout_p, is_causal, scale)`: a ported
    `(q, k, v, None, 0.0, True)` ran here as non-causal attention with `scale=True`."""
    q, k, v = _qkv(SHAPES[2], "float32")
    want = F.scaled_dot_product_attention(*map(torch.from_numpy, (q, k, v)), None, 0.0, True)
    sq, sk, sv = map(sd.from_numpy, (q, k, v))
    with pytest.raises(TypeError, match="positional argument"):
        sdpa(sq, sk, sv, None, 0.0, True)  # type: ignore[misc]
    got = sdpa(sq, sk, sv, None, causal=True)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_mask_given_twice_is_a_type_error():
    q, mask = sd.ones((1, 2, 4)), sd.ones((2, 2)).astype(sd.bool_)
    with pytest.raises(TypeError, match="not both"):
        sdpa(q, q, q, mask, attn_mask=mask)


def test_fully_masked_rows_are_zero_like_torch():
    mask = np.ones((4, 6), dtype=bool)
    mask[1] = False
    additive = np.where(mask, 0.0, -np.inf).astype("float32")
    for m in (mask, additive):
        sm, tm = sd.from_numpy(m), torch.from_numpy(m)
        compare(
            lambda q, k, v, sm=sm: sdpa(q, k, v, sm),
            lambda q, k, v, tm=tm: F.scaled_dot_product_attention(q, k, v, attn_mask=tm),
            _qkv(SHAPES[2], "float32"),
        )


def test_large_scores_stay_finite():
    q = randn(2, 3, 4) * 1e3
    out = sdpa(*(sd.from_numpy(a) for a in (q, q, q)))
    assert np.isfinite(out.numpy()).all()


def test_central_differences_with_additive_mask_and_causal():
    central_difference(
        lambda q, k, v, m: sdpa(q, k, v, m, causal=True),
        [randn(2, 3, 4, dtype="float64", seed=i) for i in range(3)] + [randn(3, 3, seed=4)],
    )


# ---- errors and the rule ----------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes,pattern",
    [
        (((2, 4, 5), (2, 6, 3), (2, 6, 5)), r"shapes \(2, 4, 5\) and \(2, 6, 3\): .* at axis -1"),
        (((2, 4, 5), (2, 6, 5), (2, 7, 5)), r"shapes \(2, 6, 5\) and \(2, 7, 5\): .* at axis -2"),
        (((2, 4, 5), (3, 6, 5), (3, 6, 5)), r"shapes \(2, 4, 5\) and \(3, 6, 5\): .*axis -3"),
        (((5,), (6, 5), (6, 5)), r"shape \(5,\): q has rank 1"),
    ],
)
def test_errors_name_op_shapes_and_axis(shapes, pattern):
    q, k, v = (sd.ones(s) for s in shapes)
    with pytest.raises(sd.ShapeError, match="scaled_dot_product_attention: " + pattern):
        sdpa(q, k, v)


@pytest.mark.parametrize(
    "mshape,pattern",
    [
        ((4, 5), r"\(4, 5\) and \(2, 4, 6\): mask size 5 at axis -1 does not broadcast to 6"),
        ((3, 4, 6), r"\(3, 4, 6\) and \(2, 4, 6\): mask size 3 at axis -3"),
        ((2, 2, 4, 6), r"\(2, 2, 4, 6\) and \(2, 4, 6\): mask has rank 4"),
    ],
)
def test_mask_that_does_not_fit_the_scores_is_an_error(mshape, pattern):
    q, k, v = sd.ones((2, 4, 5)), sd.ones((2, 6, 5)), sd.ones((2, 6, 5))
    with pytest.raises(sd.ShapeError, match="scaled_dot_product_attention: .*" + pattern):
        sdpa(q, k, v, sd.ones(mshape, dtype=sd.bool_))


def test_rule_keeps_symbolic_shapes_exactly():
    b, h, t, d = sym("B"), sym("H"), sym("T"), sym("D")
    s = sym("S")
    assert attention_rule("sdpa", (b, h, t, d), (b, h, t, d), (b, h, t, d)) == (b, h, t, d)
    assert attention_rule("sdpa", (b, h, t, d), (b, 1, s, d), (b, h, s, 8), (t, s)) == (
        b,
        h,
        t,
        8,
    )
    assert attention_rule("sdpa", (DYN, t, d), (b, DYN, DYN), (b, s, d)) == (b, t, d)
    with pytest.raises(sd.ShapeError, match=r"\(B, T, D\) and \(B, S, H\): .*axis -1"):
        attention_rule("sdpa", (b, t, d), (b, s, h), (b, s, d))
    with pytest.raises(sd.ShapeError, match=r"\(B, S, D\) and \(B, T, D\): .*axis -2"):
        attention_rule("sdpa", (b, t, d), (b, s, d), (b, t, d))


def test_rule_checks_mask_and_batch_over_symbols():
    b, h, t, s, d = (sym(n) for n in "BHTSD")
    q, k, v = (b, h, t, d), (b, h, s, d), (b, h, s, d)
    assert attention_rule("sdpa", q, k, v, (b, 1, DYN, s)) == (b, h, t, d)
    with pytest.raises(sd.ShapeError, match=r"\(B, 1, S, S\) and \(B, H, T, S\): .*axis -2"):
        attention_rule("sdpa", q, k, v, (b, 1, s, s))
    with pytest.raises(sd.ShapeError, match=r"\(B, H, T, D\) and \(T, H, S, D\): .*axis -4"):
        attention_rule("sdpa", q, (t, h, s, d), v)


def test_the_causal_mask_is_made_once_per_size(monkeypatch):
    made = []
    tril = np.tril
    monkeypatch.setattr(np, "tril", lambda *a, **k: made.append(a[0].shape) or tril(*a, **k))
    q = [randn(2, 7, 4, seed=s) for s in range(3)]
    for _ in range(3):
        compare(
            lambda q, k, v: sdpa(q, k, v, causal=True),
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
            q,
        )
    assert made.count((7, 7)) <= 1


def test_saturated_softmax_gradient_cancels_as_torchs():
    # NOTE: found by the differential fuzzer (tests/nn/test_fuzz.py): attention twice over
    # [[0, 30], [30, 30]] saturates the second softmax ([0, 1]), where torch's gradient is
    # exactly 0; rowsum(g * out) in place of rowsum(dp * p) left 1e-4 in f32
    x = np.array([[[0.0, 30.0], [30.0, 30.0]]], "float32")

    def twice(f, a):
        y = f(a, a, a)
        return f(y, y, y)

    run(
        (
            [x],
            lambda a: twice(sd.ops.scaled_dot_product_attention, a),
            lambda t: twice(F.scaled_dot_product_attention, t),
        )
    )
