"""embedding against PyTorch: rows picked by an index of any shape, scatter-add gradient."""

import numpy as np
import pytest
import torch.nn.functional as F
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl.dims import DYN, sym
from shapedl.ops.embedding import embedding_rule


def _index(shape: tuple[int, ...], vocab: int, dtype: str = "int64") -> np.ndarray:
    return np.random.default_rng(5).integers(0, vocab, shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
def test_embedding_matches_torch(shape, dtype):
    compare(sd.ops.embedding, F.embedding, [_index(shape, 6), randn(6, 3, dtype=dtype)])


def test_repeated_indices_accumulate_like_torch():
    index = np.array([[1, 1, 3], [1, 0, 3]])
    compare(sd.ops.embedding, F.embedding, [index, randn(5, 4, dtype="float64")])


@pytest.mark.parametrize("dtype", ["int32", "uint8"])
def test_other_integer_index_dtypes(dtype):
    index = _index((4, 20), 200, dtype)  # 200 * 8 overflows uint8 if the op forgot to widen
    compare(sd.ops.embedding, lambda i, w: F.embedding(i.long(), w), [index, randn(200, 8)])


def test_gradient_of_unused_rows_is_zero_and_index_gets_none():
    w = sd.from_numpy(randn(5, 2))
    idx = sd.tensor([0, 0, 4])
    grads = sd.ops.embedding(idx, w.traced()).sum().backward()
    np.testing.assert_array_equal(grads[w].numpy(), [[2, 2], [0, 0], [0, 0], [0, 0], [1, 1]])
    assert idx not in grads


def test_central_differences():
    index = sd.tensor([[2, 0], [2, 1]])
    central_difference(lambda w: sd.ops.embedding(index, w), [randn(3, 2, dtype="float64")])


@pytest.mark.parametrize("bad", [10, 13, -1])
def test_out_of_range_names_op_value_and_vocabulary(bad):
    index = sd.tensor([0, bad, 3])
    with pytest.raises(IndexError, match=rf"embedding: index {bad} is out of range .* 10 rows"):
        sd.ops.embedding(index, sd.ones((10, 4)))


def test_float_index_is_a_type_error():
    with pytest.raises(TypeError, match="embedding: index must be an integer tensor.*float32"):
        sd.ops.embedding(sd.ones((3,)), sd.ones((10, 4)))


def test_weight_must_be_2d():
    with pytest.raises(sd.ShapeError, match=r"embedding: shapes \(3,\) and \(10,\): weight has"):
        sd.ops.embedding(sd.tensor([1, 2, 3]), sd.ones((10,)))


def test_rule_over_symbols_and_dyn():
    b, t, v, d = sym("B"), sym("T"), sym("V"), sym("D")
    assert embedding_rule("embedding", (b, t), (v, d)) == (b, t, d)
    assert embedding_rule("embedding", (DYN,), (v, DYN)) == (DYN, DYN)
    assert embedding_rule("embedding", (), (10, 4)) == (4,)
    with pytest.raises(sd.ShapeError, match=r"\(B, T\) and \(V, D, D\): weight has rank 3"):
        embedding_rule("embedding", (b, t), (v, d, d))


@pytest.mark.parametrize("padding_idx", [0, 2, -1])
def test_padding_idx_gets_no_gradient_like_torch(padding_idx):
    index = np.array([[2, 0, 5], [5, 2, 1]])
    compare(
        lambda i, w: sd.ops.embedding(i, w, padding_idx),
        lambda i, w: F.embedding(i, w, padding_idx),
        [index, randn(6, 3, dtype="float64")],
    )


@pytest.mark.parametrize("bad", [6, -7])
def test_padding_idx_out_of_range_is_an_error(bad):
    with pytest.raises(ValueError, match=rf"embedding: padding_idx {bad} is out of range .* 6"):
        sd.ops.embedding(sd.tensor([0, 1]), sd.ones((6, 2)), bad)
