"""Linear against torch.nn.Linear: values, input and parameter gradients, init, typing."""

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from tests.nn.helpers import check_module


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (2, 2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    check_module(sd.nn.Linear(4, 3, bias), torch.nn.Linear(4, 3, bias), [randn(*shape)])


@pytest.mark.parametrize("shape", [(2, 4), (4,), (2, 1, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_f64(shape, bias):
    layer = sd.nn.Linear(4, 3, bias).astype(sd.f64)
    tlayer = torch.nn.Linear(4, 3, bias).double()
    check_module(layer, tlayer, [randn(*shape, dtype="float64")], rtol=1e-9, atol=1e-10)


def test_linear_init_is_pytorch_kaiming_uniform():
    layer = sd.nn.Linear(400, 300, device=sd.Cpu(seed=1))
    bound = 1 / np.sqrt(400)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.shape == (300, 400) and b.shape == (300,) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # a uniform on [-a, a] has standard deviation a / sqrt(3)
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.02)
    assert abs(w.mean()) < bound * 0.01


def test_linear_init_comes_from_the_device_generator():
    a = sd.nn.Linear(3, 2, device=sd.Cpu(seed=7)).weight.numpy()
    b = sd.nn.Linear(3, 2, device=sd.Cpu(seed=7)).weight.numpy()
    c = sd.nn.Linear(3, 2, device=sd.Cpu(seed=8)).weight.numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_linear_on_default_device_unless_given():
    dev = sd.Cpu(seed=3)
    assert sd.nn.Linear(2, 2).weight.device is sd.default_device()
    assert sd.nn.Linear(2, 2, device=dev).weight.device is dev


def test_linear_wrong_width_is_a_shape_error():
    with pytest.raises(sd.ShapeError, match=r"\(5, 3\)"):
        sd.nn.Linear(4, 2)(sd.ones((5, 3)))
    # NOTE: this said "input width None at axis -1"
    with pytest.raises(
        sd.ShapeError,
        match=r"Linear: shapes \(\) and \(2, 4\): a scalar input has no axis -1 of in_features 4",
    ):
        sd.nn.Linear(4, 2)(sd.ones(()))


INPUT_DTYPES = [  # (ours, torch's, the fix the message ends with)
    (sd.f64, torch.float64, r"convert the input to the model's dtype: x\.astype\(sd\.f32\)$"),
    (sd.i64, torch.int64, r"Embedding first \(nn\.Embedding\(num_ids, 4\) before the Linear\)"),
    (sd.bool_, torch.bool, r"convert the input to the model's dtype: x\.astype\(sd\.f32\)$"),
]


@pytest.mark.parametrize("dtype,tdtype,fix", INPUT_DTYPES)
def test_an_input_of_another_dtype_is_refused_with_the_fix(dtype, tdtype, fix):
    """The layer's name, the input's shape and dtype, the weights', and the fix: integer ids
    go through an Embedding first; checked before the width, which ids rarely have. PyTorch
    refuses too."""
    with pytest.raises(RuntimeError, match="must have the same dtype"):
        torch.nn.Linear(4, 2)(torch.ones(5, 4, dtype=tdtype))
    name = str(tdtype).removeprefix("torch.")
    head = rf"^Linear: dtypes {name} and float32 differ: the input \(5, 7\) is {name}, "
    with pytest.raises(sd.DTypeError, match=head + r"the layer's weights float32; .*" + fix):
        sd.nn.Linear(4, 2)(sd.ones((5, 7), dtype=dtype))


def test_linear_parameters_names():
    assert list(sd.nn.Linear(2, 3).parameters()) == ["weight", "bias"]
    assert list(sd.nn.Linear(2, 3, bias=False).parameters()) == ["weight"]
