"""Activation layers and Flatten against torch.nn."""

import pytest
import torch
from harness import compare, randn

import shapedl as sd

CASES = [
    ("ReLU", sd.nn.ReLU(), torch.nn.ReLU()),
    ("GELU", sd.nn.GELU(), torch.nn.GELU(approximate="tanh")),
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
