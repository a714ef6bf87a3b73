"""Transformer layers against torch.nn (batch_first=True, dropout=0), same weights copied in."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import randn

import shapedl as sd
from tests.nn.helpers import attention_mapping, check_module

E, H, FF = 8, 2, 16
ACTIVATIONS = {"relu": "relu", "gelu": "gelu"}


def _randomize_biases(tmod):
    with torch.no_grad():
        for name, p in tmod.named_parameters():
            if "bias" in name or "norm" in name:
                p.copy_(
                    torch.randn_like(p) * 0.5 + (1 if "norm" in name and "weight" in name else 0)
                )
    return tmod


def _causal_float(t):
    return torch.nn.Transformer.generate_square_subsequent_mask(t)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer(norm_first, activation):
    layer = sd.nn.TransformerEncoderLayer(
        E, H, FF, dropout=0.0, activation=activation, norm_first=norm_first
    )
    tlayer = torch.nn.TransformerEncoderLayer(
        E,
        H,
        FF,
        dropout=0.0,
        activation=ACTIVATIONS[activation],
        batch_first=True,
        norm_first=norm_first,
    )
    check_module(
        layer, _randomize_biases(tlayer), [randn(3, 5, E)], mapping=attention_mapping(layer, E)
    )


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "bool", "float"])
@pytest.mark.parametrize(
    "activation,tactivation,bias",
    [("relu", "relu", False), (sd.nn.SiLU(), F.silu, True)],
    ids=["relu-no-bias", "callable-silu"],
)
def test_encoder_layer_options_in_float64(activation, tactivation, bias, mask, norm_first):
    kw = dict(dropout=0.0, layer_norm_eps=0.1, norm_first=norm_first, bias=bias)
    layer = sd.nn.TransformerEncoderLayer(E, H, FF, activation=activation, **kw)
    tlayer = torch.nn.TransformerEncoderLayer(
        E, H, FF, activation=tactivation, batch_first=True, **kw
    )
    rng = np.random.default_rng(2)
    hide = rng.random((4, 4)) < 0.4
    np.fill_diagonal(hide, False)
    src_mask = {"none": None, "bool": hide, "float": rng.standard_normal((4, 4))}[mask]
    sd_mask = None if src_mask is None else sd.from_numpy(~src_mask if mask == "bool" else src_mask)
    check_module(
        layer.astype(sd.f64),
        _randomize_biases(tlayer).double(),
        [randn(3, 4, E, dtype="float64")],
        mapping=attention_mapping(layer, E),
        sd_call=lambda m, x: m(x, sd_mask),
        torch_call=lambda m, x: m(x, None if src_mask is None else torch.from_numpy(src_mask)),
        rtol=1e-9,
        atol=1e-10,
    )


def test_encoder_layer_causal():
    layer = sd.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0)
    tlayer = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True)
    check_module(
        layer,
        _randomize_biases(tlayer),
        [randn(2, 4, E)],
        mapping=attention_mapping(layer, E),
        sd_call=lambda m, x: m(x, is_causal=True),
        torch_call=lambda m, x: m(x, src_mask=_causal_float(4), is_causal=True),
    )


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    layer = sd.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, norm_first=norm_first)
    tlayer = torch.nn.TransformerDecoderLayer(
        E, H, FF, dropout=0.0, batch_first=True, norm_first=norm_first
    )
    check_module(
        layer,
        _randomize_biases(tlayer),
        [randn(2, 4, E), randn(2, 6, E, seed=1)],
        mapping=attention_mapping(layer, E),
        sd_call=lambda m, t, mem: m(t, mem, tgt_is_causal=True),
        torch_call=lambda m, t, mem: m(t, mem, tgt_mask=_causal_float(4), tgt_is_causal=True),
    )


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_memory_mask_in_float64(norm_first):
    kw = dict(dropout=0.0, layer_norm_eps=0.01, norm_first=norm_first)
    layer = sd.nn.TransformerDecoderLayer(E, H, FF, **kw)
    tlayer = torch.nn.TransformerDecoderLayer(E, H, FF, batch_first=True, **kw)
    hide = np.random.default_rng(3).random((4, 6)) < 0.4
    hide[:, 0] = False
    check_module(
        layer.astype(sd.f64),
        _randomize_biases(tlayer).double(),
        [randn(2, 4, E, dtype="float64"), randn(2, 6, E, seed=1, dtype="float64")],
        mapping=attention_mapping(layer, E),
        sd_call=lambda m, t, mem: m(t, mem, memory_mask=sd.from_numpy(~hide), tgt_is_causal=True),
        torch_call=lambda m, t, mem: m(
            t,
            mem,
            tgt_mask=_causal_float(4).double(),
            memory_mask=torch.from_numpy(hide),
            tgt_is_causal=True,
        ),
        rtol=1e-9,
        atol=1e-10,
    )


def test_transformer():
    model = sd.nn.Transformer(E, H, 2, 1, FF, dropout=0.0)
    tmodel = torch.nn.Transformer(E, H, 2, 1, FF, dropout=0.0, batch_first=True)
    check_module(
        model,
        _randomize_biases(tmodel),
        [randn(2, 6, E), randn(2, 4, E, seed=1)],
        mapping=attention_mapping(model, E),
        sd_call=lambda m, s, t: m(s, t, tgt_is_causal=True),
        torch_call=lambda m, s, t: m(s, t, tgt_mask=_causal_float(4), tgt_is_causal=True),
        rtol=2e-4,
        atol=2e-5,
    )


# ---- PyTorch's key padding masks: True where a position is padding ------------------------
PAD = np.zeros((2, 4), bool)
PAD[0, -1] = PAD[1, -2:] = True
MEMORY_PAD = np.zeros((2, 6), bool)
MEMORY_PAD[1, -3:] = True
# NOTE: torch warns when a boolean padding mask meets a float mask, and combines them anyway
MISMATCHED = pytest.mark.filterwarnings("ignore:Support for mismatched")


@MISMATCHED
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "bool", "float"])
def test_encoder_layer_src_key_padding_mask_in_float64(mask, norm_first):
    kw = dict(dropout=0.0, layer_norm_eps=0.1, norm_first=norm_first)
    layer = sd.nn.TransformerEncoderLayer(E, H, FF, **kw)
    tlayer = torch.nn.TransformerEncoderLayer(E, H, FF, batch_first=True, **kw)
    rng = np.random.default_rng(4)
    hide = rng.random((4, 4)) < 0.4
    np.fill_diagonal(hide, False)
    src_mask = {"none": None, "bool": hide, "float": rng.standard_normal((4, 4))}[mask]
    sd_mask = None if src_mask is None else sd.from_numpy(~src_mask if mask == "bool" else src_mask)
    t_mask = None if src_mask is None else torch.from_numpy(src_mask)
    check_module(
        layer.astype(sd.f64),
        _randomize_biases(tlayer).double(),
        [randn(2, 4, E, dtype="float64")],
        mapping=attention_mapping(layer, E),
        sd_call=lambda m, x: m(x, sd_mask, src_key_padding_mask=sd.tensor(PAD)),
        torch_call=lambda m, x: m(x, t_mask, src_key_padding_mask=torch.from_numpy(PAD)),
        rtol=1e-9,
        atol=1e-10,
    )


@MISMATCHED
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_key_padding_masks_in_float64(norm_first):
    kw = dict(dropout=0.0, layer_norm_eps=0.01, norm_first=norm_first)
    layer = sd.nn.TransformerDecoderLayer(E, H, FF, **kw)
    tlayer = torch.nn.TransformerDecoderLayer(E, H, FF, batch_first=True, **kw)
    check_module(
        layer.astype(sd.f64),
        _randomize_biases(tlayer).double(),
        [randn(2, 4, E, dtype="float64"), randn(2, 6, E, seed=1, dtype="float64")],
        mapping=attention_mapping(layer, E),
        sd_call=lambda m, t, mem: m(
            t,
            mem,
            tgt_is_causal=True,
            tgt_key_padding_mask=sd.tensor(PAD),
            memory_key_padding_mask=sd.tensor(MEMORY_PAD),
        ),
        torch_call=lambda m, t, mem: m(
            t,
            mem,
            tgt_mask=_causal_float(4).double(),
            tgt_is_causal=True,
            tgt_key_padding_mask=torch.from_numpy(PAD),
            memory_key_padding_mask=torch.from_numpy(MEMORY_PAD),
        ),
        rtol=1e-9,
        atol=1e-10,
    )


@MISMATCHED
def test_transformer_key_padding_masks():
    model = sd.nn.Transformer(E, H, 2, 1, FF, dropout=0.0)
    tmodel = torch.nn.Transformer(E, H, 2, 1, FF, dropout=0.0, batch_first=True)
    pads = {
        "src_key_padding_mask": MEMORY_PAD,
        "tgt_key_padding_mask": PAD,
        "memory_key_padding_mask": MEMORY_PAD,
    }
    check_module(
        model,
        _randomize_biases(tmodel),
        [randn(2, 6, E), randn(2, 4, E, seed=1)],
        mapping=attention_mapping(model, E),
        sd_call=lambda m, s, t: m(
            s, t, tgt_is_causal=True, **{k: sd.tensor(v) for k, v in pads.items()}
        ),
        torch_call=lambda m, s, t: m(
            s,
            t,
            tgt_mask=_causal_float(4),
            tgt_is_causal=True,
            **{k: torch.from_numpy(v) for k, v in pads.items()},
        ),
        rtol=2e-4,
        atol=2e-5,
    )


LAYER_MASK_ERRORS = [
    (
        lambda x, keep: sd.nn.TransformerEncoderLayer(E, H, FF)(x, src_mask=keep),
        r"^TransformerEncoderLayer: shapes \(2, 4\) and \(2, H, 4, 4\): src_mask size 2 at "
        r"axis -2 does not broadcast to 4; src_mask must broadcast to the scores "
        r"\(B, H, Tq, Tk\); a padding mask keep of shape \(B, Tk\) is written "
        r"keep\[:, None, None, :\], or give src_key_padding_mask=~keep$",
    ),
    (
        lambda x, keep: sd.nn.TransformerDecoderLayer(E, H, FF)(x, x, tgt_mask=keep),
        r"^TransformerDecoderLayer: shapes \(2, 4\) and \(2, H, 4, 4\): tgt_mask size 2 .*"
        r"or give tgt_key_padding_mask=~keep$",
    ),
    (
        lambda x, keep: sd.nn.TransformerDecoderLayer(E, H, FF)(x, x, memory_mask=keep),
        r"^TransformerDecoderLayer: .*memory_mask size 2 .*memory_key_padding_mask=~keep$",
    ),
    (
        lambda x, keep: sd.nn.TransformerEncoderLayer(E, H, FF)(x, src_key_padding_mask=keep.T),
        r"^TransformerEncoderLayer: shapes \(4, 2\) and \(2, 4, 8\): src_key_padding_mask must "
        r"be \(B, Tk\) = \(2, 4\)",
    ),
]


@pytest.mark.parametrize("call,message", LAYER_MASK_ERRORS)
def test_a_mask_of_the_wrong_shape_names_the_layer_and_its_argument(call, message):
    with pytest.raises(sd.ShapeError, match=message):
        call(sd.ones((2, 4, E)).traced(), sd.tensor(~PAD))


def test_transformer_names_match_torch_up_to_packed_projections():
    model = sd.nn.Transformer(E, H, 2, 2, FF)
    tnames = set(torch.nn.Transformer(E, H, 2, 2, FF, batch_first=True).state_dict())
    mapping = attention_mapping(model, E)
    names = {mapping[n][0] if n in mapping else n for n in model.state_dict()}
    assert names == tnames


def test_transformer_init_is_glorot():
    model = sd.nn.Transformer(16, 4, 1, 1, 64, device=sd.Cpu(seed=0))
    w = model.encoder.layers[0].linear1.weight.numpy()
    bound = np.sqrt(6 / (16 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_dropout_only_when_traced():
    layer = sd.nn.TransformerEncoderLayer(E, H, FF, dropout=0.3)
    x = sd.from_numpy(randn(2, 5, E))
    plain = layer(x).numpy()
    np.testing.assert_array_equal(layer(x).numpy(), plain)
    assert not np.allclose(layer(x.traced()).numpy(), plain)


def test_dropout_skipped_on_an_untraced_input_warns_if_a_gradient_comes_back():
    layer = sd.nn.TransformerEncoderLayer(E, H, FF, dropout=0.3)
    plain = layer(sd.from_numpy(randn(2, 5, E)))
    with pytest.warns(sd.errors.InferenceWarning, match=r"^dropout: .*untraced input"):
        (plain * sd.from_numpy(randn(2, 5, E)).traced()).sum().backward()


@pytest.mark.parametrize("cls", [sd.nn.TransformerEncoderLayer, sd.nn.TransformerDecoderLayer])
def test_bad_activation_names_the_layer(cls):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: activation must be 'relu', 'gelu'"):
        cls(E, H, activation="tanh")


def _stacks():
    enc = (E, H, FF)
    return [
        pytest.param(
            lambda *a, **k: sd.nn.TransformerEncoder(*a, **k),
            lambda: sd.nn.TransformerEncoderLayer(*enc, dropout=0.0),
            lambda *a, **k: torch.nn.TransformerEncoder(*a, enable_nested_tensor=False, **k),
            lambda: torch.nn.TransformerEncoderLayer(*enc, dropout=0.0, batch_first=True),
            [randn(2, 5, E)],
            id="encoder",
        ),
        pytest.param(
            lambda *a, **k: sd.nn.TransformerDecoder(*a, **k),
            lambda: sd.nn.TransformerDecoderLayer(*enc, dropout=0.0),
            lambda *a, **k: torch.nn.TransformerDecoder(*a, **k),
            lambda: torch.nn.TransformerDecoderLayer(*enc, dropout=0.0, batch_first=True),
            [randn(2, 4, E), randn(2, 6, E, seed=1)],
            id="decoder",
        ),
    ]


@pytest.mark.parametrize("keyword", [False, True], ids=["positional", "num_layers="])
@pytest.mark.parametrize("stack,layer,tstack,tlayer,inputs", _stacks())
def test_a_stack_of_copies_of_one_layer_as_pytorch_builds_it(
    stack, layer, tstack, tlayer, inputs, keyword
):
    one = layer()
    model = stack(one, num_layers=3) if keyword else stack(one, 3)
    tmodel = tstack(tlayer(), num_layers=3) if keyword else tstack(tlayer(), 3)
    assert len(model.layers) == len(tmodel.layers) == 3
    mapping = attention_mapping(model, E)
    names = {mapping[n][0] if n in mapping else n for n in model.state_dict()}
    assert names == set(tmodel.state_dict())
    ours = list(one.parameters().values())
    copies = [list(m.parameters().values()) for m in model.layers]
    for group in copies:  # NOTE: deep copies: the layer's values, in arrays of their own
        for p, q in zip(ours, group, strict=True):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
            assert not np.shares_memory(p.data, q.data)
    assert not np.shares_memory(copies[0][0].data, copies[1][0].data)
    check_module(model, _randomize_biases(tmodel), inputs, mapping=mapping)


@pytest.mark.parametrize("stack,layer,tstack,tlayer,inputs", _stacks())
def test_a_stack_of_copies_takes_a_final_norm_as_pytorch(stack, layer, tstack, tlayer, inputs):
    model = stack(layer(), 2, sd.nn.LayerNorm(E))
    tmodel = tstack(tlayer(), 2, torch.nn.LayerNorm(E))
    assert model.norm is not None and tmodel.norm is not None
    check_module(model, _randomize_biases(tmodel), inputs, mapping=attention_mapping(model, E))


@pytest.mark.parametrize("stack,layer,tstack,tlayer,inputs", _stacks())
def test_a_single_layer_without_num_layers_is_refused_naming_the_fix(
    stack, layer, tstack, tlayer, inputs
):
    with pytest.raises(TypeError):
        tstack(tlayer())  # PyTorch refuses it too
    name = "TransformerEncoder" if "Encoder" in type(layer()).__name__ else "TransformerDecoder"
    with pytest.raises(TypeError, match=rf"^{name}: one \w+ needs num_layers"):
        stack(layer())
    with pytest.raises(TypeError, match=rf"^{name}: num_layers goes with one"):
        stack([layer()], num_layers=2)
