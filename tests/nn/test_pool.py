"""MaxPool2d and AvgPool2d against torch.nn."""

import itertools

import numpy as np
import pytest
import torch
from harness import compare, randn

import shapedl as sd

CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1)),
    dict(kernel_size=3, stride=2, padding=1),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CASES, ids=str)
@pytest.mark.parametrize(
    "cls,tcls", [(sd.nn.MaxPool2d, torch.nn.MaxPool2d), (sd.nn.AvgPool2d, torch.nn.AvgPool2d)]
)
def test_pool_matches_torch(cls, tcls, kw, dtype):
    compare(cls(**kw), tcls(**kw), [randn(2, 3, 7, 8, dtype=dtype)])


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


# every kernel, stride and padding combination torch accepts (padding at most half the kernel)
OPTIONS = [
    dict(kernel_size=k, stride=s, padding=p)
    for k, s, p in itertools.product((2, 3, (3, 2)), (None, 1, 2, (2, 1)), (0, 1, (1, 0)))
    if all(pi <= ki // 2 for pi, ki in zip(_pair(p), _pair(k), strict=True))
]


@pytest.mark.parametrize("kw", OPTIONS, ids=str)
@pytest.mark.parametrize(
    "cls,tcls", [(sd.nn.MaxPool2d, torch.nn.MaxPool2d), (sd.nn.AvgPool2d, torch.nn.AvgPool2d)]
)
def test_pool_options_match_torch_in_float64(cls, tcls, kw):
    compare(cls(**kw), tcls(**kw), [randn(2, 3, 7, 6, dtype="float64")])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)])
def test_max_pool_ties_send_the_gradient_where_torch_does(kw):
    x = np.random.default_rng(0).integers(0, 3, (2, 2, 6, 6)).astype("float64")
    compare(sd.nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), [x])


def test_pools_have_no_parameters():
    assert sd.nn.MaxPool2d(2).parameters() == {} and sd.nn.AvgPool2d(2).parameters() == {}


def test_cnn_shapes_chain():
    model = sd.nn.Sequential(
        sd.nn.Conv2d(1, 8, 3),
        sd.nn.ReLU(),
        sd.nn.MaxPool2d(2),
        sd.nn.Flatten(),
        sd.nn.Linear(8 * 13 * 13, 10),
    )
    assert model(sd.ones((4, 1, 28, 28))).shape == (4, 10)
    broken = sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.Flatten(), sd.nn.Linear(100, 10))
    with pytest.raises(sd.ShapeError, match="5408"):
        broken(sd.ones((4, 1, 28, 28)))


CEIL_CASES = [
    dict(kernel_size=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=2, padding=(1, 0), ceil_mode=True),
]


@pytest.mark.parametrize("kw", CEIL_CASES, ids=str)
@pytest.mark.parametrize(
    "cls,tcls", [(sd.nn.MaxPool2d, torch.nn.MaxPool2d), (sd.nn.AvgPool2d, torch.nn.AvgPool2d)]
)
def test_ceil_mode_layers_match_torch(cls, tcls, kw):
    compare(cls(**kw), tcls(**kw), [randn(2, 3, 7, 8, dtype="float64")])


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_avg_pool_count_include_pad_false_matches_torch(ceil_mode):
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=ceil_mode, count_include_pad=False)
    compare(sd.nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), [randn(2, 3, 7, 8, dtype="float64")])


def test_pool_layer_options_are_checked_when_called():
    with pytest.raises(TypeError, match="max_pool2d: ceil_mode must be True or False"):
        sd.nn.MaxPool2d(2, ceil_mode=None)(sd.ones((1, 1, 4, 4)))
