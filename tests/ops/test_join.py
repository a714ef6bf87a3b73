"""concat, stack, split and chunk against PyTorch (NumPy's split meaning checked against
NumPy), their errors, and their rules over symbolic dims."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd
from shapedl import dims
from shapedl.ops.join import chunk_rule, concat_rule, split_rule, stack_rule

B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")

JOINS = [
    ("concat0", [(2, 3), (1, 3), (4, 3)], 0),
    ("concat1", [(2, 3), (2, 1)], 1),
    ("concat-1", [(2, 3, 4), (2, 3, 2)], -1),
    ("concat_one", [(2, 3)], 0),
    ("concat_empty_piece", [(2, 3), (0, 3)], 0),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shapes,axis", JOINS, ids=[j[0] for j in JOINS])
def test_concat_matches_torch(name, shapes, axis, dtype):
    inputs = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    compare(lambda *xs: sd.ops.concat(xs, axis=axis), lambda *ts: torch.cat(ts, dim=axis), inputs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_matches_torch(axis, dtype):
    inputs = [randn(2, 3, dtype=dtype, seed=i) for i in range(3)]
    compare(lambda *xs: sd.ops.stack(xs, axis=axis), lambda *ts: torch.stack(ts, dim=axis), inputs)


SPLITS = [
    ("split_int", (6, 4), lambda x: sd.ops.split(x, 3), lambda t: torch.split(t, 2)),
    (
        "split_int_axis1",
        (2, 6),
        lambda x: sd.ops.split(x, 2, axis=1),
        lambda t: torch.split(t, 3, dim=1),
    ),
    (
        "split_indices",
        (7, 2),
        lambda x: sd.ops.split(x, [2, 5]),
        lambda t: torch.split(t, [2, 3, 2]),
    ),
    ("split_method", (2, 5), lambda x: x.split([1], axis=-1), lambda t: torch.split(t, [1, 4], -1)),
    ("chunk_even", (6, 2), lambda x: sd.ops.chunk(x, 3), lambda t: torch.chunk(t, 3)),
    ("chunk_uneven", (5, 2), lambda x: sd.ops.chunk(x, 3), lambda t: torch.chunk(t, 3)),
    ("chunk_fewer", (6, 2), lambda x: x.chunk(4), lambda t: torch.chunk(t, 4)),
    ("chunk_axis", (2, 7), lambda x: x.chunk(2, axis=1), lambda t: torch.chunk(t, 2, dim=1)),
    ("unbind", (3, 2), lambda x: sd.ops.unbind(x), lambda t: torch.unbind(t)),
    ("unbind_-1", (2, 3, 4), lambda x: x.unbind(-1), lambda t: t.unbind(-1)),
    ("narrow", (2, 5), lambda x: (x.narrow(1, 1, 3),), lambda t: (t.narrow(1, 1, 3),)),
    (
        "narrow_negative_start",
        (4, 3),
        lambda x: (sd.ops.narrow(x, 0, -3, 2),),
        lambda t: (torch.narrow(t, 0, -3, 2),),
    ),
    ("narrow_empty", (4, 3), lambda x: (x.narrow(-1, 3, 0),), lambda t: (t.narrow(-1, 3, 0),)),
]


def _weighted(pieces, stack):
    """All pieces in one tensor, each scaled by its position, so gradients tell them apart."""
    return stack([p.reshape((-1,)) * (i + 1) for i, p in enumerate(pieces)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,op,top", SPLITS, ids=[s[0] for s in SPLITS])
def test_split_and_chunk_match_torch(name, shape, op, top, dtype):
    x = randn(*shape, dtype=dtype)
    got = op(sd.from_numpy(x))
    want = top(torch.from_numpy(x))
    assert [p.shape for p in got] == [tuple(t.shape) for t in want]
    compare(
        lambda x: _weighted(op(x), lambda ps: sd.ops.concat(ps)),
        lambda t: _weighted(top(t), torch.cat),
        [x],
    )


def test_split_indices_follow_numpy_slicing():
    x = randn(6, 2)
    for sections in ([4, 2], [0, 3, 9], [-2], []):
        got = sd.ops.split(sd.from_numpy(x), sections)
        want = np.split(x, sections)
        assert [p.shape for p in got] == [w.shape for w in want]
        for p, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(p.numpy(), w)


def test_split_gradient_by_differences():
    def fn(x):
        a, b, c = sd.ops.split(x, [1, 3], axis=1)
        return sd.ops.concat([c * 2, a * b.sum()], axis=1)

    central_difference(fn, [randn(2, 4)])


ERRORS = [
    (
        lambda: sd.ops.concat([sd.ones((2, 3)), sd.ones((2, 4)), sd.ones((3, 3))]),
        r"concat: shapes \(2, 3\) and \(2, 4\): tensor 1 has size 4 at axis 1.*only axis 0",
    ),
    (
        lambda: sd.ops.concat([sd.ones((2, 3)), sd.ones((2, 3)), sd.ones((3, 4))], axis=1),
        r"concat: shapes \(2, 3\) and \(3, 4\): tensor 2 has size 3 at axis 0",
    ),
    (
        lambda: sd.ops.concat([sd.ones((2, 3)), sd.ones((2, 3, 1))]),
        r"concat: shapes \(2, 3\) and \(2, 3, 1\): tensor 1 has rank 3",
    ),
    (lambda: sd.ops.concat([sd.ones((2, 3))], axis=2), r"concat: shape \(2, 3\): axis 2"),
    (lambda: sd.ops.concat([]), r"concat: .*at least one tensor"),
    (lambda: sd.ops.concat([sd.ones(()), sd.ones(())]), r"concat: shape \(\): .*0-d"),
    (
        lambda: sd.ops.stack([sd.ones((2, 3)), sd.ones((2, 4))]),
        r"stack: shapes \(2, 3\) and \(2, 4\): tensor 1 has size 4 at axis 1",
    ),
    (lambda: sd.ops.stack([sd.ones((2, 3))], axis=3), r"stack: .*axis 3 is out of range"),
    (
        lambda: sd.ops.split(sd.ones((2, 5)), 2, axis=1),
        r"split: shape \(2, 5\): axis 1 of size 5 does not split into 2 equal sections",
    ),
    (lambda: sd.ops.split(sd.ones((4,)), 0), r"split: shape \(4,\): cannot split axis 0 into 0"),
    (lambda: sd.ops.chunk(sd.ones((4,)), 0), r"chunk: shape \(4,\): chunks must be >= 1"),
    (lambda: sd.ops.chunk(sd.ones((4,)), 2, axis=1), r"chunk: shape \(4,\): axis 1 is out"),
    (lambda: sd.ops.unbind(sd.ones((4,)), 1), r"unbind: shape \(4,\): axis 1 is out of range"),
    (
        lambda: sd.ops.narrow(sd.ones((2, 5)), 1, 3, 3),
        r"narrow: shape \(2, 5\): start 3 and length 3 do not fit in size 5 of axis 1",
    ),
    (
        lambda: sd.ops.narrow(sd.ones((2, 5)), 1, -6, 1),
        r"narrow: shape \(2, 5\): start -6 and length 1 do not fit in size 5 of axis 1",
    ),
    (lambda: sd.ops.narrow(sd.ones((2, 5)), 0, 0, -1), r"narrow: .*length -1 at axis 0"),
    (lambda: sd.ops.narrow(sd.ones((2, 5)), 2, 0, 1), r"narrow: .*axis 2 is out of range"),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shapes_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op()


# ---- rules over symbolic dims -----------------------------------------------------------
def test_concat_sums_symbolically():
    assert concat_rule("concat", [(B, T), (B, 1), (B, T)], 1) == (B, dims.add(dims.mul(2, T), 1))
    assert concat_rule("concat", [(dims.DYN, T), (B, C)], 1) == (B, dims.add(T, C))


def test_concat_symbol_mismatch_is_an_error():
    with pytest.raises(sd.ShapeError, match=r"concat: shapes \(B, T\) and \(T, T\): tensor 1"):
        concat_rule("concat", [(B, T), (T, T)], 1)


def test_stack_unifies_and_counts():
    assert stack_rule("stack", [(B, dims.DYN), (B, C)], -1) == (B, C, 2)


def test_split_symbolic():
    halves = split_rule("split", (dims.mul(2, B), C), 2)
    assert halves == ((B, C), (B, C))
    odd = split_rule("split", (B, C), 2)  # not provably divisible: a floor division
    assert odd[0][0] == dims.floordiv(B, 2) and len(odd) == 2
    assert split_rule("split", (B, C), [0]) == ((0, C), (B, C))
    assert split_rule("split", (B, C), [2]) == ((dims.DYN, C), (dims.DYN, C))
    with pytest.raises(sd.ShapeError, match=r"split: shape \(2\*B \+ 1,\): axis 0"):
        split_rule("split", (dims.add(dims.mul(2, B), 1),), 2)


def test_chunk_symbolic():
    assert chunk_rule("chunk", (B, dims.mul(3, C)), 3, axis=1) == ((B, C),) * 3
    assert chunk_rule("chunk", (dims.DYN,), 2) == ((dims.DYN,), (dims.DYN,))


# ---- random shapes ----------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(st.integers(0, 9), st.integers(1, 5), st.integers(1, 3))
def test_random_chunk_matches_torch(n, chunks, width):
    x = randn(n, width)
    got = sd.ops.chunk(sd.from_numpy(x), chunks)
    want = torch.chunk(torch.from_numpy(x), chunks)
    assert [p.shape for p in got] == [tuple(t.shape) for t in want]
    for p, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(p.numpy(), w.numpy())


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(1, 3))
def test_random_concat_matches_torch(sizes, rank):
    axis = len(sizes) % rank
    shapes = [tuple(n if k == axis else 2 for k in range(rank)) for n in sizes]
    inputs = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare(lambda *xs: sd.ops.concat(xs, axis=axis), lambda *ts: torch.cat(ts, dim=axis), inputs)


def test_unbind_and_narrow_rules_over_symbols_and_dyn():
    from shapedl.errors import NotStatic
    from shapedl.ops.join import narrow_rule, unbind_rule

    assert unbind_rule("unbind", (2, B, T), 0) == ((B, T), (B, T))
    with pytest.raises(NotStatic):
        unbind_rule("unbind", (B, T), 1)
    assert narrow_rule("narrow", (B, T), 1, 2, 3) == (B, 3)
    assert narrow_rule("narrow", (B, T), 1, dims.DYN, dims.DYN) == (B, dims.DYN)
    assert narrow_rule("narrow", (B, T), dims.DYN, 0, 3) == (dims.DYN, dims.DYN)
