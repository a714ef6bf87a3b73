"""Constant padding against PyTorch (NumPy's pad_width converted to torch's order), errors,
and the rule over symbols."""

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


def torch_pad(t: torch.Tensor, pad_width, value: float = 0.0) -> torch.Tensor:
    """torch's F.pad with NumPy's pad_width (per-axis pairs, first axis first)."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (t.ndim, 2))
    flat = [int(w) for pair in reversed(widths.tolist()) for w in pair]
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
