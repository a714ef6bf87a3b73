"""Conv1d, Conv2d and ConvTranspose2d against torch.nn with the same weights."""

import itertools

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from tests.nn.helpers import check_module

CONV2D = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=4, kernel_size=(3, 2), stride=2, padding=1),
    dict(in_channels=4, out_channels=6, kernel_size=3, padding="same", dilation=2, groups=2),
    dict(in_channels=3, out_channels=4, kernel_size=2, bias=False),
]


@pytest.mark.parametrize("kw", CONV2D, ids=str)
def test_conv2d_matches_torch(kw):
    x = randn(2, kw["in_channels"], 7, 8)
    check_module(sd.nn.Conv2d(**kw), torch.nn.Conv2d(**kw), [x])


CONV1D = [
    dict(in_channels=2, out_channels=3, kernel_size=3),
    dict(in_channels=4, out_channels=2, kernel_size=3, stride=2, padding=1, groups=2),
]


@pytest.mark.parametrize("kw", CONV1D, ids=str)
def test_conv1d_matches_torch(kw):
    check_module(sd.nn.Conv1d(**kw), torch.nn.Conv1d(**kw), [randn(2, kw["in_channels"], 9)])


CONVT = [
    dict(in_channels=3, out_channels=2, kernel_size=3),
    dict(in_channels=4, out_channels=2, kernel_size=2, stride=2),
    dict(in_channels=2, out_channels=3, kernel_size=3, stride=2, padding=1, output_padding=1),
]


@pytest.mark.parametrize("kw", CONVT, ids=str)
def test_conv_transpose2d_matches_torch(kw):
    x = randn(2, kw["in_channels"], 4, 5)
    check_module(sd.nn.ConvTranspose2d(**kw), torch.nn.ConvTranspose2d(**kw), [x])


# ---- every option against every other, in float64 to 1e-9 ------------------------------
F64 = dict(rtol=1e-9, atol=1e-10)


def _options(strides, paddings, dilations):
    """Every combination of the options, with and without a bias in turn."""
    for i, (stride, padding, dilation, groups) in enumerate(
        itertools.product(strides, paddings, dilations, (1, 2))
    ):
        if padding != "same" or stride == 1:  # NOTE: torch refuses "same" with a stride
            bias = i % 2 == 0
            yield dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)


CONV2D_OPTIONS = list(_options((1, (2, 1)), (0, (2, 1), "same", "valid"), (1, (1, 2))))
CONV1D_OPTIONS = list(_options((1, 2), (1, "same", "valid"), (1, 2)))


@pytest.mark.parametrize("kw", CONV2D_OPTIONS, ids=str)
def test_conv2d_options_match_torch_in_float64(kw):
    # NOTE: an even kernel width under "same" pads one more after than before, as torch does
    layer, tlayer = sd.nn.Conv2d(4, 6, (3, 2), **kw), torch.nn.Conv2d(4, 6, (3, 2), **kw)
    check_module(layer.astype(sd.f64), tlayer.double(), [randn(2, 4, 9, 8, dtype="float64")], **F64)


@pytest.mark.parametrize("kw", CONV1D_OPTIONS, ids=str)
def test_conv1d_options_match_torch_in_float64(kw):
    layer, tlayer = sd.nn.Conv1d(4, 6, 4, **kw), torch.nn.Conv1d(4, 6, 4, **kw)
    check_module(layer.astype(sd.f64), tlayer.double(), [randn(2, 4, 11, dtype="float64")], **F64)


# every output padding each stride and dilation allow, the padding and groups in turn
CONVT_OPTIONS = [
    dict(stride=s, padding=i % 2, output_padding=o, dilation=d, groups=1 + i // 2 % 2)
    for i, (s, o, d) in enumerate(
        (s, o, d) for s, o, d in itertools.product((1, 2, 3), (0, 1, 2), (1, 2)) if o < max(s, d)
    )
] + [dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2), bias=False)]


@pytest.mark.parametrize("kw", CONVT_OPTIONS, ids=str)
def test_conv_transpose2d_options_match_torch_in_float64(kw):
    layer, tlayer = sd.nn.ConvTranspose2d(4, 6, 3, **kw), torch.nn.ConvTranspose2d(4, 6, 3, **kw)
    check_module(layer.astype(sd.f64), tlayer.double(), [randn(2, 4, 5, 4, dtype="float64")], **F64)


@pytest.mark.parametrize(
    "layer,fan_in",
    [
        (sd.nn.Conv2d(6, 8, 3, groups=2), 3 * 9),
        (sd.nn.Conv1d(4, 8, 5), 4 * 5),
        (sd.nn.ConvTranspose2d(6, 4, 3), 4 * 9),
    ],
)
def test_init_bounds_follow_pytorch_fan_in(layer, fan_in):
    bound = 1 / np.sqrt(fan_in)
    for t in (layer.weight, layer.bias):
        a = np.abs(t.numpy())
        assert a.max() <= bound and a.max() > 0.5 * bound


def test_weight_layouts():
    assert sd.nn.Conv2d(3, 8, (3, 5), groups=1).weight.shape == (8, 3, 3, 5)
    assert sd.nn.Conv1d(4, 8, 3, groups=2).weight.shape == (8, 2, 3)
    assert sd.nn.ConvTranspose2d(4, 6, 2, groups=2).weight.shape == (4, 3, 2, 2)


def test_groups_must_divide_channels():
    with pytest.raises(ValueError, match="groups=2"):
        sd.nn.Conv2d(3, 4, 3, groups=2)
    # NOTE: this said "must both be divisible by groups=0"
    for cls in (sd.nn.Conv1d, sd.nn.Conv2d, sd.nn.ConvTranspose2d):
        with pytest.raises(ValueError, match=rf"^{cls.__name__}: groups=0 must be a positive int"):
            cls(4, 6, 3, groups=0)


def test_channel_mismatch_is_a_shape_error():
    with pytest.raises(sd.ShapeError):
        sd.nn.Conv2d(3, 4, 3)(sd.ones((1, 2, 8, 8)))


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: sd.nn.Conv2d(1, 8, (3, 3, 3)), r"Conv2d: kernel_size must be an int or 2 ints"),
        (lambda: sd.nn.Conv1d(1, 8, 3, stride=(1, 2)), r"Conv1d: stride must be an int or a 1-"),
        (lambda: sd.nn.Conv2d(1, 8, 3, dilation=(1,)), r"Conv2d: dilation must be an int or 2"),
        (lambda: sd.nn.ConvTranspose2d(1, 8, (2, 2, 2)), r"ConvTranspose2d: kernel_size must"),
    ],
)
def test_sizes_of_the_wrong_length_are_refused_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_kernel_size_is_kept_as_pytorch_keeps_it():
    for kw in (*CONV2D, *CONV1D):
        cls = sd.nn.Conv2d if kw in CONV2D else sd.nn.Conv1d
        torch_cls = torch.nn.Conv2d if kw in CONV2D else torch.nn.Conv1d
        assert cls(**kw).kernel_size == torch_cls(**kw).kernel_size


def test_a_conv_without_bias_says_bias_false_as_torch():
    # NOTE: the field is None; PyTorch's repr says bias=False
    for layer in (sd.nn.Conv2d(2, 3, 3, bias=False), sd.nn.ConvTranspose2d(2, 3, 3, bias=False)):
        assert repr(layer).endswith("bias=False)")
    assert "bias" not in repr(sd.nn.Conv1d(2, 3, 3))


# ---- ConvTranspose1d ----------------------------------------------------------------------
CONVT1D = [
    dict(in_channels=3, out_channels=2, kernel_size=3),
    dict(in_channels=4, out_channels=2, kernel_size=4, stride=2, padding=1),
    dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1,
         groups=2, dilation=1, bias=False),
    dict(in_channels=2, out_channels=3, kernel_size=3, stride=3, output_padding=1, dilation=2),
]  # fmt: skip


@pytest.mark.parametrize("kw", CONVT1D, ids=str)
def test_conv_transpose1d_matches_torch_in_float64(kw):
    layer, tlayer = sd.nn.ConvTranspose1d(**kw), torch.nn.ConvTranspose1d(**kw)
    x = randn(2, kw["in_channels"], 6, dtype="float64")
    check_module(layer.astype(sd.f64), tlayer.double(), [x], **F64)


def test_conv_transpose1d_is_registered_initialised_and_laid_out_as_torch():
    layer = sd.nn.ConvTranspose1d(6, 4, 3, groups=2)
    assert layer.weight.shape == tuple(torch.nn.ConvTranspose1d(6, 4, 3, groups=2).weight.shape)
    bound = 1 / np.sqrt(2 * 3)  # NOTE: fan_in of a transposed layer: out_channels / groups * K
    assert 0.5 * bound < np.abs(layer.weight.numpy()).max() <= bound
    assert layer.kernel_size == (3,)
    assert "shapedl.nn.conv.ConvTranspose1d" in sd.nn.registry.LAYERS
    with pytest.raises(ValueError, match=r"^ConvTranspose1d: kernel_size must be an int or a 1-"):
        sd.nn.ConvTranspose1d(2, 2, (3, 3))


# ---- sizes as PyTorch takes them: NumPy integers and lists -------------------------------
NUMPY_SIZES = [
    (sd.nn.Conv1d, torch.nn.Conv1d, (2, 3, np.int64(3)),
     dict(stride=[2], padding=np.int32(2), dilation=(2 ** np.arange(3))[1]), (2, 2, 11)),
    (sd.nn.Conv2d, torch.nn.Conv2d, (2, 3, [3, 2]),
     dict(stride=np.int64(2), padding=[1, np.int64(0)], dilation=[np.int8(1), 2]), (2, 2, 7, 8)),
    (sd.nn.ConvTranspose2d, torch.nn.ConvTranspose2d, (2, 3, [3, 2]),
     dict(stride=[2, 1], padding=np.int64(1), output_padding=[np.int64(1), 0]), (2, 2, 4, 5)),
    (sd.nn.ConvTranspose1d, torch.nn.ConvTranspose1d, (2, 3, np.int64(3)),
     dict(stride=[2], padding=np.int16(1), dilation=np.int64(2)), (2, 2, 6)),
]  # fmt: skip


@pytest.mark.parametrize("cls,tcls,args,kw,shape", NUMPY_SIZES, ids=str)
def test_numpy_integers_and_lists_are_sizes_as_in_torch(cls, tcls, args, kw, shape):
    """A WaveNet's dilations `2 ** np.arange(n)` or `kernel_size=[3]`: the constructor took
    them, left them out of its repr, and the first call failed with `dilation must be an int
    or 1 ints, got np.int64(4)`."""
    layer = cls(*args, **kw)
    check_module(layer, tcls(*args, **kw), [randn(*shape)])
    for option in ("stride", "padding", "dilation"):
        value = getattr(layer, option)
        assert f"{option}={value!r}" in repr(layer)
        assert type(value) is int or all(type(i) is int for i in value)


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: sd.nn.Conv1d(2, 2, 2.0), r"^Conv1d: kernel_size must be an int or a 1-tuple of "),
        (lambda: sd.nn.Conv2d(2, 2, 3, stride=[1.5, 1]), r"^Conv2d: stride must be an int or 2 "),
        (lambda: sd.nn.ConvTranspose1d(2, 2, 3, dilation=True), r"^ConvTranspose1d: dilation"),
    ],
)
def test_sizes_that_are_not_ints_are_refused_at_construction(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_a_padding_string_other_than_same_or_valid_is_refused_at_construction():
    with pytest.raises(ValueError, match=r"^Conv1d: padding 'smae' must be 'same', 'valid'"):
        sd.nn.Conv1d(2, 2, 3, padding="smae")
