"""PyTorch's method names (`x.add(y)`, `x.float()`, `x.t()`, `x.cumsum(1)`...) give what the
same PyTorch calls give: values, dtypes and gradients, each against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd

A = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
B = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)

# (method, positional arguments: an array stands for a tensor of it in each library)
CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("add", (B,)),
    ("add", (2.0,)),
    ("sub", (B[:1],)),
    ("mul", (B,)),
    ("div", (B + 5,)),
    ("neg", ()),
    ("clip", (-0.5, 0.5)),
    ("cumsum", (1,)),
    ("cumsum", (0,)),
    ("cumprod", (1,)),
    ("flip", (0,)),
    ("roll", (1, 1)),
    ("norm", ()),
    ("t", ()),
    ("expand_as", (np.zeros((2, 3, 4), np.float32),)),
    ("reshape_as", (np.zeros((4, 3), np.float32),)),
    ("view_as", (np.zeros((12,), np.float32),)),
    ("double", ()),
    ("tile", (2, 1)),
    ("tile", ((1, 3),)),
    ("tile", (2, 1, 2)),
    ("tile", (2,)),
    ("mm", (B.T.copy(),)),
    ("mv", (B[0],)),
    ("fmod", (B + 5,)),
    ("fmod", (0.7,)),
    ("nansum", (1,)),
    ("nanmean", (0,)),
    ("masked_select", (B > 0,)),
]
COMPARES = ["lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]
CASTS = {"float": sd.f32, "double": sd.f64, "half": sd.f16, "long": sd.i64, "int": sd.i32}


def _args(args: tuple[Any, ...], tensor: Any) -> list[Any]:
    return [tensor(a) if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize(("name", "args"), CALLS, ids=[f"{n}{a!r:.20}" for n, a in CALLS])
def test_a_method_gives_what_pytorchs_gives_values_and_gradients(
    name: str, args: tuple[Any, ...]
) -> None:
    x, tx = sd.from_numpy(A), torch.from_numpy(A).requires_grad_()
    out = getattr(x.traced(), name)(*_args(args, sd.from_numpy))
    want = getattr(tx, name)(*_args(args, torch.from_numpy))
    np.testing.assert_allclose(out.numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert out.numpy().dtype == want.detach().numpy().dtype
    g = np.random.default_rng(2).standard_normal(out.shape).astype(out.numpy().dtype)
    grads = (out * sd.from_numpy(g)).sum().backward()
    want.backward(torch.from_numpy(g))
    assert tx.grad is not None
    np.testing.assert_allclose(grads[x].numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", COMPARES)
def test_comparisons_by_name(name: str) -> None:
    want = getattr(torch.from_numpy(A), name)(torch.from_numpy(B[0]))
    np.testing.assert_array_equal(
        getattr(sd.from_numpy(A), name)(sd.from_numpy(B[0])).numpy(), want
    )
    if not name.startswith("logical"):  # NOTE: PyTorch's logical_* take tensors only
        assert (
            getattr(sd.from_numpy(A), name)(0.0).tolist()
            == getattr(torch.from_numpy(A), name)(0.0).tolist()
        )


@pytest.mark.parametrize("name", [*CASTS, "bool"])
def test_casts_by_name(name: str) -> None:
    values = A * 3
    out, want = getattr(sd.from_numpy(values), name)(), getattr(torch.from_numpy(values), name)()
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    assert out.dtype is CASTS.get(name, sd.bool_)


def test_float_keeps_the_tape_and_type_as_takes_the_others_dtype() -> None:
    x = sd.from_numpy(A.astype(np.float64))
    grads = x.traced().float().sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.ones((3, 4)))
    assert grads[x].dtype is sd.f64
    assert sd.from_numpy(A).type_as(sd.tensor([1])).dtype is sd.i64


def test_size_dim_and_t_as_pytorch() -> None:
    x, tx = sd.from_numpy(A), torch.from_numpy(A)
    assert x.size() == tuple(tx.size()) and x.size(-1) == tx.size(-1) and x.dim() == tx.dim()
    with pytest.raises(sd.ShapeError, match="2-d"):
        sd.ones((2, 3, 4)).t()
    with pytest.raises(sd.ShapeError, match=r"^reshape: "):
        x.view_as(sd.ones((5,)))


def test_logical_not_by_name_takes_any_dtype_where_the_operator_takes_booleans() -> None:
    values = np.array([[0.0, 1.5], [-2.0, 0.0]], np.float32)
    want = torch.from_numpy(values).logical_not().numpy()
    np.testing.assert_array_equal(sd.from_numpy(values).logical_not().numpy(), want)
    with pytest.raises(TypeError, match="~: operator needs boolean tensors"):
        ~sd.from_numpy(values)


def test_pytorchs_repeat_is_tile_here_as_numpys_repeat_repeats_each_value() -> None:
    want = torch.from_numpy(A).repeat(2, 1).numpy()
    np.testing.assert_array_equal(sd.from_numpy(A).tile(2, 1).numpy(), want)
    assert not hasattr(sd.Tensor, "repeat")  # NOTE: NumPy's meaning would win: not bound
