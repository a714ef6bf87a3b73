"""adaptive_avg_pool2d, adaptive_max_pool2d and interpolate against PyTorch (values and
gradients, f32 and f64), by central differences, their errors, and their rules over symbols
and `DYN`."""

import re

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.resample import adaptive_pool2d_rule, interpolate_rule

F = torch.nn.functional
N, C, H, W = dims.sym("N"), dims.sym("C"), dims.sym("H"), dims.sym("W")

ADAPTIVE = [
    ((2, 3, 8, 6), (4, 3)),
    ((2, 3, 7, 5), (3, 2)),  # windows that overlap
    ((1, 2, 5, 9), 1),  # global pooling
    ((2, 2, 4, 5), (6, 7)),  # larger than the input
    ((3, 7, 5), (None, 2)),
    ((3, 8, 6), (2, 3)),  # 3-d, tiles of a plain pool
    ((2, 2, 24, 24), 2),  # tiles of 144 cells: the passes, not the pool
]


@pytest.mark.parametrize(
    "shape,out",
    [
        ((1, 2, 4, 6), (2, 3)),
        ((1, 1, 6, 6), 1),
        # NOTE: windows that are not a plain pool's tiles take the passes along each axis,
        # which sent a tie to the first row of the first column holding the maximum
        ((1, 2, 7, 5), (3, 2)),
        ((2, 9, 7), 3),
        ((1, 1, 24, 24), 2),
    ],
)
@pytest.mark.parametrize("fill", ["zeros", "integers"])
def test_adaptive_max_pool_sends_ties_to_the_first_maximum_like_torch(shape, out, fill):
    # NOTE: zeros tie every window; small integers tie some cells of some
    rng = np.random.default_rng(1)
    x = np.zeros(shape) if fill == "zeros" else rng.integers(-2, 3, shape).astype(float)
    compare(
        lambda a: sd.ops.adaptive_max_pool2d(a, out),
        lambda t: F.adaptive_max_pool2d(t, out),
        [x],
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,out", ADAPTIVE)
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pools_match_torch(kind, shape, out, dtype):
    compare(
        lambda x: getattr(sd.ops, f"adaptive_{kind}_pool2d")(x, out),
        lambda t: getattr(F, f"adaptive_{kind}_pool2d")(t, out),
        [randn(*shape, dtype=dtype)],
    )


INTERPOLATE = [
    ((2, 3, 4, 5), {"size": (8, 10)}),
    ((2, 3, 7, 5), {"size": (4, 9)}),
    ((1, 2, 5, 3), {"scale_factor": 2}),
    ((1, 2, 5, 3), {"scale_factor": 1.7}),
    ((1, 2, 6, 4), {"scale_factor": (0.5, 2.5)}),
    ((2, 3, 4, 4), {"size": 4}),
    ((2, 3, 6), {"size": 13}),
    # NOTE: whole factors: nearest takes its repeat path
    ((2, 3, 5), {"scale_factor": 3}),
    ((1, 2, 3, 4), {"size": (6, 12)}),
    ((1, 2, 3, 4), {"scale_factor": (1, 2)}),
]


MODES = [("nearest", False), ("bilinear", False), ("bilinear", True)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "mode,align,shape,kw",
    [(m, a, s, k) for m, a in MODES for s, k in INTERPOLATE if m == "nearest" or len(s) == 4],
)
def test_interpolate_matches_torch(mode, align, shape, kw, dtype):
    extra = {"align_corners": align} if mode == "bilinear" else {}
    compare(
        lambda x: sd.ops.interpolate(x, mode=mode, **kw, **extra),
        lambda t: F.interpolate(t, mode=mode, **kw, **extra),
        [randn(*shape, dtype=dtype)],
    )


@pytest.mark.parametrize(
    "shape,factor", [((2, 3, 5), 1.03), ((2, 3, 4), 2.07), ((1, 2, 7), 1.08), ((1, 1, 4, 5), 1.1)]
)
def test_nearest_by_a_factor_whose_size_is_kept_or_doubled_matches_torch(shape, factor):
    """torch's 1-d kernel scales every index by the factor (1.03 of 5 entries picks
    `[0, 0, 1, 2, 3]`), its 2-d one copies or halves it when the size is kept or doubled; the
    1-d form took the 2-d shortcut. torch's 1-d backward takes the shortcut all the same,
    which is not the gradient of its forward: the gradient is checked by differences."""
    x = randn(*shape, dtype="float64")
    factors = factor if len(shape) == 3 else (1.0, factor)
    compare(
        lambda a: sd.ops.interpolate(a, scale_factor=factors),
        lambda t: torch.nn.functional.interpolate(t, scale_factor=factors),
        [x],
        grad=False,
    )
    central_difference(lambda a: sd.ops.interpolate(a, scale_factor=factors), [x])


@pytest.mark.parametrize(
    "call,torch_call,message",
    [
        (
            lambda x: sd.ops.adaptive_avg_pool2d(x, 3),
            lambda t: F.adaptive_avg_pool2d(t, 3),
            r"^adaptive_avg_pool2d: x must be a float tensor, not int64",
        ),
        (
            lambda x: sd.ops.adaptive_avg_pool2d(x, (4, 4)),
            lambda t: F.adaptive_avg_pool2d(t, (4, 4)),
            r"^adaptive_avg_pool2d: x must be a float tensor, not int64",
        ),
        (
            lambda x: sd.ops.interpolate(x, scale_factor=1.5, mode="bilinear"),
            lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear"),
            r"^interpolate: x must be a float tensor with mode='bilinear', not int64",
        ),
    ],
)
def test_means_and_blends_of_integers_are_refused_as_in_torch(call, torch_call, message):
    """They gave float64 (windows of another size), int64 truncated (a plain pool's tiles) or
    zeros (bilinear) by the path taken; torch refuses integers for them."""
    x = np.arange(2 * 36).reshape(2, 1, 6, 6)
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch_call(torch.from_numpy(x))
    with pytest.raises(TypeError, match=message):
        call(sd.tensor(x))


def test_bfloat16_is_a_float_to_the_adaptive_mean():
    """bfloat16's NumPy kind is "V", not "f": the integer check must know it by name."""
    x = randn(1, 2, 5, 4)
    got = sd.ops.adaptive_avg_pool2d(sd.from_numpy(x).astype(sd.bf16), (3, 2)).numpy()
    want = F.adaptive_avg_pool2d(torch.from_numpy(x).bfloat16(), (3, 2)).float().numpy()
    assert got.dtype.name == "bfloat16"
    np.testing.assert_allclose(got.astype("float32"), want, rtol=2e-2, atol=1e-2)


def test_gradients_by_differences():
    x = randn(1, 2, 5, 4, dtype="float64")
    central_difference(
        lambda v: (
            sd.ops.adaptive_avg_pool2d(sd.ops.interpolate(v, size=(7, 3), mode="bilinear"), (3, 2))
            * sd.ops.adaptive_max_pool2d(sd.ops.interpolate(v, scale_factor=1.5), (3, 2))
        ),
        [x],
    )


AP = r"adaptive_(avg|max)_pool2d: shape \(2, 3, 6, 5\)"
IP = r"interpolate: shape \(2, 3, 6, 5\)"
ERRORS = [
    (lambda x: sd.ops.adaptive_avg_pool2d(x[0, 0], 2), r"adaptive_avg_pool2d: shape \(6, 5\): "
     r"needs \(N, C, H, W\) or \(C, H, W\), not rank 2"),
    (lambda x: sd.ops.adaptive_max_pool2d(x, (2, 0)), AP + r": output_size \(2, 0\) must be pos"),
    (lambda x: sd.ops.adaptive_avg_pool2d(x, (1, 2, 3)), AP + r": output_size \(1, 2, 3\) must "),
    (lambda x: sd.ops.interpolate(x), IP + ": give exactly one of size and scale_factor"),
    (lambda x: sd.ops.interpolate(x, size=4, scale_factor=2), IP + ": give exactly one"),
    (lambda x: sd.ops.interpolate(x[0], size=4, mode="bilinear"), r"interpolate: shape "
     r"\(3, 6, 5\): mode 'bilinear' needs a 4-d input, not rank 3"),
    (lambda x: sd.ops.interpolate(x, size=(4, 5, 6)), IP + r": size \(4, 5, 6\) has 3 sizes for 2"),
    (lambda x: sd.ops.interpolate(x, scale_factor=-2.0), IP + r": scale_factor -2.0 must be pos"),
]  # fmt: skip


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shape_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((2, 3, 6, 5)))


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("factor,axis", [(0.1, 2), ((2.0, 0.1), 3)])
def test_a_factor_that_floors_a_size_to_0_is_an_error_as_in_torch(mode, factor, axis):
    with pytest.raises(RuntimeError, match="output sizes should be greater than 0"):
        F.interpolate(torch.ones(2, 3, 6, 5), scale_factor=factor, mode=mode)
    message = IP + rf": scale_factor {re.escape(repr(factor))} gives size 0 at axis {axis}; "
    with pytest.raises(sd.ShapeError, match=message + "every output size must be at least 1"):
        sd.ops.interpolate(sd.ones((2, 3, 6, 5)), scale_factor=factor, mode=mode)


def test_mode_errors():
    with pytest.raises(ValueError, match="interpolate: mode 'bicubic' is not one of"):
        sd.ops.interpolate(sd.ones((1, 1, 2, 2)), size=3, mode="bicubic")
    with pytest.raises(ValueError, match="align_corners applies to mode='bilinear' only"):
        sd.ops.interpolate(sd.ones((1, 1, 2, 2)), size=3, align_corners=True)


def test_rules_over_symbols_and_dyn():
    assert adaptive_pool2d_rule("adaptive_avg_pool2d", (N, C, H, W), 1) == (N, C, 1, 1)
    assert adaptive_pool2d_rule("adaptive_max_pool2d", (N, C, H, W), (None, 3)) == (N, C, H, 3)
    assert adaptive_pool2d_rule("adaptive_max_pool2d", (N, C, H, W), DYN) == (N, C, DYN, DYN)
    assert adaptive_pool2d_rule("adaptive_avg_pool2d", (N, C, H, W), (H, DYN)) == (N, C, H, DYN)
    assert interpolate_rule("interpolate", (N, C, H, W), scale_factor=2) == (
        N, C, dims.mul(2, H), dims.mul(2, W),
    )  # fmt: skip
    assert interpolate_rule("interpolate", (N, C, H, W), scale_factor=2.0, mode="bilinear") == (
        N, C, dims.mul(2, H), dims.mul(2, W),
    )  # fmt: skip
    assert interpolate_rule("interpolate", (N, C, H, W), scale_factor=1.5) == (N, C, DYN, DYN)
    assert interpolate_rule("interpolate", (N, C, 5, 3), scale_factor=1.5) == (N, C, 7, 4)
    assert interpolate_rule("interpolate", (N, C, H, W), size=(W, DYN)) == (N, C, W, DYN)
    assert interpolate_rule("interpolate", (N, C, H, W), scale_factor=DYN) == (N, C, DYN, DYN)
