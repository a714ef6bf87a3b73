"""The dimension algebra on its own: ints, DYN and symbols in one canonical form."""

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.errors import ShapeError

B, T, H, D, C = (dims.sym(n) for n in "BTHDC")


# ---- ints ---------------------------------------------------------------------------------
def test_ints_are_plain_arithmetic():
    assert dims.add(2, 3) == 5 and dims.sub(2, 3) == -1
    assert dims.mul(4, 5) == 20 and dims.floordiv(7, 2) == 3 and dims.floordiv(-7, 2) == -4
    assert dims.product([2, 3, 4]) == 24 and dims.product([]) == 1
    assert all(type(v) is int for v in (dims.add(2, 3), dims.mul(2, 3), dims.floordiv(6, 4)))


def test_int_conv_out_matches_the_formula():
    for size, k, s, p, dil in [
        (32, 3, 1, 1, 1),
        (28, 5, 2, 0, 1),
        (7, 3, 2, 1, 2),
        (10, 2, 2, 0, 1),
    ]:
        assert dims.conv_out(size, k, s, p, dil) == (size + 2 * p - dil * (k - 1) - 1) // s + 1


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError):
        dims.floordiv(3, 0)
    with pytest.raises(ZeroDivisionError):
        dims.floordiv(H, 0)


# ---- DYN ----------------------------------------------------------------------------------
def test_dyn_absorbs_arithmetic_except_times_zero():
    assert dims.add(DYN, 3) is DYN and dims.sub(H, DYN) is DYN
    assert dims.mul(DYN, H) is DYN and dims.floordiv(DYN, 2) is DYN and dims.floordiv(H, DYN) is DYN
    assert dims.mul(DYN, 0) == 0 and dims.product([2, DYN]) is DYN
    assert dims.conv_out(DYN, 3, 1, 1) is DYN
    assert not dims.is_known(DYN) and dims.is_known(3) and dims.is_known(H)
    assert repr(DYN) == "Dyn"


def test_dyn_comparisons_are_undecidable_not_false():
    assert dims.same(DYN, 3) is None and dims.same(H, DYN) is None and dims.same(DYN, DYN) is None
    assert dims.unify(DYN, 3) == 3 and dims.unify(3, DYN) == 3 and dims.unify(DYN, H) == H


# ---- symbols: canonical form ------------------------------------------------------------
def test_products_and_sums_are_canonical():
    assert dims.mul(T, B) == dims.mul(B, T)
    assert dims.add(H, 0) == H
    assert dims.add(dims.add(B, 1), T) == dims.add(T, dims.add(1, B))
    assert dims.mul(dims.add(B, 1), 2) == dims.add(dims.mul(2, B), 2)
    assert dims.sub(B, B) == 0 and type(dims.sub(B, B)) is int
    assert dims.mul(H, 0) == 0 and dims.mul(1, H) == H


def test_exact_divisions_simplify():
    assert dims.floordiv(dims.mul(B, T), T) == B
    assert dims.floordiv(dims.mul(4, H), 2) == dims.mul(2, H)
    assert dims.floordiv(dims.add(dims.mul(2, H), 3), 2) == dims.add(H, 1)
    assert dims.floordiv(H, H) == 1 and dims.floordiv(H, 1) == H


def test_spatial_size_formulas_fold_back_to_the_input():
    assert dims.add(dims.floordiv(dims.sub(dims.add(H, 2), 3), 1), 1) == H  # (H+2-3)//1+1
    assert dims.conv_out(H, 3, 1, 1) == H  # 3x3, pad 1, stride 1
    assert dims.conv_out(H, 2, 2, 0) == dims.floordiv(H, 2)  # 2x2 pool
    assert dims.conv_out(H, 5, 1, 2) == H
    assert dims.conv_out(H, 3, 1, 0) == dims.sub(H, 2)


def test_floor_division_keeps_an_atom_when_inexact():
    half = dims.floordiv(H, 2)
    assert half != H and dims.same(half, dims.floordiv(H, 2)) is True
    assert dims.same(dims.mul(half, 3), H) is None  # neither H nor a multiple of it
    # (H - 1) // 2 == (H + 1) // 2 - 1 for every integer H
    assert dims.floordiv(dims.sub(H, 1), 2) == dims.sub(dims.floordiv(dims.add(H, 1), 2), 1)


K = dims.sym("K")
WHOLE = [  # a multiple of a symbolic divisor times the floor division is taken as whole
    (dims.mul(H, dims.floordiv(D, H)), D),  # heads merged back
    (dims.mul(dims.mul(2, dims.mul(B, H)), dims.floordiv(D, H)), dims.mul(2, dims.mul(B, D))),
    (dims.mul(dims.mul(H, H), dims.mul(dims.floordiv(D, H), dims.floordiv(D, H))), dims.mul(D, D)),
    (dims.sub(D, dims.mul(H, dims.floordiv(D, H))), 0),  # D % H
    (dims.mul(dims.mul(H, T), dims.floordiv(D, dims.mul(H, T))), D),
]


@pytest.mark.parametrize("expr,want", WHOLE, ids=[str(w[1]) for w in WHOLE])
def test_a_multiple_of_the_divisor_makes_a_floor_division_whole(expr, want):
    assert expr == want and dims.same(expr, want) is True


def test_only_a_multiple_of_the_whole_divisor_is_made_whole():
    for kept in [
        dims.mul(3, dims.floordiv(K, 2)),
        dims.mul(B, dims.floordiv(D, H)),
        dims.mul(H, dims.floordiv(D, dims.mul(2, H))),
        dims.mul(H, dims.floordiv(D, dims.add(H, 1))),  # not one term: left as written
        dims.sub(D, dims.floordiv(D, 2)),  # a slice's rest, ceil(D / 2)
        dims.mul(H, dims.floordiv(dims.add(D, 1), H)),  # an offset: a window's, not a split's
        dims.mul(2, dims.floordiv(K, 2)),  # a number's: a kernel's half, a pooled size
        dims.add(dims.floordiv(K, 2), dims.floordiv(K, 2)),
        dims.mul(4, dims.floordiv(K, 2)),
    ]:
        assert any(isinstance(a, dims._Div) for m, _ in kept.terms for a, _ in m), kept
    assert dims.mul(dims.floordiv(7, 2), 2) == 6  # numbers are numbers, as at run time


def test_a_merged_width_is_the_width_and_a_wrong_one_still_differs():
    merged = dims.mul(dims.floordiv(D, H), H)
    assert dims.same(merged, D) is True and dims.unify(merged, D) == D
    assert dims.same(merged, dims.mul(2, D)) is False
    # NOTE: K - 1 for an odd kernel, K for an even width: the run decides
    assert dims.same(dims.mul(2, dims.floordiv(K, 2)), K) is None


def test_floor_division_cancels_a_common_factor():
    bt = dims.mul(B, T)
    assert dims.floordiv(dims.mul(bt, D), dims.mul(bt, H)) == dims.floordiv(D, H)  # a -1
    assert dims.floordiv(dims.mul(16, bt), dims.mul(3, bt)) == 5
    assert dims.floordiv(dims.mul(2, B), 4) == dims.floordiv(B, 2)
    assert dims.floordiv(dims.add(dims.mul(2, B), 2), 4) == dims.floordiv(dims.add(B, 1), 2)
    for expr, fn in [
        (
            dims.floordiv(dims.add(dims.mul(6, B), 3), dims.mul(3, B)),
            lambda b, h: (6 * b + 3) // (3 * b),
        ),
        (dims.floordiv(dims.add(dims.mul(2, B), 2), 4), lambda b, h: (2 * b + 2) // 4),
        (
            dims.floordiv(dims.mul(dims.mul(4, B), H), dims.mul(6, H)),
            lambda b, h: 4 * b * h // (6 * h),
        ),
    ]:
        for b, h in [(1, 1), (2, 3), (5, 2), (7, 4)]:
            assert eval(str(expr), {"B": b, "H": h}) == fn(b, h), expr


def test_different_symbols_differ():
    assert dims.same(B, T) is False and dims.same(B, B) is True
    assert dims.same(dims.mul(B, T), dims.mul(T, B)) is True
    assert dims.same(dims.add(B, 1), B) is False
    assert dims.unify(B, T) is None and dims.unify(3, 4) is None
    assert dims.sym("B", "k1") != dims.sym("B", "k2")


def test_symbolic_expressions_print_as_python_reads_them():
    q = dims.floordiv(D, H)
    assert str(dims.mul(T, B)) == "B*T"
    assert str(dims.sub(B, T)) == "B - T" and str(dims.sub(1, B)) == "-B + 1"
    assert str(dims.mul(dims.add(B, 1), dims.add(B, 1))) == "B**2 + 2*B + 1"
    assert str(q) == "D//H" and str(dims.floordiv(dims.add(H, 1), 2)) == "(H + 1)//2"
    assert str(dims.mul(q, B)) == "B*(D//H)" and str(dims.mul(2, q)) == "2*(D//H)"
    assert str(dims.floordiv(dims.mul(B, D), dims.mul(2, H))) == "B*D//(2*H)"
    assert str(dims.mul(q, q)) == "(D//H)**2" and str(dims.sub(B, q)) == "B - D//H"


Q = dims.floordiv(D, H)
PRINTED = [
    (dims.mul(Q, B), lambda b, t, d, h: b * (d // h)),
    (dims.floordiv(dims.mul(B, D), dims.mul(2, H)), lambda b, t, d, h: b * d // (2 * h)),
    (dims.mul(2, Q), lambda b, t, d, h: 2 * (d // h)),
    (dims.mul(-1, Q), lambda b, t, d, h: -(d // h)),
    (dims.sub(dims.mul(B, T), Q), lambda b, t, d, h: b * t - d // h),
    (dims.mul(Q, Q), lambda b, t, d, h: (d // h) ** 2),
    (dims.conv_out(H, 3, 2, 1), lambda b, t, d, h: (h + 2 - 3) // 2 + 1),
]


@pytest.mark.parametrize("expr,fn", PRINTED, ids=[str(p[0]) for p in PRINTED])
def test_printed_expressions_evaluate_like_python(expr, fn):
    for b, t, d, h in [(2, 3, 12, 5), (1, 4, 7, 2), (3, 1, 9, 3), (5, 2, -7, 4)]:
        env = {"B": b, "T": t, "D": d, "H": h}
        assert eval(str(expr), env) == fn(b, t, d, h)


# ---- broadcasting and axes --------------------------------------------------------------
BROADCAST = [
    (((2, 3), (3,)), (2, 3)),
    (((3, 1), (1, 4)), (3, 4)),
    (((), (2, 2)), (2, 2)),
    (((DYN, 1), (3, 4)), (3, 4)),
    (((DYN,), (DYN,)), (DYN,)),
    (((DYN,), (1,)), (DYN,)),
    (((B,), (DYN,)), (B,)),
    (((B, 1), (1, T)), (B, T)),
    (((B, T, C), (C,)), (B, T, C)),
    (((0,), (1,)), (0,)),
    (((2, 1, 4), (3, 1), (1,)), (2, 3, 4)),
]


@pytest.mark.parametrize("shapes,want", BROADCAST)
def test_broadcast(shapes, want):
    assert dims.broadcast("add", *shapes) == want


@pytest.mark.parametrize(
    "shapes,message",
    [
        (((2, 3), (4,)), "add: shapes (2, 3) and (4,): cannot broadcast 3 against 4 at axis -1"),
        (((B,), (T,)), "add: shapes (B,) and (T,): cannot broadcast B against T at axis -1"),
        (
            ((2, 3, 4), (5, 1, 4)),
            "add: shapes (2, 3, 4) and (5, 1, 4): cannot broadcast 2 against 5 at axis -3",
        ),
    ],
)
def test_broadcast_errors_name_op_shapes_and_axis(shapes, message):
    with pytest.raises(ShapeError) as err:
        dims.broadcast("add", *shapes)
    assert str(err.value) == message


def test_normalize_axis_and_axes():
    assert dims.normalize_axis("sum", -1, (2, 3, 4)) == 2
    assert dims.normalize_axes("sum", (-1, 0), (2, 3, 4)) == (0, 2)
    assert dims.normalize_axes("sum", None, (2, 3)) == (0, 1)
    assert dims.normalize_axes("sum", [1], (B, T)) == (1,)


def test_numpy_integers_are_axes():
    """`np.argmax(...)` or a loop over `np.arange` gives `np.int64` axes: `tuple(axis)` of
    one was a bare "'numpy.int64' object is not iterable"."""
    assert dims.normalize_axes("sum", np.int64(1), (2, 3, 4)) == (1,)
    assert dims.normalize_axes("sum", (np.int32(-1), 0), (2, 3, 4)) == (0, 2)
    assert type(dims.normalize_axis("sum", np.int64(-1), (2, 3))) is int
    assert dims.is_axis(np.int64(0)) and dims.is_axis(1)
    assert not any(dims.is_axis(v) for v in (DYN, B, (1,), None, 1.0))
    with pytest.raises(ShapeError, match=r"^sum: shape \(2, 3\): axis 2 is out of range"):
        dims.normalize_axes("sum", np.int64(2), (2, 3))


X = np.arange(12.0, dtype=np.float32).reshape(3, 4)
AS_INTS = [  # op, the argument's name, shapedl's call of n, torch's (which takes a tensor)
    ("arange", "start", lambda n: sd.arange(n), lambda n: torch.arange(n)),
    ("zeros", "a size", lambda n: sd.zeros((n, 2)), lambda n: torch.zeros((n, 2))),
    ("narrow", "start", lambda n: sd.from_numpy(X).narrow(1, n - 2, 2), None),
    ("topk", "k", lambda n: sd.ops.topk(sd.from_numpy(X), n)[0], None),
    ("max", "axis", lambda n: sd.from_numpy(X).max(axis=n - 2), None),
    ("reshape", "a size", lambda n: sd.from_numpy(X).reshape(n, -1), None),
    ("unsqueeze", "axis", lambda n: sd.from_numpy(X).unsqueeze(n - 2), None),
    ("chunk", "chunks", lambda n: sd.ops.chunk(sd.from_numpy(X), n, axis=1)[0], None),
]
TORCH_AS_INTS = {
    "narrow": lambda n: torch.from_numpy(X).narrow(1, n - 2, 2),
    "topk": lambda n: torch.from_numpy(X).topk(n)[0],
    "max": lambda n: torch.from_numpy(X).amax(n - 2),
    "reshape": lambda n: torch.from_numpy(X).reshape(n, -1),
    "unsqueeze": lambda n: torch.from_numpy(X).unsqueeze(n - 2),
    "chunk": lambda n: torch.from_numpy(X).chunk(n, 1)[0],
}


@pytest.mark.parametrize("op, name, call, tcall", AS_INTS, ids=[c[0] for c in AS_INTS])
def test_a_tensor_where_an_int_goes_says_to_pass_int(op, name, call, tcall):
    """PyTorch reads a 0-d tensor as a size (`torch.arange(lengths.max())`); here that was an
    AttributeError from dims.py or a bare "cannot be interpreted as an integer"."""
    want = (tcall or TORCH_AS_INTS[op])(torch.tensor(3))
    with pytest.raises(
        TypeError,
        match=rf"^{op}: {name} must be an int, not a tensor of shape \(\); "
        r"pass int\(n\) \(or n\.item\(\)\)",
    ):
        call(sd.tensor(3))
    np.testing.assert_array_equal(call(int(sd.tensor(3))).numpy(), want.numpy())


def test_check_int_lets_ints_and_numpy_integers_pass():
    for v in (3, np.int64(3), np.array(3), DYN, B, None, (1, 2)):
        dims.check_int("zeros", "a size", v)
    with pytest.raises(TypeError, match=r"^zeros: the shape must be an int, not a tensor of "):
        sd.zeros(sd.tensor([2, 3]))


def test_axis_errors_name_op_shape_and_axis():
    with pytest.raises(
        ShapeError, match=r"^sum: shape \(2, 3\): axis 2 is out of range for rank 2$"
    ):
        dims.normalize_axis("sum", 2, (2, 3))
    with pytest.raises(
        ShapeError, match=r"^mean: shape \(B,\): axis -2 is out of range for rank 1$"
    ):
        dims.normalize_axes("mean", -2, (B,))
    with pytest.raises(ShapeError, match=r"^max: shape \(2, 3\): axis \(1, -1\) repeats an axis$"):
        dims.normalize_axes("max", (1, -1), (2, 3))


def test_a_broadcast_error_names_the_axis_nearest_the_end_and_a_dropped_axis():
    # NOTE: `x / x.sum(axis=-1)` on (B, T, C): C against T at axis -1, not T against B at -2
    with pytest.raises(
        sd.ShapeError,
        match=r"4 against 3 at axis -1; a reduction over axis -1 keeps it with keepdims=True$",
    ):
        dims.broadcast("div", (2, 3, 4), (2, 3))
    with pytest.raises(
        sd.ShapeError, match=r"cannot broadcast 3 against 2 at axis -2; a reduction over axis -2"
    ):
        dims.broadcast("div", (2, 3, 4), (2, 4))
    with pytest.raises(sd.ShapeError, match=r"cannot broadcast 4 against 5 at axis -1$"):
        dims.broadcast("add", (2, 3, 4), (5,))
    with pytest.raises(ValueError, match=r"broadcast"):
        np.broadcast_shapes((2, 3, 4), (2, 3))  # NumPy refuses what we refuse


def test_never_negative_holds_for_sizes_and_sums_of_them_only():
    assert dims.never_negative(dims.add(T, 4)) and dims.never_negative(dims.mul(B, T))
    assert dims.never_negative(dims.floordiv(T, 2)) and dims.never_negative(0)
    assert not dims.never_negative(dims.sub(T, 1)) and not dims.never_negative(-1)
    assert not dims.never_negative(DYN)


def test_a_size_with_an_offset_is_not_taken_as_divisible():
    """A strided conv's `(H + 1) // 2`, upsampled by 2, is H or H + 1: never made whole."""
    ceil_half = dims.floordiv(dims.add(H, 1), 2)
    twice = dims.mul(2, ceil_half)
    assert twice != dims.add(H, 1) and dims.same(twice, H) is None
    for h in (7, 8):  # NOTE: the run's sizes: 8 at 7 and at 8
        assert eval(str(twice), {}, {"H": h}) == 2 * ((h + 1) // 2)  # noqa: S307
