"""Upsample, AdaptiveAvgPool2d and AdaptiveMaxPool2d against torch.nn (values and input
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
]


@pytest.mark.parametrize("layer,shape,message", ERRORS)
def test_shape_errors(layer, shape, message):
    with pytest.raises(sd.ShapeError, match=message):
        layer(sd.ones(shape))
