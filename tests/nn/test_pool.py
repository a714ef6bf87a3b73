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


# ---- 1-d pools ----------------------------------------------------------------------------
CASES_1D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(3,), stride=(2,), padding=(1,), ceil_mode=True),
    dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
]
POOLS_1D = [(sd.nn.MaxPool1d, torch.nn.MaxPool1d), (sd.nn.AvgPool1d, torch.nn.AvgPool1d)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CASES_1D, ids=str)
@pytest.mark.parametrize("cls,tcls", POOLS_1D)
def test_pool1d_matches_torch(cls, tcls, kw, dtype):
    compare(cls(**kw), tcls(**kw), [randn(2, 3, 11, dtype=dtype)])


def test_avg_pool1d_count_include_pad_false_matches_torch():
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    compare(sd.nn.AvgPool1d(**kw), torch.nn.AvgPool1d(**kw), [randn(2, 3, 8, dtype="float64")])


@pytest.mark.parametrize("size", [1, 3, 5, (4,)])
@pytest.mark.parametrize(
    "cls,tcls",
    [
        (sd.nn.AdaptiveAvgPool1d, torch.nn.AdaptiveAvgPool1d),
        (sd.nn.AdaptiveMaxPool1d, torch.nn.AdaptiveMaxPool1d),
    ],
)
def test_adaptive_pool1d_matches_torch(cls, tcls, size):
    compare(cls(size), tcls(size), [randn(2, 3, 10, dtype="float64")])
    compare(cls(size), tcls(size), [randn(3, 9, dtype="float64")])


def test_1d_layers_are_public_registered_and_take_torchs_arguments_in_order():
    import inspect

    from shapedl.nn.registry import LAYERS

    for name in ("MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"):
        cls = getattr(sd.nn, name)
        assert name in sd.nn.__all__
        assert LAYERS[f"{cls.__module__}.{cls.__qualname__}"].cls is cls
        ours = list(inspect.signature(cls).parameters)
        theirs = list(inspect.signature(getattr(torch.nn, name)).parameters)
        # NOTE: no dilation or return_indices, as the 2-d layers
        theirs = [p for p in theirs if p not in ("dilation", "return_indices")]
        assert ours == theirs


def test_a_1d_cnn_chains_its_shapes():
    model = sd.nn.Sequential(
        sd.nn.Conv1d(4, 8, 5, padding=2), sd.nn.ReLU(), sd.nn.MaxPool1d(2),
        sd.nn.Conv1d(8, 8, 3, stride=2), sd.nn.AvgPool1d(3, stride=1, padding=1),
        sd.nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1), sd.nn.AdaptiveMaxPool1d(1),
        sd.nn.Flatten(), sd.nn.Linear(4, 2),
    )  # fmt: skip
    assert model(sd.ones((3, 4, 32))).shape == (3, 2)
    assert model[2].parameters() == {} and model[6].parameters() == {}


@pytest.mark.parametrize(
    "cls,tcls,kw",
    [
        (sd.nn.MaxPool1d, torch.nn.MaxPool1d, dict(kernel_size=np.int64(3), stride=[2])),
        (sd.nn.AvgPool1d, torch.nn.AvgPool1d, dict(kernel_size=[3], padding=np.int32(1))),
        (sd.nn.MaxPool2d, torch.nn.MaxPool2d, dict(kernel_size=[2, 3], stride=np.int64(2))),
        (sd.nn.AvgPool2d, torch.nn.AvgPool2d, dict(kernel_size=np.int64(3), padding=[1, 0])),
    ],
    ids=str,
)
def test_pool_sizes_may_be_numpy_integers_and_lists_as_in_torch(cls, tcls, kw):
    layer = cls(**kw)
    x = randn(2, 3, 8) if cls in (sd.nn.MaxPool1d, sd.nn.AvgPool1d) else randn(2, 3, 8, 9)
    compare(layer, tcls(**kw), [x])
    for option, value in kw.items():
        got = getattr(layer, option)
        assert got == (tuple(value) if isinstance(value, list) else int(value))
        assert f"{option}={got!r}" in repr(layer)


def test_adaptive_pool1d_takes_a_numpy_integer():
    layer = sd.nn.AdaptiveAvgPool1d(np.int64(4))
    assert type(layer.output_size) is int and repr(layer) == "AdaptiveAvgPool1d(output_size=4)"
    assert layer(sd.ones((1, 2, 9))).shape == (1, 2, 4)
