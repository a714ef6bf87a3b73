"""rms_norm, group_norm and cosine_similarity against PyTorch (values and gradients, f32 and
f64), by central differences, their errors, and their rules over symbols and `DYN`."""

import numpy as np
import pytest
import torch
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.normalize import cosine_similarity_rule, group_norm_rule, rms_norm_rule

F = torch.nn.functional
B, C, D, T = dims.sym("B"), dims.sym("C"), dims.sym("D"), dims.sym("T")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("xs,ns", [((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), (5,))])
def test_rms_norm_matches_torch(xs, ns, eps, dtype):
    compare(
        lambda x, w: sd.ops.rms_norm(x, ns, w, eps),
        lambda x, w: F.rms_norm(x, ns, w, eps),
        [randn(*xs, dtype=dtype), randn(*ns, dtype=dtype, seed=1)],
    )
    compare(
        lambda x: sd.ops.rms_norm(x, ns[-1], eps=eps),
        lambda x: F.rms_norm(x, ns[-1:], eps=eps),
        [randn(*xs, dtype=dtype)],
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "xs,g",
    [((2, 6, 4, 3), 3), ((3, 4), 2), ((2, 4, 5), 4), ((1, 3, 2), 1),
     ((0, 2, 3), 1), ((0, 4, 3), 2), ((0, 6, 2, 2), 3)],  # NOTE: and empty batches
)  # fmt: skip
def test_group_norm_matches_torch(xs, g, dtype):
    c = xs[1]
    compare(
        lambda x, w, b: sd.ops.group_norm(x, g, w, b),
        lambda x, w, b: F.group_norm(x, g, w, b),
        [randn(*xs, dtype=dtype), randn(c, dtype=dtype, seed=1), randn(c, dtype=dtype, seed=2)],
    )
    compare(
        lambda x: sd.ops.group_norm(x, g, eps=0.1),
        lambda x: F.group_norm(x, g, eps=0.1),
        [randn(*xs, dtype=dtype)],
    )


COSINE = [((4, 5), (4, 5), -1), ((3, 4, 5), (4, 5), 1), ((2, 1, 3), (1, 4, 3), 0), ((6,), (6,), 0)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("a_shape,b_shape,axis", COSINE)
def test_cosine_similarity_matches_torch(a_shape, b_shape, axis, dtype):
    compare(
        lambda a, b: sd.ops.cosine_similarity(a, b, axis),
        lambda a, b: F.cosine_similarity(a, b, axis),
        [randn(*a_shape, dtype=dtype), randn(*b_shape, dtype=dtype, seed=1)],
    )


def test_cosine_similarity_of_a_tiny_vector_uses_eps_as_torch():
    a = np.full((2, 3), 1e-10, dtype="float64")
    b = randn(2, 3, dtype="float64")
    got = sd.ops.cosine_similarity(sd.from_numpy(a), sd.from_numpy(b), eps=1e-8)
    want = F.cosine_similarity(torch.from_numpy(a), torch.from_numpy(b), eps=1e-8)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale", [0.0, 1e-10])
def test_cosine_similarity_of_zero_and_tiny_vectors_has_torchs_gradient(scale, dtype):
    a = randn(3, 4, dtype=dtype)
    a[1] *= scale  # one row below eps: its gradient goes through the clamp, as in PyTorch
    compare(sd.ops.cosine_similarity, F.cosine_similarity, [a, randn(3, 4, dtype=dtype, seed=1)])


def test_gradients_by_differences():
    x, w, b = randn(2, 4, 3, dtype="float64"), randn(4, dtype="float64"), randn(3, dtype="float64")
    central_difference(lambda x, w: sd.ops.group_norm(x, 2, w, w), [x, w])
    central_difference(lambda x, b: sd.ops.rms_norm(x, 3, b), [x, b])
    central_difference(lambda x, b: sd.ops.cosine_similarity(x, b), [x, b])


ERRORS = [
    (lambda x: sd.ops.rms_norm(x, (5,)), r"rms_norm: shapes \(2, 6, 4\) and \(5,\): input size 4"),
    (
        lambda x: sd.ops.rms_norm(x, 4, sd.ones((3,))),
        r"rms_norm: shapes \(2, 6, 4\) and \(3,\): weight size 3 at axis 0 differs",
    ),
    (
        lambda x: sd.ops.group_norm(x, 4),
        r"group_norm: shape \(2, 6, 4\): num_groups 4 does not divide the 6 channels at axis 1",
    ),
    (
        lambda x: sd.ops.group_norm(x, 3, sd.ones((4,))),
        r"group_norm: shapes \(2, 6, 4\) and \(4,\): weight must be \(6,\)",
    ),
    (lambda x: sd.ops.group_norm(x[0, 0], 1), r"group_norm: shape \(4,\): needs \(N, C, \*\)"),
    (
        lambda x: sd.ops.cosine_similarity(x, sd.ones((3, 4))),
        r"cosine_similarity: shapes \(2, 6, 4\) and \(3, 4\): cannot broadcast 6 against 3 at axis",
    ),
    (
        lambda x: sd.ops.cosine_similarity(x, x, 3),
        r"cosine_similarity: shape \(2, 6, 4\): axis 3 is out of range for rank 3",
    ),
]


@pytest.mark.parametrize("op,message", ERRORS)
def test_errors_name_op_shapes_and_axis(op, message):
    with pytest.raises(sd.ShapeError, match=message):
        op(sd.ones((2, 6, 4)))


def test_rules_over_symbols_and_dyn():
    assert rms_norm_rule("rms_norm", (B, T, D), D, (D,)) == (B, T, D)
    assert rms_norm_rule("rms_norm", (B, T, D), DYN) == (B, T, D)
    assert group_norm_rule("group_norm", (B, C, T), 4, (C,), (C,)) == (B, C, T)
    assert group_norm_rule("group_norm", (B, 6, T), DYN) == (B, 6, T)
    assert cosine_similarity_rule("cosine_similarity", (B, 1, D), (T, D)) == (B, T)
    assert cosine_similarity_rule("cosine_similarity", (B, D), (B, D), DYN) == (DYN,)


def test_cosine_similarity_of_an_infinite_vector_is_a_quiet_nan():
    # NOTE: found by the differential fuzzer: inf / inf warned (an error under -W error)
    a, b = np.array([[0.0], [1.0]], "float32"), np.array([[np.inf], [2.0]], "float32")
    run(([a, b], sd.ops.cosine_similarity, torch.nn.functional.cosine_similarity))


def test_cosine_similarity_gradient_cancels_as_torchs():
    # NOTE: found by the differential fuzzer: one element along the axis, the cosine is a
    # constant 1 and torch's gradient exactly 0, where ours was -1e-3 in f32
    a, b = np.array([[1.0], [3.0]], "float32"), np.array([[1e-5], [7e-6]], "float32")
    run(([a, b], sd.ops.cosine_similarity, torch.nn.functional.cosine_similarity))


# ---- normalize (F.normalize) --------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
@pytest.mark.parametrize("shape,axis", [((3, 4), -1), ((2, 3, 4), 1), ((5,), 0)])
def test_normalize_matches_torch(shape, axis, p, dtype):
    x = randn(*shape, dtype=dtype)
    compare(lambda v: sd.ops.normalize(v, p, axis), lambda t: F.normalize(t, p, axis), [x])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normalize_of_zero_and_tiny_slices_has_torchs_values_and_gradients(dtype):
    # NOTE: a norm under eps is divided by eps, and passes no gradient through the norm
    x = np.array([[0.0, 0.0, 0.0], [1e-13, 0.0, 0.0], [3.0, 4.0, 0.0]], dtype=dtype)
    compare(sd.ops.normalize, F.normalize, [x])
    compare(lambda v: sd.ops.normalize(v, eps=5.0), lambda t: F.normalize(t, eps=5.0), [x])


def test_normalize_errors_and_rule():
    from shapedl.ops.normalize import normalize_rule

    with pytest.raises(sd.ShapeError, match=r"^normalize: shape \(2, 3\): axis 2 is out of range"):
        sd.ops.normalize(sd.ones((2, 3)), axis=2)
    assert normalize_rule("normalize", (B, D), 2.0, DYN) == (B, D)
    assert normalize_rule("normalize", (B, D), 1.0, 0) == (B, D)
    central_difference(lambda v: sd.ops.normalize(v, 3.0, 0), [randn(3, 4, dtype="float64")])
