"""einsum against PyTorch (values and gradients, f32 and f64), by central differences, its
errors (naming the letter, operands and axes), and its rule over symbols and `DYN`."""

import pytest
import torch
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.einsum import einsum_rule

B, H, T, S, D = (dims.sym(c) for c in "BHTSD")

CASES = [
    ("bhtd,bhsd->bhts", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit output: the letters that appear once
    ("btd,bsd", [(2, 4, 3), (2, 5, 3)]),  # implicit, alphabetical: (s, t)
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,j->i", [(3, 4), (1,)]),  # a size-1 letter broadcasts
    ("bij,bkj->bik", [(2, 3, 4), (1, 5, 4)]),
    ("ij,ij,ij->i", [(3, 4), (1, 4), (3, 1)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (5, 1, 4, 2)]),
    ("i...j,j->...i", [(3, 2, 5, 4), (4,)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("a b c , c d -> a d", [(2, 3, 4), (4, 5)]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("subscripts,shapes", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(subscripts, shapes, dtype):
    arrays = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    compare(
        lambda *xs: sd.ops.einsum(subscripts, *xs),
        lambda *ts: torch.einsum(subscripts, *ts),
        arrays,
    )


def test_gradients_by_differences():
    central_difference(
        lambda a, b: sd.ops.einsum("i...j,jk,ii->...k", a, b, a[:, 0, :3]),
        [randn(3, 2, 4, dtype="float64"), randn(4, 2, dtype="float64", seed=1)],
    )


def test_integer_operands_take_part_untraced():
    w = sd.from_numpy(randn(3, 2)).traced()
    out = sd.ops.einsum("ij,jk->ik", sd.tensor([[1, 0, 2]]).astype(sd.f32), w)
    grads = out.sum().backward()
    assert grads[w].tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]


ERRORS = [
    ("btd,bsd->bts", [(2, 4, 3), (2, 5, 6)],
     r"einsum: shapes \(2, 4, 3\) and \(2, 5, 6\): letter 'd' is 3 at axis 2 of operand 0 but 6 "
     r"at axis 2 of operand 1"),
    ("ij,jk->ik", [(2, 3)], r"einsum: shape \(2, 3\): subscripts 'ij,jk->ik' name 2 operands"),
    ("ijk->i", [(2, 3)], r"einsum: shape \(2, 3\): operand 0 has rank 2, but 'ijk' names 3 axes"),
    ("ij->ix", [(2, 3)], r"einsum: shape \(2, 3\): output letter 'x' is in no operand"),
    ("ij->ii", [(2, 3)], r"einsum: shape \(2, 3\): output letter 'i' appears twice"),
    ("...i->i", [(2, 3)], r"einsum: shape \(2, 3\): the operands use '...', so must the output"),
    ("i1->i", [(2, 3)], r"einsum: shape \(2, 3\): subscripts may hold letters and '...', not '1'"),
    ("...i...->i", [(2, 3)], r"einsum: shape \(2, 3\): '...i...' has more than one '...'"),
    ("i...i->i", [(3, 2, 3)], r"einsum: shape \(3, 2, 3\): operand 0: a repeated letter with"),
    ("...ij,...ij->...", [(2, 3, 4), (5, 3, 4)],
     r"einsum: shapes \(2, 3, 4\) and \(5, 3, 4\): the axes of '...', \(2,\) and \(5,\), do "
     r"not broadcast"),
]  # fmt: skip


@pytest.mark.parametrize("subscripts,shapes,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_letter_operands_and_axes(subscripts, shapes, message):
    with pytest.raises(sd.ShapeError, match=message):
        sd.ops.einsum(subscripts, *[sd.ones(s) for s in shapes])


def test_rule_over_symbols_and_dyn():
    assert einsum_rule("einsum", "bhtd,bhsd->bhts", [(B, H, T, D), (B, H, S, D)]) == (B, H, T, S)
    # NOTE: implicit output: letters that appear once, alphabetically (b is summed)
    assert einsum_rule("einsum", "btd,bsd", [(B, T, D), (B, S, D)]) == (S, T)
    assert einsum_rule("einsum", "ij,jk", [(DYN, D), (D, T)]) == (DYN, T)
    assert einsum_rule("einsum", "ij,jk", [(T, DYN), (D, 1)]) == (T, 1)
    assert einsum_rule("einsum", "...d,d->...", [(B, T, D), (1,)]) == (B, T)
    assert einsum_rule("einsum", "bi,bi->b", [(1, D), (B, D)]) == (B,)
    with pytest.raises(sd.ShapeError, match=r"letter 'd' is D at axis 1 of operand 0 but T at"):
        einsum_rule("einsum", "bd,bd->b", [(B, D), (B, T)])
    with pytest.raises(sd.ShapeError, match=r"subscripts must be a string, not Dyn"):
        einsum_rule("einsum", DYN, [(B, D)])
