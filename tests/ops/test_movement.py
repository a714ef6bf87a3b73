"""Movement ops against PyTorch (values and gradients, f32 and f64), their errors, and their
shape rules over symbolic dims."""

import numpy as np
import pytest
import torch
from harness import central_difference, compare, randn
from hypothesis import given, settings
from hypothesis import strategies as st

import shapedl as sd
from shapedl import dims
from shapedl.errors import NotStatic
from shapedl.ops.movement import (
    broadcast_to_rule,
    flatten_rule,
    permute_rule,
    reshape_rule,
    squeeze_rule,
    transpose_rule,
    unsqueeze_rule,
)

B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")

CASES = [
    ("reshape", (2, 3, 4), lambda x: x.reshape((6, 4)), lambda t: t.reshape(6, 4)),
    ("reshape_-1", (2, 3, 4), lambda x: x.reshape((-1, 3, 2)), lambda t: t.reshape(-1, 3, 2)),
    ("reshape_int", (2, 3), lambda x: sd.ops.reshape(x, -1), lambda t: t.reshape(-1)),
    ("reshape_0d", (), lambda x: x.reshape((1, 1)), lambda t: t.reshape(1, 1)),
    ("reshape_ints", (2, 3, 4), lambda x: x.reshape(4, -1), lambda t: t.reshape(4, -1)),
    ("reshape_one_int", (2, 3), lambda x: x.reshape(6), lambda t: t.reshape(6)),
    ("reshape_fn_ints", (2, 3), lambda x: sd.ops.reshape(x, 3, 2), lambda t: t.reshape(3, 2)),
    ("flatten", (2, 3, 4), lambda x: x.flatten(), lambda t: t.flatten()),
    ("flatten_1", (2, 3, 4, 5), lambda x: x.flatten(1), lambda t: t.flatten(1)),
    ("flatten_mid", (2, 3, 4, 5), lambda x: x.flatten(1, 2), lambda t: t.flatten(1, 2)),
    ("flatten_neg", (2, 3, 4, 5), lambda x: x.flatten(-3, -2), lambda t: t.flatten(-3, -2)),
    ("flatten_0d", (), lambda x: x.flatten(), lambda t: t.flatten()),
    ("permute", (2, 3, 4), lambda x: x.permute((2, 0, 1)), lambda t: t.permute(2, 0, 1)),
    ("permute_neg", (2, 3, 4), lambda x: x.permute((-1, 1, 0)), lambda t: t.permute(-1, 1, 0)),
    ("permute_ints", (2, 3, 4), lambda x: x.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    ("permute_1d", (3,), lambda x: x.permute(0), lambda t: t.permute(0)),
    ("transpose", (2, 3, 4), lambda x: x.transpose(), lambda t: t.transpose(-2, -1)),
    ("transpose_02", (2, 3, 4), lambda x: x.transpose(0, 2), lambda t: t.transpose(0, 2)),
    ("T", (3, 5), lambda x: x.T, lambda t: t.T),
    ("unsqueeze_0", (2, 3), lambda x: x.unsqueeze(0), lambda t: t.unsqueeze(0)),
    ("unsqueeze_-1", (2, 3), lambda x: x.unsqueeze(-1), lambda t: t.unsqueeze(-1)),
    ("unsqueeze_-2", (2, 3), lambda x: x.unsqueeze(-2), lambda t: t.unsqueeze(-2)),
    ("unsqueeze_2", (2, 3), lambda x: x.unsqueeze(2), lambda t: t.unsqueeze(2)),
    ("squeeze", (1, 3, 1, 2), lambda x: x.squeeze(), lambda t: t.squeeze()),
    ("squeeze_2", (1, 3, 1, 2), lambda x: x.squeeze(2), lambda t: t.squeeze(2)),
    ("squeeze_-4", (1, 3, 1, 2), lambda x: x.squeeze(-4), lambda t: t.squeeze(-4)),
    ("squeeze_tuple", (1, 3, 1, 2), lambda x: x.squeeze((0, 2)), lambda t: t.squeeze((0, 2))),
    ("broadcast", (3, 1), lambda x: x.broadcast_to((2, 3, 4)), lambda t: t.expand(2, 3, 4)),
    ("broadcast_same", (3, 4), lambda x: x.broadcast_to((3, 4)), lambda t: t.expand(3, 4)),
    ("broadcast_0d", (), lambda x: x.broadcast_to((2, 2)), lambda t: t.expand(2, 2)),
    ("expand", (3, 1), lambda x: x.expand(2, -1, 4), lambda t: t.expand(2, -1, 4)),
    ("expand_tuple", (3, 1), lambda x: x.expand((3, 5)), lambda t: t.expand((3, 5))),
    ("expand_keep", (1, 3), lambda x: sd.ops.expand(x, -1, -1), lambda t: t.expand(-1, -1)),
    ("expand_0d", (), lambda x: x.expand(2, 3), lambda t: t.expand(2, 3)),
    ("view", (2, 3, 4), lambda x: x.view(-1, 4), lambda t: t.view(-1, 4)),
    ("view_tuple", (2, 3, 4), lambda x: x.view((4, 6)), lambda t: t.view((4, 6))),
    ("contiguous", (2, 3), lambda x: x.T.contiguous() * 1.0, lambda t: t.T.contiguous() * 1.0),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,op,top", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, shape, op, top, dtype):
    compare(op, top, [randn(*shape, dtype=dtype)])


def test_transpose_gradient_by_differences():
    central_difference(lambda x: x.permute((1, 2, 0)) * x.transpose(0, 1).sum(), [randn(2, 2, 3)])


ERRORS = [
    (lambda x: x.reshape((5, 5)), r"reshape: shapes \(2, 3, 4\) and \(5, 5\)"),
    (lambda x: x.reshape((5, -1)), r"reshape: shapes \(2, 3, 4\) and \(5, -1\).*divide"),
    (lambda x: x.reshape((-1, -1)), r"reshape: .*at most one -1"),
    (lambda x: x.reshape((0, -1)), r"reshape: .*size of 0"),
    (lambda x: x.flatten(2, 1), r"flatten: shape \(2, 3, 4\): start_axis 2 comes after"),
    (lambda x: x.flatten(3), r"flatten: shape \(2, 3, 4\): start_axis 3 is out of range"),
    (lambda x: x.permute((0, 1)), r"permute: shape \(2, 3, 4\): axes \(0, 1\) has 2 axes"),
    (lambda x: x.permute((0, 1, 1)), r"permute: shape \(2, 3, 4\): .*not a permutation"),
    (lambda x: x.permute((0, 1, 3)), r"permute: shape \(2, 3, 4\): axis 3 is out of range"),
    (lambda x: x.reshape(5, -1), r"reshape: shapes \(2, 3, 4\) and \(5, -1\).*divide"),
    (lambda x: x.permute(0, 1), r"permute: shape \(2, 3, 4\): axes \(0, 1\) has 2 axes"),
    (lambda x: x.transpose(0, 3), r"transpose: shape \(2, 3, 4\): axis1 3 is out of range"),
    (lambda x: x.unsqueeze(4), r"unsqueeze: shape \(2, 3, 4\): axis 4 is out of range"),
    (lambda x: x.unsqueeze(-5), r"unsqueeze: shape \(2, 3, 4\): axis -5 is out of range"),
    (lambda x: x.squeeze(1), r"squeeze: shape \(2, 3, 4\): axis 1 has size 3, not 1"),
    (lambda x: x.broadcast_to((3, 3, 4)), r"broadcast_to: shapes \(2, 3, 4\) and \(3, 3, 4\)"),
    (lambda x: x.broadcast_to((3, 4)), r"broadcast_to: .*rank 3 cannot broadcast to rank 2"),
    (
        lambda x: x.expand(3, -1, 4),
        r"expand: shapes \(2, 3, 4\) and \(3, -1, 4\): cannot broad"
        r"cast 2 to 3 at axis -3",
    ),
    (lambda x: x.expand(-1, 2, 3, 4), r"expand: .*-1 at new leading axis 0"),
    (lambda x: x.expand(3, 4), r"expand: .*rank 3 cannot expand to rank 2"),
    (lambda x: x.expand(2, -2, 4), r"expand: .*size -2 at axis 1: sizes must be >= 0, or -1"),
    (lambda x: x.view(5, -1), r"reshape: shapes \(2, 3, 4\) and \(5, -1\).*divide"),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shapes_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((2, 3, 4)))


def test_sizes_as_ints_and_a_tuple_at_once_are_a_type_error():
    with pytest.raises(TypeError, match=r"reshape: give the sizes as ints or as one tuple"):
        sd.ones((2, 3, 4)).reshape((2, 3), 4)
    with pytest.raises(TypeError, match=r"permute: give the sizes as ints or as one tuple"):
        sd.ones((2, 3, 4)).permute(0, (1, 2))


def test_broadcast_error_names_the_axis():
    with pytest.raises(sd.ShapeError, match=r"cannot broadcast 2 to 3 at axis -3"):
        sd.ones((2, 3, 4)).broadcast_to((3, 3, 4))


# ---- rules over symbolic dims -----------------------------------------------------------
def test_reshape_round_trip_keeps_the_same_dims():
    merged = reshape_rule("reshape", (B, T, C), (dims.mul(B, T), C))
    assert merged == (dims.mul(T, B), C)
    assert reshape_rule("reshape", merged, (B, T, C)) == (B, T, C)


def test_reshape_solves_minus_one_symbolically():
    assert reshape_rule("reshape", (B, T, C), (-1, C)) == (dims.mul(B, T), C)
    assert reshape_rule("reshape", (B, T, C), (B, -1)) == (B, dims.mul(T, C))
    assert reshape_rule("reshape", (B, dims.mul(4, C)), (B, 4, -1)) == (B, 4, C)
    assert reshape_rule("reshape", (B, T), (-1, 2)) == (dims.DYN, 2)  # not provably exact
    assert reshape_rule("reshape", (B, dims.DYN), (B, -1)) == (B, dims.DYN)


def test_reshape_mismatch_over_symbols_is_an_error():
    with pytest.raises(sd.ShapeError, match=r"reshape: shapes \(B, T, C\) and \(B, C\*T \+ 1\)"):
        reshape_rule("reshape", (B, T, C), (B, dims.add(dims.mul(T, C), 1)))
    with pytest.raises(sd.ShapeError, match="do not divide"):
        reshape_rule("reshape", (dims.add(dims.mul(2, B), 1),), (2, -1))


def test_minus_one_that_no_binding_of_the_symbols_makes_whole_is_an_error():
    """`x.view(b, t, 3, -1)` of `(B, T, 16)`: B and T cancel, and 16 / 3 is never whole."""
    message = (
        r"reshape: shapes \(B, T, 16\) and \(B, T, 3, -1\): 16\*B\*T values do not divide "
        r"into sizes of product 3\*B\*T"
    )
    with pytest.raises(sd.ShapeError, match=message):
        reshape_rule("reshape", (B, T, 16), (B, T, 3, -1))
    with pytest.raises(sd.ShapeError, match="do not divide"):
        reshape_rule("reshape", (B, dims.mul(4, T)), (dims.mul(3, T), B, -1))
    assert reshape_rule("reshape", (B, T, 16), (B, T, 4, -1)) == (B, T, 4, 4)
    # NOTE: 16*T / 3 is whole for T = 3: the run time decides
    assert reshape_rule("reshape", (B, T, 16), (B, 3, -1)) == (B, 3, dims.DYN)
    assert reshape_rule("reshape", (B, dims.DYN, 16), (B, 3, -1)) == (B, 3, dims.DYN)


def test_reshape_with_dyn_is_not_an_error():
    assert reshape_rule("reshape", (dims.DYN, 3), (B, 3)) == (B, 3)


def test_symbolic_rules():
    assert flatten_rule("flatten", (B, C, T, 2), 1) == (B, dims.mul(dims.mul(C, T), 2))
    assert permute_rule("permute", (B, T, C), (0, 2, 1)) == (B, C, T)
    assert transpose_rule("transpose", (B, T, C)) == (B, C, T)
    assert unsqueeze_rule("unsqueeze", (B, T), -1) == (B, T, 1)
    # NOTE: `B` may be 1 at run time, and then squeeze() drops it too (as torch's)
    with pytest.raises(NotStatic):
        squeeze_rule("squeeze", (B, 1, T))
    assert squeeze_rule("squeeze", (B, 1, T), 1) == (B, T)
    assert squeeze_rule("squeeze", (B, dims.DYN, 1), (1, 2)) == (B,)
    assert broadcast_to_rule("broadcast_to", (1, C), (B, T, C)) == (B, T, C)
    assert broadcast_to_rule("broadcast_to", (B, C), (dims.DYN, C)) == (B, C)


def test_squeezing_a_symbolic_axis_is_an_error():
    with pytest.raises(sd.ShapeError, match=r"squeeze: shape \(B, 1\): axis 0 has size B"):
        squeeze_rule("squeeze", (B, 1), 0)


def test_broadcast_to_symbol_mismatch_is_an_error():
    with pytest.raises(sd.ShapeError, match=r"broadcast_to: shapes \(B, C\) and \(T, C\)"):
        broadcast_to_rule("broadcast_to", (B, C), (T, C))


# ---- random shapes ----------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_random_permute_and_reshape_match_torch(shape, rnd):
    axes = list(range(len(shape)))
    rnd.shuffle(axes)
    free = rnd.randrange(len(shape))
    want = [-1 if i == free else n for i, n in enumerate(reversed(shape))]
    compare(
        lambda x: x.permute(axes).reshape(want),
        lambda t: t.permute(*axes).reshape(*want),
        [randn(*shape)],
    )


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=0, max_size=4), st.integers(0, 2))
def test_random_broadcast_matches_torch(shape, extra):
    target = [2] * extra + [n if n > 1 else 3 for n in shape]
    compare(lambda x: x.broadcast_to(target), lambda t: t.expand(target), [randn(*shape)])


def test_untraced_stays_untraced_and_f32_stays_f32():
    y = sd.ones((2, 3)).reshape((3, 2)).T
    assert not y.is_traced and y.numpy().dtype == np.float32
    assert torch.equal(torch.from_numpy(y.numpy()), torch.ones(2, 3))


def test_numpy_integers_are_accepted_as_sizes():
    x = randn(2, 3)
    assert sd.from_numpy(x).reshape((np.int64(3), -1)).shape == (3, 2)
    got = sd.from_numpy(x).broadcast_to(np.array([4, 2, 3]))
    assert torch.equal(torch.from_numpy(got.numpy().copy()), torch.from_numpy(x).expand(4, 2, 3))


def test_permute_finds_its_inverse_on_the_host_like_torch(monkeypatch):
    # NOTE: an argsort of the axes on a CUDA array would copy it back to the host
    monkeypatch.setattr(np, "argsort", lambda *a, **k: pytest.fail("argsort on an array"))
    compare(lambda x: x.permute((2, 0, 3, 1)), lambda x: x.permute(2, 0, 3, 1), [randn(2, 3, 4, 5)])
    compare(lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2), [randn(2, 3, 4)])


def test_contiguous_is_the_same_tensor_on_the_same_tape():
    x = sd.ones((2, 3)).traced()
    assert x.contiguous() is x
    y = (x * 2.0).contiguous()
    assert y.is_traced and y.sum().backward()[x].tolist() == [[2.0] * 3] * 2


def test_expand_rule_over_symbols():
    from shapedl.ops.movement import expand_rule

    assert expand_rule("expand", (C, 1), (B, -1, T)) == (B, C, T)
    assert expand_rule("expand", (B, 1), (-1, dims.DYN)) == (B, dims.DYN)


# ---- movedim / moveaxis, swapaxes / swapdims (PyTorch's names) ---------------------------
MOVES = [
    ((2, 3, 4), 0, -1),
    ((2, 3, 4), -1, 0),
    ((2, 3, 4), 1, 1),
    ((2, 3, 4, 5), (0, 1), (2, 0)),
    ((2, 3, 4, 5), (-1, 0), (0, -1)),
    ((2, 3, 4, 5), [3, 1], [1, 3]),
    ((2, 1, 3), (), ()),
    ((5,), 0, -1),
    ((0, 3, 1), 0, 2),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,source,destination", MOVES)
def test_movedim_and_moveaxis_match_torch(shape, source, destination, dtype):
    x = randn(*shape, dtype=dtype)
    want = lambda t: torch.movedim(t, source, destination)  # noqa: E731
    compare(lambda a: a.movedim(source, destination), want, [x])
    compare(lambda a: sd.ops.moveaxis(a, source, destination), want, [x])
    compare(
        lambda a: a.moveaxis(source, destination), lambda t: t.moveaxis(source, destination), [x]
    )


@pytest.mark.parametrize("axes", [(0, 2), (-1, 0), (1, 1), (-2, -1)])
def test_swapaxes_and_swapdims_match_torch(axes):
    x = randn(2, 3, 4)
    want = lambda t: torch.swapaxes(t, *axes)  # noqa: E731
    compare(lambda a: sd.ops.swapaxes(a, *axes), want, [x])
    compare(lambda a: sd.swapdims(a, *axes), lambda t: torch.swapdims(t, *axes), [x])
    compare(lambda a: a.swapaxes(*axes), lambda t: t.swapaxes(*axes), [x])
    compare(lambda a: a.swapdims(*axes), lambda t: t.swapdims(*axes), [x])


def test_movedim_keeps_integers_and_the_tape():
    x = sd.tensor([[1, 2, 3], [4, 5, 6]])
    assert x.movedim(0, 1).tolist() == torch.tensor(x.tolist()).movedim(0, 1).tolist()
    assert x.movedim(0, 1).dtype is sd.i64 and x.swapaxes(0, 1).dtype is sd.i64
    assert sd.ones((2, 3)).traced().movedim(0, 1).tape is not None


MOVE_ERRORS = [
    ((3, 0), r"movedim: shape \(2, 3, 4\): source 3 is out of range for rank 3"),
    ((0, -4), r"movedim: shape \(2, 3, 4\): destination -4 is out of range for rank 3"),
    (((0, 1), 2), r"movedim: shape \(2, 3, 4\): source \(0, 1\) and destination \(2,\) name 2"),
    (((0, 0), (1, 2)), r"movedim: shape \(2, 3, 4\): source \(0, 0\) repeats an axis"),
    (((0, 1), (2, -1)), r"movedim: shape \(2, 3, 4\): destination \(2, -1\) repeats an axis"),
]


@pytest.mark.parametrize("args,message", MOVE_ERRORS)
def test_movedim_errors_where_torch_refuses(args, message):
    with pytest.raises(sd.ShapeError, match=message):
        sd.ones((2, 3, 4)).movedim(*args)
    with pytest.raises((RuntimeError, IndexError, TypeError)):
        torch.ones(2, 3, 4).movedim(*args)


def test_movedim_rule_over_symbols_and_unknown_axes():
    from shapedl.errors import NotStatic
    from shapedl.ops.movement import movedim_rule

    assert movedim_rule("movedim", (B, T, C), 0, -1) == (T, C, B)
    assert movedim_rule("movedim", (B, T, C), (2, 0), (0, 1)) == (C, B, T)
    with pytest.raises(NotStatic):
        movedim_rule("movedim", (B, T, C), dims.DYN, 0)
    with pytest.raises(NotStatic):
        movedim_rule("movedim", (B, T, C), (0, dims.DYN), (1, 2))
