"""Upsample, AdaptiveAvgPool2d, AdaptiveMaxPool2d, the pads (ZeroPad2d, ReflectionPad2d,
ReplicationPad2d) and PixelShuffle/PixelUnshuffle against torch.nn (values and input
gradients, f32 and f64), and their shape errors."""

import pytest
import torch
from harness import compare, randn

import shapedl as sd

CASES = [
    ("up-nearest", sd.nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    ("up-size-1d", sd.nn.Upsample(size=7), torch.nn.Upsample(size=7), (2, 3, 4)),
    (
        "up-bilinear",
        sd.nn.Upsample(size=(5, 3), mode="bilinear"),
        torch.nn.Upsample(size=(5, 3), mode="bilinear"),
        (1, 2, 4, 4),
    ),
    (
        "up-bilinear-corners",
        sd.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
        torch.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
        (2, 1, 4, 6),
    ),
    ("avg", sd.nn.AdaptiveAvgPool2d((3, 2)), torch.nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    ("avg-global-3d", sd.nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1), (3, 4, 6)),
    (
        "avg-none",
        sd.nn.AdaptiveAvgPool2d((None, 2)),
        torch.nn.AdaptiveAvgPool2d((None, 2)),
        (1, 2, 5, 7),
    ),
    ("max", sd.nn.AdaptiveMaxPool2d((2, 3)), torch.nn.AdaptiveMaxPool2d((2, 3)), (2, 3, 7, 5)),
    ("max-global", sd.nn.AdaptiveMaxPool2d(1), torch.nn.AdaptiveMaxPool2d(1), (2, 3, 4, 4)),
    ("zero-pad", sd.nn.ZeroPad2d(2), torch.nn.ZeroPad2d(2), (2, 3, 4, 5)),
    ("zero-pad-4", sd.nn.ZeroPad2d((1, 0, 2, 3)), torch.nn.ZeroPad2d((1, 0, 2, 3)), (3, 4, 5)),
    ("reflect", sd.nn.ReflectionPad2d(3), torch.nn.ReflectionPad2d(3), (2, 3, 4, 5)),
    (
        "reflect-4",
        sd.nn.ReflectionPad2d((4, 1, 0, 2)),
        torch.nn.ReflectionPad2d((4, 1, 0, 2)),
        (3, 4, 5),
    ),
    ("replicate", sd.nn.ReplicationPad2d((2, 0, 1, 3)), torch.nn.ReplicationPad2d((2, 0, 1, 3)),
     (2, 3, 4, 5)),
    ("shuffle", sd.nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (2, 12, 3, 4)),
    ("shuffle-3-5d", sd.nn.PixelShuffle(3), torch.nn.PixelShuffle(3), (2, 2, 9, 2, 3)),
    ("unshuffle", sd.nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), (2, 3, 4, 6)),
    ("unshuffle-3d", sd.nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3), (2, 6, 3)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,layer,tlayer,shape", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, layer, tlayer, shape, dtype):
    compare(layer, tlayer, [randn(*shape, dtype=dtype)])


ERRORS = [
    (
        sd.nn.Upsample(scale_factor=2, mode="bilinear"),
        (2, 3, 4),
        r"interpolate: shape \(2, 3, 4\): mode 'bilinear' needs a 4-d input, not rank 3",
    ),
    (sd.nn.Upsample(), (2, 3, 4), r"interpolate: shape \(2, 3, 4\): give exactly one of size"),
    (
        sd.nn.AdaptiveAvgPool2d(2),
        (4, 5),
        r"adaptive_avg_pool2d: shape \(4, 5\): needs \(N, C, H, W\) or \(C, H, W\), not rank 2",
    ),
    (
        sd.nn.AdaptiveMaxPool2d((2, 0)),
        (1, 2, 4, 4),
        r"adaptive_max_pool2d: shape \(1, 2, 4, 4\): output_size \(2, 0\) must be positive",
    ),
    (
        sd.nn.ReflectionPad2d((0, 0, 4, 1)),
        (1, 2, 4, 6),
        r"ReflectionPad2d: shape \(1, 2, 4, 6\): reflect padding \(4, 1\) of axis 2 must be "
        r"below its size 4",
    ),
    (
        sd.nn.ZeroPad2d(1),
        (4, 5),
        r"ZeroPad2d: shape \(4, 5\): needs \(N, C, H, W\) or \(C, H, W\), not rank 2",
    ),
    (
        sd.nn.PixelShuffle(2),
        (1, 6, 4, 4),
        r"pixel_shuffle: shape \(1, 6, 4, 4\): size 6 of axis 1 is not a multiple of "
        r"upscale_factor \*\* 2 = 4",
    ),
    (
        sd.nn.PixelUnshuffle(2),
        (1, 2, 4, 5),
        r"pixel_unshuffle: shape \(1, 2, 4, 5\): size 5 of axis 3 is not a multiple of "
        r"downscale_factor 2",
    ),
]


@pytest.mark.parametrize("layer,shape,message", ERRORS)
def test_shape_errors(layer, shape, message):
    with pytest.raises(sd.ShapeError, match=message):
        layer(sd.ones(shape))


@pytest.mark.parametrize(
    "layer,tlayer",
    [
        (sd.nn.ZeroPad2d((1, 1, 2, 0)), torch.nn.ZeroPad2d((1, 1, 2, 0))),
        (sd.nn.ReflectionPad2d(1), torch.nn.ReflectionPad2d(1)),
        (sd.nn.ReplicationPad2d(2), torch.nn.ReplicationPad2d(2)),
        (sd.nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
        (sd.nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3)),
    ],
)
def test_repr_is_torchs(layer, tlayer):
    assert repr(layer) == repr(tlayer)


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: sd.nn.ZeroPad2d((1, 2)), r"ZeroPad2d: padding must be an int or 4 ints"),
        (lambda: sd.nn.ReflectionPad2d(-1), r"ReflectionPad2d: padding -1 is negative"),
        (lambda: sd.nn.PixelShuffle(0), r"PixelShuffle: upscale_factor must be an int of at"),
    ],
)
def test_construction_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
