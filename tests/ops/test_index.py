"""Indexing, gather and select against PyTorch (and NumPy where their meanings differ),
their errors, and the getitem rule over symbolic dims."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd
from shapedl import dims
from shapedl.ops.index import IndexArray, gather_rule, getitem_rule, select_rule

B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")
I = np.array([2, 0, 2, 1])  # noqa: E741  (repeats an index: gradients must add up)

BASIC = [
    1,
    -1,
    (0, -2),
    slice(1, None),
    slice(None, None, 2),
    (slice(None), slice(1, 3)),
    (slice(None), slice(-3, None, 2)),
    (Ellipsis, 0),
    (None, 1),
    (slice(None), None, slice(2)),
    (1, Ellipsis, None),
    (slice(5, None),),
    (0, 0, 0),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("index", BASIC, ids=[repr(i) for i in BASIC])
def test_basic_indexing_matches_torch(index, dtype):
    compare(lambda x: x[index], lambda t: t[index], [randn(3, 4, 5, dtype=dtype)])


NEGATIVE_STEPS = [slice(None, None, -1), slice(3, 0, -2), slice(-1, None, -3), slice(1, 0, -1)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("s", NEGATIVE_STEPS, ids=[repr(s) for s in NEGATIVE_STEPS])
def test_negative_steps_match_torch_flip(s, dtype):
    # NOTE: torch has no negative steps; slice the flipped tensor with the mirrored slice
    n = 5
    lo, hi, _ = s.indices(n)
    count = len(range(*s.indices(n)))
    mirrored = slice(n - 1 - lo, n - 1 - lo + count * -s.step, -s.step)
    compare(lambda x: x[:, s], lambda t: t.flip(1)[:, mirrored], [randn(2, n, dtype=dtype)])


ADVANCED = [
    (lambda i: i, "int tensor"),
    (lambda i: (slice(None), i), "after a slice"),
    (lambda i: (Ellipsis, i), "last axis"),
    (lambda i: (i, i), "two side by side"),
    (lambda i: (i[:, None], i[None, :3]), "two broadcast together"),
    (lambda i: (slice(1, 3), i, slice(None)), "in the middle"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make,name", ADVANCED, ids=[a[1] for a in ADVANCED])
def test_integer_tensor_indexing_adds_repeated_gradients_like_torch(make, name, dtype):
    compare(
        lambda x, i: x[make(i)],
        lambda t, i: t[make(i)],
        [randn(3, 4, 3, dtype=dtype), I],
    )


def test_boolean_mask_matches_torch():
    mask = randn(3, 4, seed=5) > 0
    compare(lambda x, m: x[m], lambda t, m: t[m], [randn(3, 4, 2), mask])
    compare(lambda x, m: x[:, m[0]], lambda t, m: t[:, m[0]], [randn(3, 4, 2), mask])


def test_separated_advanced_indices_follow_numpy():
    # NOTE: NumPy puts the broadcast dims first here; torch would keep them in place
    x = randn(2, 3, 4)
    got = sd.from_numpy(x)[0, :, sd.tensor(I)]
    np.testing.assert_array_equal(got.numpy(), x[0, :, I])
    got = sd.from_numpy(x)[sd.tensor([1, 0]), None, sd.tensor([2, 2])]
    np.testing.assert_array_equal(got.numpy(), x[[1, 0], None, [2, 2]])


def test_lists_and_numpy_integers_index_like_numpy():
    x = randn(4, 3)
    np.testing.assert_array_equal(sd.from_numpy(x)[[3, 1]].numpy(), x[[3, 1]])
    np.testing.assert_array_equal(sd.from_numpy(x)[np.int64(2)].numpy(), x[2])


RANGES = [
    (lambda x, y: x[range(4), y], "with an index tensor"),
    (lambda x, y: x[:, range(4, 0, -2)], "a step back"),
    (lambda x, y: x[range(0)], "empty"),
]


@pytest.mark.parametrize("make,name", RANGES, ids=[r[1] for r in RANGES])
def test_a_range_indexes_as_the_list_it_stands_for_like_torch(make, name):
    compare(make, make, [randn(4, 5), np.array([0, 2, 4, 1])])


TRACED_BY_INDEX = [
    (lambda w, i: w[i], lambda t, i: t[i]),
    (lambda w, i: w[i, 1:], lambda t, i: t[i, 1:]),
    (lambda w, i: w[:, i[0]], lambda t, i: t[:, i[0]]),
    (lambda w, i: w[i[0], i[1]], lambda t, i: t[i[0], i[1]]),
    (lambda w, i: w[(i.reshape((4,)) > 1).traced()], lambda t, i: t[i.reshape(4) > 1]),
    (lambda w, i: w.gather(i, axis=0), lambda t, i: t.gather(0, i)),
    (lambda w, i: w.select(i[0], axis=1), lambda t, i: t.index_select(1, i[0])),
]


@pytest.mark.parametrize(
    "ours,theirs",
    TRACED_BY_INDEX,
    ids=["index", "then a slice", "after a slice", "two", "mask", "gather", "select"],
)
def test_a_traced_index_traces_the_result_and_untraced_weights_get_gradients(ours, theirs):
    # NOTE: the idiom `model(x.traced())` with `x` an integer input (Karpathy's `C[X]`), as
    # `embedding(index.traced(), weight)`: the weights are untraced leaves
    w, i = randn(4, 4), np.array([[1, 2], [3, 1]])
    weight, index = sd.from_numpy(w), sd.from_numpy(i).traced()
    out = ours(weight, index)
    assert out.is_traced
    grads = out.sum().backward()
    t = torch.from_numpy(w).requires_grad_()
    theirs(t, torch.from_numpy(i)).sum().backward()
    np.testing.assert_allclose(grads[weight].numpy(), t.grad.numpy())


def test_getitem_gradient_by_differences():
    central_difference(lambda x: x[1:, ::-1] * x[:-1, sd.tensor([0, 0, 1])], [randn(3, 3)])


# ---- gather / select --------------------------------------------------------------------
GATHERS = [
    ((3, 4), np.array([[0, 3], [1, 1], [2, 0]]), 1),
    ((3, 4), np.array([[2, 1, 0, 0], [0, 0, 0, 0]]), 0),
    ((2, 3, 4), np.array([[[1, 1]], [[3, 0]]]), -1),
    ((3, 4), np.array([[1], [0]]), 1),  # smaller than x off the axis
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,index,axis", GATHERS)
def test_gather_matches_torch(shape, index, axis, dtype):
    compare(
        lambda x, i: x.gather(i, axis=axis),
        lambda t, i: torch.gather(t, axis, i),
        [randn(*shape, dtype=dtype), index],
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_select_matches_torch_index_select(axis, dtype):
    index = np.array([1, 0, 1, 2])
    compare(
        lambda x, i: x.select(i, axis=axis),
        lambda t, i: torch.index_select(t, axis, i),
        [randn(3, 3, 3, dtype=dtype), index],
    )


def test_gather_and_select_gradients_by_differences():
    central_difference(lambda x: x.gather(sd.tensor([[1, 1], [0, 2]]), axis=1), [randn(2, 3)])
    central_difference(lambda x: sd.ops.select(x, sd.tensor([2, 2, 0]), axis=1), [randn(2, 3)])


# ---- errors -----------------------------------------------------------------------------
ERRORS = [
    (lambda x: x[3], r"getitem: shape \(3, 4, 5\): index 3 is out of range for axis 0 of size 3"),
    (lambda x: x[:, -5], r"getitem: shape \(3, 4, 5\): index -5 is out of range for axis 1"),
    (lambda x: x[..., 5], r"getitem: shape \(3, 4, 5\): index 5 is out of range for axis 2"),
    (lambda x: x[0, 0, 0, 0], r"getitem: shape \(3, 4, 5\): too many indices: 4 for rank 3"),
    (lambda x: x[..., 0, ...], r"getitem: shape \(3, 4, 5\): .*only one ellipsis"),
    (lambda x: x[::0], r"getitem: shape \(3, 4, 5\): slice step of axis 0 is zero"),
    (
        lambda x: x[sd.ones((3, 5)) > 0],
        r"getitem: shapes \(3, 4, 5\) and \(3, 5\): boolean mask has size 5 at axis 1, not 4",
    ),
    (lambda x: x[sd.tensor([0, 7])], r"getitem: shape \(3, 4, 5\): index 7 is out of bounds"),
    (
        lambda x: x.gather(sd.tensor([[0]]), axis=0),
        r"gather: shapes \(3, 4, 5\) and \(1, 1\): index has rank 2, x has rank 3",
    ),
    (
        lambda x: x.gather(sd.zeros((3, 5, 5), dtype=sd.i64), axis=2),
        r"gather: shapes \(3, 4, 5\) and \(3, 5, 5\): index has size 5 at axis 1, x only 4",
    ),
    (lambda x: x.gather(sd.tensor([[[9]]]), axis=0), r"gather: shapes .*out of bounds"),
    (
        lambda x: x.select(sd.tensor([[0]]), axis=0),
        r"select: shapes \(3, 4, 5\) and \(1, 1\): index must be 1-d",
    ),
    (lambda x: x.select(sd.tensor([0]), axis=3), r"select: shape \(3, 4, 5\): axis 3 is out"),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shapes_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((3, 4, 5)))


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda x, i: x.gather(i.reshape((3, 1)), axis=1), lambda t, i: t.gather(1, i[:, None])),
        (lambda x, i: x.select(i, axis=1), lambda t, i: t.index_select(1, i)),
    ],
    ids=["gather", "select"],
)
def test_negative_indices_are_refused_as_torch_refuses_them(ours, theirs):
    x, i = np.ones((3, 5), "float32"), np.array([0, -1, 2])
    with pytest.raises(RuntimeError, match="(?i)out of (data )?(bounds|range)"):
        theirs(torch.from_numpy(x), torch.from_numpy(i))
    message = r"shapes \(3, 5\) and \(3, ?1?\): index -1 is out of bounds for axis 1 with size 5"
    with pytest.raises(sd.ShapeError, match=message):
        ours(sd.from_numpy(x), sd.from_numpy(i))


def test_float_index_tensors_are_rejected():
    with pytest.raises(TypeError, match="integer"):
        sd.ones((3,)).gather(sd.ones((3,)))
    with pytest.raises(TypeError, match="integer or boolean"):
        sd.ones((3,))[sd.ones((2,))]


# ---- rules over symbolic dims -----------------------------------------------------------
def test_getitem_rule_over_symbols():
    S, E, N = slice(None), Ellipsis, None
    assert getitem_rule("getitem", (B, T, C), (0,)) == (T, C)
    assert getitem_rule("getitem", (B, T, C), (E, -1)) == (B, T)
    assert getitem_rule("getitem", (B, T, C), (S, N, slice(None, None, -1))) == (B, 1, T, C)
    assert getitem_rule("getitem", (B, T), (S, slice(None, 3))) == (B, dims.DYN)
    assert getitem_rule("getitem", (B, 8), (S, slice(None, 3))) == (B, 3)
    assert getitem_rule("getitem", (B, T), (S, slice(None, T))) == (B, T)
    assert getitem_rule("getitem", (B, T), (slice(None, None, 2),)) == (
        dims.floordiv(dims.add(B, 1), 2),
        T,
    )
    assert getitem_rule("getitem", (B, dims.DYN), (S, slice(1, None))) == (B, dims.DYN)


def test_getitem_rule_with_index_arrays():
    index = IndexArray((B, 7))
    assert getitem_rule("getitem", (T, C), (index,)) == (B, 7, C)
    assert getitem_rule("getitem", (T, C, 4), (0, slice(None), index)) == (B, 7, C)
    assert getitem_rule("getitem", (T, C), (IndexArray((T, C), True),)) == (dims.DYN,)


def test_getitem_rule_errors_over_symbols():
    assert getitem_rule("getitem", (B,), (5,)) == ()  # B may be large enough: not an error
    with pytest.raises(sd.ShapeError, match=r"getitem: shapes \(B, T\) and \(T,\): boolean"):
        getitem_rule("getitem", (B, T), (IndexArray((T,), True),))
    with pytest.raises(sd.ShapeError, match=r"too many indices: 3 for rank 2"):
        getitem_rule("getitem", (B, T), (0, 0, 0))


def test_gather_and_select_rules_over_symbols():
    assert gather_rule("gather", (B, T), (B, 1), axis=1) == (B, 1)
    assert select_rule("select", (B, T, C), (dims.DYN,), axis=1) == (B, dims.DYN, C)


# ---- random shapes ----------------------------------------------------------------------
def _slices(n):
    bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
    step = st.one_of(st.none(), st.integers(1, 3))
    return st.builds(slice, bound, bound, step)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_random_slices_match_torch(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    index = tuple(data.draw(_slices(n)) for n in shape)
    x = randn(*shape)
    assert getitem_rule("getitem", tuple(shape), index) == x[index].shape
    compare(lambda x: x[index], lambda t: t[index], [x])


def test_iteration_and_unpacking_follow_the_first_axis_like_torch():
    compare(
        lambda x: sd.ops.stack(list(x)[::-1]), lambda t: torch.stack(list(t)[::-1]), [randn(3, 2)]
    )
    a, b = sd.ones((2, 4))
    assert a.shape == b.shape == (4,)


def test_gather_in_pytorchs_argument_order_says_the_order():
    x = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match=r"gather\(x, dim, index\) is gather\(x, index, axis=dim\)"):
        sd.ops.gather(x, 1, sd.tensor([[1], [0]]))  # type: ignore[arg-type]


def test_select_in_pytorchs_forms_says_what_to_write():
    # NOTE: PyTorch's x.select(dim, i) is one slice; ported as it is, it failed inside
    x = sd.ones((3, 4))
    assert tuple(torch.ones(3, 4).select(1, 0).shape) == x[:, 0].shape
    with pytest.raises(TypeError, match=r"x\.select\(dim, i\) \(one slice\) is x\[:, i\]"):
        x.select(1, 0)  # type: ignore[arg-type]
