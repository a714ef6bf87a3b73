"""Constant, reflect, replicate and circular padding against PyTorch (NumPy's pad_width
converted to torch's order), errors, and the rule over symbols."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd
from shapedl import dims
from shapedl.ops.pad import pad_rule

B, T = dims.sym("B"), dims.sym("T")


def torch_pad(t: torch.Tensor, pad_width, value: float = 0.0, mode="constant") -> torch.Tensor:
    """torch's F.pad with NumPy's pad_width (per-axis pairs, first axis first)."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (t.ndim, 2))
    flat = [int(w) for pair in reversed(widths.tolist()) for w in pair]
    if mode != "constant":  # NOTE: torch copies along the last 1 to 3 axes only
        flat = flat[: 2 * (t.ndim - 2)] if t.ndim > 2 else flat
        return torch.nn.functional.pad(t, flat, mode=mode)
    return torch.nn.functional.pad(t, flat, value=value)


PADS = [
    ((3, 4), 1, 0.0),
    ((3, 4), (1, 2), 0.5),
    ((3, 4), ((0, 0), (2, 1)), -1.0),
    ((2, 3, 4), ((1, 0), (0, 0), (0, 3)), 0.0),
    ((2, 3), (2,), 1.0),
    ((2, 3), ((1, 2),), 0.0),
    ((5,), ((0, 0),), 3.0),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,pad_width,value", PADS)
def test_pad_matches_torch(shape, pad_width, value, dtype):
    compare(
        lambda x: sd.ops.pad(x, pad_width, value),
        lambda t: torch_pad(t, pad_width, value),
        [randn(*shape, dtype=dtype)],
    )


COPIES = [
    ((2, 3, 4, 5), ((0, 0), (0, 0), (3, 1), (0, 4))),
    ((2, 3, 6), ((0, 0), (0, 0), (2, 5))),
    ((1, 2, 3, 4, 5), ((0, 0), (0, 0), (1, 2), (2, 0), (3, 3))),
    ((2, 3, 4, 5), ((0, 0), (0, 0), (1, 1), (1, 1))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad_width", COPIES)
def test_copying_modes_match_torch(shape, pad_width, mode, dtype):
    """CycleGAN's ReflectionPad2d, ESRGAN's replicate: values and gradients, where torch's
    F.pad takes them (the last 1 to 3 axes of a batch of channels)."""
    if mode != "replicate" and any(max(p) >= n for p, n in zip(pad_width, shape, strict=True)):
        pytest.skip("beyond what torch takes")
    compare(
        lambda x: sd.ops.pad(x, pad_width, mode=mode),
        lambda t: torch_pad(t, pad_width, mode=mode),
        [randn(*shape, dtype=dtype)],
    )


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_copying_modes_read_like_numpy_and_differentiate(mode):
    x = randn(3, 4)
    numpys = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    got = sd.ops.pad(sd.from_numpy(x), ((1, 2), (3, 0)), mode=mode).numpy()
    np.testing.assert_array_equal(got, np.pad(x, ((1, 2), (3, 0)), mode=numpys))
    central_difference(lambda v: sd.ops.pad(v, ((2, 1), (0, 3)), mode=mode) ** 2, [x])


MODE_ERRORS = [
    ("reflect", ((0, 0), (3, 0)), r"pad: shape \(2, 3\): reflect padding \(3, 0\) of axis 1 "
     r"must be below its size 3, as PyTorch's"),
    ("circular", ((3, 0), (0, 0)), r"pad: shape \(2, 3\): circular padding \(3, 0\) of axis 0 "
     r"must be at most its size 2"),
    ("wrap", 1, r"pad: unknown mode 'wrap'; use one of 'constant', 'reflect'"),
]


@pytest.mark.parametrize("mode,pad_width,message", MODE_ERRORS)
def test_copying_mode_errors_name_op_shape_and_axis(mode, pad_width, message):
    with pytest.raises(ValueError, match=message):
        sd.ops.pad(sd.ones((2, 3)), pad_width, mode=mode)
    with pytest.raises(ValueError, match=r"pad: value 1.0 is for mode='constant', not 'reflect'"):
        sd.ops.pad(sd.ones((2, 3)), 1, 1.0, mode="reflect")


def test_pad_width_reads_like_numpy():
    x = randn(2, 3)
    for pad_width in (1, (1, 2), (3,), ((1, 2),), ((1, 2), (3, 4)), [[1], [2]], np.int64(2)):
        got = sd.ops.pad(sd.from_numpy(x), pad_width, 0.25)
        np.testing.assert_array_equal(got.numpy(), np.pad(x, pad_width, constant_values=0.25))


def test_pad_gradient_by_differences():
    central_difference(lambda x: sd.ops.pad(x, ((1, 0), (2, 2))) ** 2, [randn(2, 3)])


ERRORS = [
    ((1, 2, 3), r"pad: shape \(2, 3\): pad_width \(1, 2, 3\) does not give \(before, after\)"),
    (((1, 1), (1, 1), (1, 1)), r"pad: shape \(2, 3\): .*for rank 2"),
    (((0, 0), (1, -1)), r"pad: shape \(2, 3\): pad_width \(1, -1\) of axis 1 is negative"),
    (-2, r"pad: shape \(2, 3\): pad_width \(-2, -2\) of axis 0 is negative"),
]


@pytest.mark.parametrize("pad_width,message", ERRORS)
def test_errors_name_op_shape_and_axis(pad_width, message):
    with pytest.raises(sd.ShapeError, match=message):
        sd.ops.pad(sd.ones((2, 3)), pad_width)


def test_rule_over_symbols():
    assert pad_rule("pad", (B, T), ((0, 0), (1, 2))) == (B, dims.add(T, 3))
    assert pad_rule("pad", (B, dims.DYN), 1) == (dims.add(B, 2), dims.DYN)
    assert pad_rule("pad", (B,), ((T, 1),)) == (dims.add(dims.add(B, T), 1),)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=3
    )
)
def test_random_pads_match_torch(axes):
    shape = [n for n, _, _ in axes]
    pad_width = [(b, a) for _, b, a in axes]
    compare(
        lambda x: sd.ops.pad(x, pad_width, 1.5),
        lambda t: torch_pad(t, pad_width, 1.5),
        [randn(*shape)],
    )
