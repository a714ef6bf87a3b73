"""roll, flip, repeat, tile against PyTorch (values and gradients, f32 and f64), their errors,
and their rules over symbols and `DYN` options."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.rearrange import flip_rule, repeat_rule, roll_rule, tile_rule

B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")
R = torch.repeat_interleave

CASES = [
    ("roll", (5,), lambda x: sd.ops.roll(x, 2), lambda t: torch.roll(t, 2)),
    ("roll_flat", (2, 3), lambda x: sd.ops.roll(x, -4), lambda t: torch.roll(t, -4)),
    ("roll_axis", (2, 3, 4), lambda x: sd.ops.roll(x, 1, axis=-1), lambda t: torch.roll(t, 1, -1)),
    (
        "roll_axes",
        (2, 3, 4),
        lambda x: sd.ops.roll(x, (1, -5), axis=(0, 2)),
        lambda t: torch.roll(t, (1, -5), (0, 2)),
    ),
    (
        "roll_one_shift_two_axes",
        (2, 3, 4),
        lambda x: sd.ops.roll(x, 2, axis=(0, 2)),
        lambda t: torch.roll(t, (2, 2), (0, 2)),
    ),
    ("flip_all", (2, 3, 4), lambda x: sd.ops.flip(x), lambda t: torch.flip(t, (0, 1, 2))),
    ("flip_1", (2, 3, 4), lambda x: sd.ops.flip(x, 1), lambda t: torch.flip(t, (1,))),
    ("flip_02", (2, 3, 4), lambda x: sd.ops.flip(x, (0, -1)), lambda t: torch.flip(t, (0, 2))),
    # NOTE: PyTorch's method takes the axes one by one too (`x.flip(0, 1)`)
    ("flip_method_varargs", (2, 3, 4), lambda x: x.flip(0, -1), lambda t: t.flip(0, 2)),
    ("flip_method_tuple", (2, 3, 4), lambda x: x.flip((0, 1)), lambda t: t.flip((0, 1))),
    ("flip_method_one", (2, 3, 4), lambda x: x.flip(1), lambda t: t.flip(1)),
    ("flip_method_axis", (2, 3, 4), lambda x: x.flip(axis=2), lambda t: t.flip(dims=(2,))),
    ("repeat", (2, 3), lambda x: sd.ops.repeat(x, 2, axis=1), lambda t: R(t, 2, dim=1)),
    ("repeat_flat", (2, 3), lambda x: sd.ops.repeat(x, 3), lambda t: R(t, 3)),
    ("repeat_0", (2, 3), lambda x: sd.ops.repeat(x, 0, axis=0), lambda t: R(t, 0, dim=0)),
    (
        "repeat_counts",
        (3, 2),
        lambda x: sd.ops.repeat(x, [2, 0, 3], axis=0),
        lambda t: R(t, torch.tensor([2, 0, 3]), dim=0),
    ),
    ("tile", (2, 3), lambda x: sd.ops.tile(x, (2, 3)), lambda t: torch.tile(t, (2, 3))),
    ("tile_int", (2, 3), lambda x: sd.ops.tile(x, 2), lambda t: torch.tile(t, (2,))),
    ("tile_more", (3,), lambda x: sd.ops.tile(x, (2, 1, 2)), lambda t: torch.tile(t, (2, 1, 2))),
    ("tile_0d", (), lambda x: sd.ops.tile(x, 3), lambda t: torch.tile(t, (3,))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,op,top", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, shape, op, top, dtype):
    compare(op, top, [randn(*shape, dtype=dtype)])


def test_gradients_by_differences():
    central_difference(
        lambda x: sd.ops.tile(sd.ops.repeat(sd.ops.roll(sd.ops.flip(x, 0), 1, 1), [1, 2], 0), 2),
        [randn(2, 3, dtype="float64")],
    )


def test_integer_and_bool_tensors_keep_their_dtype():
    x = sd.tensor([[1, 2], [3, 4]])
    assert sd.ops.tile(x, 2).numpy().dtype == np.int64
    assert sd.ops.flip(x > 2, 0).tolist() == [[True, True], [False, False]]


ERRORS = [
    (lambda x: sd.ops.roll(x, 1, axis=3), r"roll: shape \(2, 3, 4\): axis 3 is out of range"),
    (lambda x: sd.ops.roll(x, (1, 2), axis=(0,)), r"roll: shape \(2, 3, 4\): 2 shifts for 1"),
    (lambda x: sd.ops.roll(x, (1, 2)), r"roll: shape \(2, 3, 4\): several shifts need an axis"),
    (lambda x: sd.ops.flip(x, -4), r"flip: shape \(2, 3, 4\): axis -4 is out of range"),
    (lambda x: sd.ops.flip(x, (1, -2)), r"flip: shape \(2, 3, 4\): axis \(1, -2\) repeats"),
    (lambda x: x.flip(1, -2), r"flip: shape \(2, 3, 4\): axis \(1, -2\) repeats"),
    (lambda x: sd.ops.repeat(x, 2, axis=3), r"repeat: shape \(2, 3, 4\): axis 3 is out of"),
    (lambda x: sd.ops.repeat(x, -1, axis=0), r"repeat: shape \(2, 3, 4\): repeats -1 is neg"),
    (
        lambda x: sd.ops.repeat(x, [1, 2], axis=1),
        r"repeat: shape \(2, 3, 4\): 2 repeats for 3 values at axis 1; give one per value",
    ),
    (lambda x: sd.ops.tile(x, (2, -1)), r"tile: shape \(2, 3, 4\): reps \(2, -1\) has a neg"),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shapes_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((2, 3, 4)))


def test_flip_method_takes_the_axes_by_position_or_by_name_not_both():
    with pytest.raises(TypeError, match="flip: give the axes by position or as axis=, not both"):
        sd.ones((2, 3)).flip(0, axis=1)


def test_rules_over_symbols():
    assert roll_rule("roll", (B, T), 3, 1) == (B, T)
    assert flip_rule("flip", (B, T, C), (0, 2)) == (B, T, C)
    assert repeat_rule("repeat", (B, T), 2, 1) == (B, dims.mul(2, T))
    assert repeat_rule("repeat", (B, T), C, 0) == (dims.mul(B, C), T)
    assert repeat_rule("repeat", (B, T), 2) == (dims.mul(dims.mul(B, T), 2),)
    assert repeat_rule("repeat", (B, 3), [1, 0, 4], 1) == (B, 5)
    assert tile_rule("tile", (B, T), (C, 2)) == (dims.mul(B, C), dims.mul(2, T))
    assert tile_rule("tile", (T,), (2, 1)) == (2, T)


def test_rules_take_dyn_options_without_raising():
    assert roll_rule("roll", (B, T), DYN, DYN) == (B, T)
    assert flip_rule("flip", (B, T), DYN) == (B, T)
    assert repeat_rule("repeat", (B, T), DYN, 1) == (B, DYN)
    assert repeat_rule("repeat", (B, T), 2, DYN) == (DYN, DYN)
    assert repeat_rule("repeat", (B, 2), [DYN, 1], 1) == (B, DYN)
    assert tile_rule("tile", (B, T), (DYN, 2)) == (DYN, dims.mul(2, T))
    assert repeat_rule("repeat", (B, DYN), [1, 2], 1) == (B, 3)


def test_repeat_interleave_is_repeat_under_pytorchs_name():
    x = randn(2, 3, dtype="float64")
    compare(lambda v: v.repeat_interleave(2, 1), lambda t: t.repeat_interleave(2, 1), [x])
    compare(lambda v: sd.repeat_interleave(v, 3), lambda t: torch.repeat_interleave(t, 3), [x])
    assert sd.ops.repeat_interleave is sd.ops.repeat


def test_flip_copies_as_torchs_does():
    # NOTE: with `x -= 1` in place, a view would change the flipped copy taken before
    ours, theirs = sd.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    rev, trev = ours.flip(0), theirs.flip(0)
    ours -= 1.0
    theirs -= 1.0
    np.testing.assert_array_equal(rev.numpy(), trev.numpy())
