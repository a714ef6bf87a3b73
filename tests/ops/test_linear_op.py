"""`sd.ops.linear` against PyTorch's `F.linear` (values and gradients, f32 and f64, with and
without a bias, any batch rank), its errors, and its rule over symbols and `DYN`."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN
from shapedl.ops.linear import linear_rule

B, T, C, D = (dims.sym(s) for s in "B T C D".split())

SHAPES = [(5, 4), (2, 3, 4), (4,), (2, 1, 3, 4), (0, 4)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_linear_matches_torch(shape, bias, dtype):
    inputs = [randn(*shape, dtype=dtype), randn(3, 4, dtype=dtype, seed=1)]
    if bias:
        inputs.append(randn(3, dtype=dtype, seed=2))
    compare(sd.ops.linear, F.linear, inputs)


def test_linear_gradient_by_differences():
    central_difference(
        lambda x, w, b: sd.ops.linear(x, w, b) ** 2,
        [randn(2, 3, 4, dtype="float64"), randn(5, 4, dtype="float64"), randn(5, dtype="float64")],
    )


def test_linear_is_the_layer_with_its_parameters():
    layer = sd.nn.Linear(4, 3)
    x = sd.from_numpy(randn(2, 5, 4))
    want = layer(x).numpy()
    np.testing.assert_allclose(sd.ops.linear(x, layer.weight, layer.bias).numpy(), want, 1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_rounds_once_as_torch(dtype):
    # NOTE: multiples of 1/64 keep every f32 sum exact; the one rounding is to half precision
    rng = np.random.default_rng(3)
    arrays = [rng.integers(-64, 65, s).astype("float32") / 64 for s in ((5, 6), (16, 6), (16,))]
    sd_dtype = {"float16": sd.f16, "bfloat16": sd.bf16}[dtype]
    got = sd.ops.linear(*(sd.tensor(a).astype(sd_dtype) for a in arrays))
    want = F.linear(*(torch.tensor(a).to(getattr(torch, dtype)) for a in arrays))
    assert got.dtype is sd_dtype
    np.testing.assert_array_equal(got.astype(sd.f32).numpy(), want.float().numpy())


def test_errors_name_op_shapes_and_axis():
    x, w = sd.ones((2, 5)), sd.ones((3, 4))
    cases = [
        (lambda: sd.ops.linear(x, w), r"\(2, 5\) and \(3, 4\): input width 5 at axis -1 "
         r"differs from in_features 4 \(axis 1 of the weight\); the weight is \(out_features, "
         r"in_features\)"),
        (lambda: sd.ops.linear(x, sd.ones((5,))), "the weight must be 2-d"),
        (lambda: sd.ops.linear(sd.ones(()), w), "a 0-d input has no axis -1 of width 4"),
        (lambda: sd.ops.linear(sd.ones((2, 4)), w, sd.ones((4,))),
         r"the bias must have shape \(3,\), one value per output feature"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(sd.ShapeError, match="^linear: shapes .*" + message):
            call()
    with pytest.raises(sd.DTypeError, match="^linear: dtypes float64 and float32 differ"):
        sd.ops.linear(sd.ones((2, 4), dtype=sd.f64), w)


def test_rule_over_symbols_and_dyn():
    assert linear_rule("linear", (B, T, C), (D, C), (D,)) == (B, T, D)
    assert linear_rule("linear", (B, DYN), (D, C)) == (B, D)
    assert linear_rule("linear", (B, C), (DYN, DYN), (DYN,)) == (B, DYN)
    with pytest.raises(sd.ShapeError, match="input width T at axis -1 differs from in_features C"):
        linear_rule("linear", (B, T), (D, C))
