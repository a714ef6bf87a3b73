"""MultiHeadAttention against torch.nn.MultiheadAttention(batch_first=True)."""

import warnings

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from tests.nn.helpers import attention_mapping, check_module

E, H = 8, 2


def _pair(dropout: float = 0.0, **kw):
    attn = sd.nn.MultiHeadAttention(E, H, dropout=dropout, **kw)
    tattn = torch.nn.MultiheadAttention(E, H, batch_first=True, **kw)
    with torch.no_grad():  # torch zeroes the biases; random ones test their gradients better
        for name, p in tattn.named_parameters():
            if "bias" in name:
                p.copy_(torch.randn_like(p))
    return attn, tattn


def _causal(tq, tk):
    return torch.triu(torch.ones(tq, tk, dtype=torch.bool), 1)  # torch: True is masked


def test_self_attention():
    attn, tattn = _pair()
    check_module(
        attn,
        tattn,
        [randn(3, 5, E)],
        mapping=attention_mapping(attn, E),
        torch_call=lambda m, x: m(x, x, x, need_weights=False)[0],
    )


def test_cross_attention_with_other_lengths():
    attn, tattn = _pair()
    check_module(
        attn,
        tattn,
        [randn(2, 4, E), randn(2, 6, E, seed=1), randn(2, 6, E, seed=2)],
        mapping=attention_mapping(attn, E),
        torch_call=lambda m, q, k, v: m(q, k, v, need_weights=False)[0],
    )


@pytest.mark.parametrize("dropout", [0.0, 1e-7], ids=["sdpa", "composed-with-dropout"])
def test_causal(dropout):
    attn, tattn = _pair(dropout)
    check_module(
        attn,
        tattn,
        [randn(2, 5, E)],
        mapping=attention_mapping(attn, E),
        sd_call=lambda m, x: m(x, causal=True),
        torch_call=lambda m, x: m(
            x, x, x, attn_mask=_causal(5, 5), need_weights=False, is_causal=True
        )[0],
    )


@pytest.mark.parametrize("dropout", [0.0, 1e-7], ids=["sdpa", "composed-with-dropout"])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks(kind, dropout):
    rng = np.random.default_rng(3)
    keep = rng.random((4, 6)) < 0.7
    keep[:, 0] = True  # every query sees some key
    attn, tattn = _pair(dropout)
    if kind == "bool":
        mask, tmask = sd.tensor(keep), torch.from_numpy(~keep)
    else:
        add = rng.standard_normal((4, 6)).astype(np.float32)
        mask, tmask = sd.from_numpy(add), torch.from_numpy(add)
    check_module(
        attn,
        tattn,
        [randn(2, 4, E), randn(2, 6, E, seed=1)],
        mapping=attention_mapping(attn, E),
        sd_call=lambda m, q, kv: m(q, kv, kv, mask=mask),
        torch_call=lambda m, q, kv: m(q, kv, kv, attn_mask=tmask, need_weights=False)[0],
    )


# NOTE: a dropout too small to drop anything, or to scale beyond float64's 1e-9, takes the
# composed path of training with dropout
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("dropout", [0.0, 1e-12], ids=["sdpa", "composed-with-dropout"])
@pytest.mark.parametrize(
    "kind",
    [
        "key-padding",
        "bool",
        "float",
        "both",
        "key_padding_mask=",
        "key_padding_mask= and a bool mask",
        "key_padding_mask= and a float mask",
        "a float key_padding_mask= and a float mask",
        "a float key_padding_mask= and a bool mask",
    ],
)
def test_masks_in_float64_with_rows_that_see_nothing(kind, dropout):
    """torch's key padding mask is a `(B, 1, 1, Tk)` mask here (True keeps), or PyTorch's own
    `key_padding_mask=` (True is padding), combined with a mask as torch combines them; a
    query that sees no key (all of sample 1's keys padded, or query 0 masked off) gets zeros,
    not nan, in both forms of the layer, as in torch."""
    rng = np.random.default_rng(5)
    pad = np.zeros((2, 6), bool)
    pad[0, -2:], pad[1] = True, True  # torch: True is padding
    hide = rng.random((4, 6)) < 0.3
    hide[0] = True
    add = np.where(hide, -np.inf, rng.standard_normal((4, 6)))
    soft = np.where(pad, -np.inf, rng.standard_normal((2, 6)))  # a float key padding mask
    masks = {
        "key-padding": (dict(mask=~pad[:, None, None, :]), dict(key_padding_mask=pad)),
        "bool": (dict(mask=~hide), dict(attn_mask=hide)),
        "float": (dict(mask=add), dict(attn_mask=add)),
        "both": (
            dict(mask=~(hide | pad[:, None, None, :])),
            dict(attn_mask=hide, key_padding_mask=pad),
        ),
        "key_padding_mask=": (dict(key_padding_mask=pad), dict(key_padding_mask=pad)),
        "key_padding_mask= and a bool mask": (
            dict(mask=~hide, key_padding_mask=pad),
            dict(attn_mask=hide, key_padding_mask=pad),
        ),
        "key_padding_mask= and a float mask": (
            dict(mask=add, key_padding_mask=pad),
            dict(attn_mask=add, key_padding_mask=pad),
        ),
        "a float key_padding_mask= and a float mask": (
            dict(mask=add, key_padding_mask=soft),
            dict(attn_mask=add, key_padding_mask=soft),
        ),
        "a float key_padding_mask= and a bool mask": (
            dict(mask=~hide, key_padding_mask=soft),
            dict(attn_mask=hide, key_padding_mask=soft),
        ),
    }
    sd_masks, tmasks = masks[kind]
    attn, tattn = _pair(dropout)
    attn, tattn = attn.astype(sd.f64), tattn.double()
    check_module(
        attn,
        tattn,
        [randn(2, 4, E, dtype="float64"), randn(2, 6, E, seed=1, dtype="float64")],
        mapping=attention_mapping(attn, E),
        sd_call=lambda m, q, kv: m(q, kv, kv, **{k: sd.from_numpy(v) for k, v in sd_masks.items()}),
        torch_call=lambda m, q, kv: m(
            q, kv, kv, need_weights=False, **{k: torch.from_numpy(v) for k, v in tmasks.items()}
        )[0],
        rtol=1e-9,
        atol=1e-10,
    )


@pytest.mark.parametrize("dropout", [0.0, 1e-12], ids=["sdpa", "composed-with-dropout"])
@pytest.mark.parametrize("shape", [(4, 6), (2, 1, 1, 6)], ids=["per-query", "per-sample"])
def test_a_traced_float_mask_gets_its_gradient_with_dropout_too(shape, dropout):
    """A learned additive bias: training with dropout added the mask's values off the tape,
    so it got no gradient at all; a row that sees nothing gets none, as in torch."""
    add = np.random.default_rng(6).standard_normal(shape)
    add[..., 0, :] = -np.inf
    # NOTE: torch takes a per-sample mask as (B * H, Tq, Tk)
    per_sample = len(shape) == 4
    attn, tattn = _pair(dropout)
    attn, tattn = attn.astype(sd.f64), tattn.double()
    check_module(
        attn,
        tattn,
        [randn(2, 4, E, dtype="float64"), randn(2, 6, E, seed=1, dtype="float64"), add],
        mapping=attention_mapping(attn, E),
        sd_call=lambda m, q, kv, mask: m(q, kv, kv, mask=mask),
        torch_call=lambda m, q, kv, mask: m(
            q,
            kv,
            kv,
            attn_mask=mask.expand(2, H, 4, 6).reshape(2 * H, 4, 6) if per_sample else mask,
            need_weights=False,
        )[0],
        rtol=1e-9,
        atol=1e-10,
    )


@pytest.mark.parametrize("dropout", [0.0, 0.1], ids=["sdpa", "composed-with-dropout"])
@pytest.mark.parametrize(
    "mask,problem",
    [
        ((5, 4), r"mask size 5 at axis -2 does not broadcast to 4"),
        ((4, 6), r"mask size 6 at axis -1 does not broadcast to 4"),
        ((3, 1, 4, 4), r"mask size 3 at axis -4 does not broadcast to 2"),
    ],
)
def test_a_mask_of_the_wrong_shape_is_a_shape_error_in_training_too(mask, problem, dropout):
    """Training with dropout met such a mask in a NumPy broadcast ("operands could not be
    broadcast together"); both forms now check it first, in the plugin's words."""
    attn = sd.nn.MultiHeadAttention(E, H, dropout=dropout)
    x = sd.ones((2, 4, E)).traced()
    shapes = rf"shapes \({', '.join(map(str, mask))}\) and \(2, 2, 4, 4\)"
    for kind in (sd.bool_, sd.f32):
        with pytest.raises(sd.ShapeError, match=rf"^MultiHeadAttention: {shapes}: {problem}"):
            attn(x, mask=sd.ones(mask, dtype=kind))


@pytest.mark.parametrize("dropout", [0.0, 0.1], ids=["sdpa", "composed-with-dropout"])
def test_a_padding_mask_given_as_mask_names_the_layer_and_says_how(dropout):
    """A `(B, Tk)` padding mask passed as `mask=` was an error of scaled_dot_product_attention,
    an op the user never called, against scores the user never built."""
    attn = sd.nn.MultiHeadAttention(E, H, dropout=dropout)
    x = sd.ones((2, 3, E)).traced()
    message = (
        r"^MultiHeadAttention: shapes \(2, 3\) and \(2, 2, 3, 3\): mask size 2 at axis -2 does "
        r"not broadcast to 3; mask must broadcast to the scores \(B, H, Tq, Tk\); a padding "
        r"mask keep of shape \(B, Tk\) is written keep\[:, None, None, :\], or give "
        r"key_padding_mask=~keep$"
    )
    with pytest.raises(sd.ShapeError, match=message):
        attn(x, mask=sd.ones((2, 3)) > 0)
    with pytest.raises(
        sd.ShapeError,
        match=r"^MultiHeadAttention: shapes \(2, 4\) and \(2, 3, 8\): key_padding_mask must "
        r"be \(B, Tk\) = \(2, 3\), one flag per key \(True: padding, as PyTorch's\)$",
    ):
        attn(x, key_padding_mask=sd.ones((2, 4)) > 0)


def test_per_batch_mask():
    keep = np.random.default_rng(4).random((2, 1, 3, 3)) < 0.7
    keep[..., 0] = True
    tmask = torch.from_numpy(~np.repeat(keep, H, axis=1).reshape(2 * H, 3, 3))
    attn, tattn = _pair()
    check_module(
        attn,
        tattn,
        [randn(2, 3, E)],
        mapping=attention_mapping(attn, E),
        sd_call=lambda m, x: m(x, mask=sd.tensor(keep)),
        torch_call=lambda m, x: m(x, x, x, attn_mask=tmask, need_weights=False)[0],
    )


def test_kdim_vdim():
    attn = sd.nn.MultiHeadAttention(E, H, kdim=5, vdim=3)
    tattn = torch.nn.MultiheadAttention(E, H, batch_first=True, kdim=5, vdim=3)
    mapping = {f"{p}_proj.weight": f"{p}_proj_weight" for p in "qkv"}
    mapping.update(
        {f"{p}_proj.bias": ("in_proj_bias", slice(i * E, (i + 1) * E)) for i, p in enumerate("qkv")}
    )
    check_module(
        attn,
        tattn,
        [randn(2, 4, E), randn(2, 6, 5, seed=1), randn(2, 6, 3, seed=2)],
        mapping=mapping,
        torch_call=lambda m, q, k, v: m(q, k, v, need_weights=False)[0],
    )


def test_no_bias():
    attn = sd.nn.MultiHeadAttention(E, H, bias=False)
    tattn = torch.nn.MultiheadAttention(E, H, batch_first=True, bias=False)
    assert len(attn.parameters()) == 4
    check_module(
        attn,
        tattn,
        [randn(2, 4, E)],
        mapping=attention_mapping(attn, E),
        torch_call=lambda m, x: m(x, x, x, need_weights=False)[0],
    )


def test_parameter_names_and_init():
    attn = sd.nn.MultiHeadAttention(16, 4)
    assert list(attn.parameters()) == [
        f"{p}.{k}" for p in ("q_proj", "k_proj", "v_proj", "out_proj") for k in ("weight", "bias")
    ]
    bound = np.sqrt(6 / (16 + 48))  # Glorot over torch's packed (3E, E) matrix
    assert np.abs(attn.q_proj.weight.numpy()).max() <= bound
    for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
        assert not getattr(attn, p).bias.numpy().any()


def test_dropout_only_in_training():
    attn = sd.nn.MultiHeadAttention(E, H, dropout=0.5)
    x = sd.from_numpy(randn(2, 5, E))
    plain = attn(x).numpy()
    np.testing.assert_array_equal(attn(x).numpy(), plain)
    assert not np.allclose(attn(x.traced()).numpy(), plain)


def test_attention_dropout_skipped_on_an_untraced_input_warns_if_a_gradient_comes_back():
    """A branch of untraced input: its attention drops no weight, while the gradient of a
    loss that uses it trains its projections; said as batch norm says it."""
    attn = sd.nn.MultiHeadAttention(E, H, dropout=0.5)
    plain = attn(sd.from_numpy(randn(2, 5, E)))
    with pytest.warns(sd.errors.InferenceWarning, match=r"^dropout: .*\(2, 2, 5, 4\)"):
        grads = (plain * sd.from_numpy(randn(2, 5, E)).traced()).sum().backward()
    assert grads[attn.q_proj.weight].shape == (E, E)
    quiet = sd.nn.MultiHeadAttention(E, H)  # NOTE: no dropout, nothing skipped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = sd.from_numpy(randn(2, 5, E))
        (quiet(x) * x.traced()).sum().backward()


def test_heads_must_divide_width():
    with pytest.raises(ValueError, match="divisible"):
        sd.nn.MultiHeadAttention(10, 3)


@pytest.mark.parametrize("where", ["query", "key", "value"])
def test_an_unbatched_input_says_to_add_the_batch_axis(where: str) -> None:
    # NOTE: PyTorch takes (T, E) as one sequence; here it failed unpacking inside the layer
    attn = sd.nn.MultiHeadAttention(4, 2)
    given = {"query": sd.randn((2, 3, 4)), "key": sd.randn((2, 3, 4))}
    given["value"] = sd.randn((2, 3, 4))
    given[where] = sd.randn((3, 4))
    with pytest.raises(
        sd.ShapeError,
        match=rf"MultiHeadAttention: shape \(3, 4\): the {where} must have rank 3 \(N, T, E\), "
        r"batch first, not 2; add the batch axis: x\.unsqueeze\(0\)",
    ):
        attn(given["query"], given["key"], given["value"])
    layer = sd.nn.TransformerEncoderLayer(4, 2, 8)
    with pytest.raises(sd.ShapeError, match="the query must have rank 3"):
        layer(sd.randn((3, 4)))
