"""SplitInto and AddInto against the same branches in PyTorch (values, input and parameter
gradients, f32 and f64), their parameter names and their errors."""

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from tests.nn.helpers import check_module


class TorchSplit(torch.nn.Sequential):
    """The branches named by position (`0.weight`), as SplitInto's are."""

    def forward(self, x):
        return tuple(layer(x) for layer in self)


class TorchAdd(TorchSplit):
    def forward(self, x):
        return sum(super().forward(x))


def _cat(outs):
    return sd.concat([y.reshape(-1) for y in outs])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_split_into_matches_torch(dtype):
    module = sd.nn.SplitInto(sd.nn.Linear(4, 3), sd.nn.Linear(4, 2), sd.nn.ReLU())
    tmod = TorchSplit(torch.nn.Linear(4, 3), torch.nn.Linear(4, 2), torch.nn.ReLU())
    tol = {} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        module, tmod = module.astype(sd.f64), tmod.double()
    check_module(
        module,
        tmod,
        [randn(5, 4, dtype=dtype)],
        sd_call=lambda m, x: _cat(m(x)),
        torch_call=lambda m, x: torch.cat([y.reshape(-1) for y in m(x)]),
        **tol,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_add_into_matches_torch(dtype):
    module = sd.nn.AddInto(sd.nn.Linear(4, 3), sd.nn.Sequential(sd.nn.Linear(4, 3), sd.nn.Tanh()))
    tmod = TorchAdd(
        torch.nn.Linear(4, 3), torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh())
    )
    tol = {} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        module, tmod = module.astype(sd.f64), tmod.double()
    check_module(module, tmod, [randn(2, 5, 4, dtype=dtype)], **tol)


def test_names_length_and_no_branches():
    split = sd.nn.SplitInto(sd.nn.Linear(2, 3), sd.nn.Identity())
    assert list(split.parameters()) == ["0.weight", "0.bias"]
    assert len(split) == 2 and isinstance(next(iter(split)), sd.nn.Linear)
    with pytest.raises(ValueError, match="SplitInto: give at least one branch"):
        sd.nn.SplitInto()
    with pytest.raises(ValueError, match="AddInto: give at least one branch"):
        sd.nn.AddInto()


def test_shape_errors_of_branches():
    with pytest.raises(sd.ShapeError, match=r"add: shapes \(5, 3\) and \(5, 2\)"):
        sd.nn.AddInto(sd.nn.Linear(4, 3), sd.nn.Linear(4, 2))(sd.ones((5, 4)))
    with pytest.raises(sd.ShapeError, match=r"Linear: shapes \(5, 4\) and \(2, 3\): input width 4"):
        sd.nn.SplitInto(sd.nn.Identity(), sd.nn.Linear(3, 2))(sd.ones((5, 4)))


def test_branches_see_the_same_input():
    x = sd.from_numpy(randn(3, 4))
    a, b = sd.nn.SplitInto(sd.nn.Identity(), sd.nn.Identity())(x)
    assert a is x and b is x
    np.testing.assert_array_equal(
        sd.nn.AddInto(sd.nn.Identity(), sd.nn.Identity())(x).numpy(), 2 * x.numpy()
    )
