"""Creation from what users hand it: bf16 on the CPU (compared with PyTorch's rounding) and
ragged nested lists, whose error names the entry at fault."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.ops.creation import arange_rule
from shapedl.types import DTYPES


def as_torch_bf16(t: Any) -> torch.Tensor:
    """The bf16 values of `t`, widened to f32 exactly, as a torch bf16 tensor."""
    return torch.from_numpy(t.numpy().astype(np.float32)).to(torch.bfloat16)


@pytest.mark.parametrize(
    ("make", "want"),
    [
        (lambda: sd.ones((2, 3), dtype=sd.bf16), lambda: torch.ones(2, 3, dtype=torch.bfloat16)),
        (lambda: sd.zeros((4,), dtype=sd.bf16), lambda: torch.zeros(4, dtype=torch.bfloat16)),
        (lambda: sd.full((3,), 1.1, dtype=sd.bf16), lambda: torch.full((3,), 1.1).bfloat16()),
        (lambda: sd.arange(5, dtype=sd.bf16), lambda: torch.arange(5, dtype=torch.bfloat16)),
        (lambda: sd.eye(3, dtype=sd.bf16), lambda: torch.eye(3, dtype=torch.bfloat16)),
        (lambda: sd.tensor([0.1, -3.3, 1e-3, 65504.0], dtype=sd.bf16),
         lambda: torch.tensor([0.1, -3.3, 1e-3, 65504.0]).bfloat16()),
        (lambda: sd.tensor([0.1, 2.7, -1e5]).astype(sd.bf16),
         lambda: torch.tensor([0.1, 2.7, -1e5]).bfloat16()),
    ],
)  # fmt: skip
def test_bf16_on_the_cpu_rounds_as_pytorch_does(make: Any, want: Any) -> None:
    sd.set_default_device(sd.Cpu(seed=0))
    t = make()
    assert t.dtype is sd.bf16 and t.numpy().dtype.name == "bfloat16"
    assert torch.equal(as_torch_bf16(t), want())


def test_random_bf16_tensors_are_bf16() -> None:
    sd.set_default_device(sd.Cpu(seed=0))
    for t in (sd.randn((8,), dtype=sd.bf16), sd.rand((8,), dtype=sd.bf16)):
        assert t.dtype is sd.bf16 and np.isfinite(t.numpy().astype(np.float32)).all()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([[1.0, 2.0], [3.0]], r"data\[1\] has 1 entry but data\[0\] has 2 entries"),
        ([[[1, 2], [3, 4]], [[5, 6], [7]]], r"data\[1\]\[1\] has 1 entry but data\[1\]\[0\] has 2"),
        ([1.0, [2.0, 3.0]], r"data\[1\] has 2 entries but data\[0\] is a number"),
    ],
)
def test_ragged_lists_name_the_entry(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"tensor: data is ragged: {message}"):
        sd.tensor(data)


@pytest.mark.parametrize(
    "args", [(0, 1, 0.1), (5.0,), (0.5, 3), (1, 0, -0.25), (0, 1, 0.3), (2.0, 2.0), (0, 7, 2)]
)
def test_arange_counts_float_bounds_as_numpy_does(args: tuple[float, ...]) -> None:
    """The rule's length (what the plugin types `arange(0, 1, 0.1)` with) is the run's."""
    assert arange_rule("arange", *args) == sd.arange(*args).shape == np.arange(*args).shape


@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((5,), {}),
        ((2, 11, 3), {}),
        ((np.int64(4),), {}),
        ((0, 1, 0.25), {}),
        ((5.0,), {}),
        ((1, 4.0), {}),
        ((0, 3), {"dtype": "float64"}),
        ((0.0, 3.0), {"dtype": "int32"}),
    ],
)
def test_arange_dtype_is_torchs(args: tuple[Any, ...], kwargs: dict[str, str]) -> None:
    """Int bounds count in int64, a float one in the default float; `dtype=` wins."""
    ours = sd.arange(*args, **{k: DTYPES[v] for k, v in kwargs.items()})
    theirs = torch.arange(*args, **{k: getattr(torch, v) for k, v in kwargs.items()})
    assert ours.numpy().dtype == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_arange_indexes_and_embeds_without_a_dtype() -> None:
    x = sd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(x[sd.arange(2)].numpy(), torch.tensor(x.numpy())[:2].numpy())
    assert sd.nn.Embedding(5, 2)(sd.arange(3)).shape == (3, 2)


def test_numpy_sizes_are_checked_as_python_ints() -> None:
    assert sd.zeros((np.int64(3), np.int32(2))).shape == (3, 2)
    with pytest.raises(sd.ShapeError, match="zeros: size -3 at axis 0"):
        sd.zeros((np.int64(-3),))


@pytest.mark.parametrize("op", ["zeros", "ones", "randn", "rand"])
def test_pytorchs_varargs_shape_says_the_shape_is_one_tuple(op: str) -> None:
    assert getattr(torch, op)(4, 3).shape == (4, 3)  # PyTorch's spelling
    with pytest.raises(
        TypeError,
        match=rf"{op}: dtype must be .* not 3; the shape is one tuple: sd.{op}\(\(4, 3, ...\)\)",
    ):
        getattr(sd, op)(4, 3)
    with pytest.raises(
        TypeError, match=rf"{op}: dtype must be a dtype \(sd.f32, sd.i64...\), not 'f32'$"
    ):
        getattr(sd, op)((2, 2), "f32")


# NOTE: each with PyTorch's equivalent, which takes its own dtypes there
_DTYPED = {
    "zeros": (lambda dt: sd.zeros((2, 2), dtype=dt), lambda dt: torch.zeros((2, 2), dtype=dt)),
    "ones": (lambda dt: sd.ones((2, 2), dtype=dt), lambda dt: torch.ones((2, 2), dtype=dt)),
    "full": (lambda dt: sd.full((2,), 1, dtype=dt), lambda dt: torch.full((2,), 1, dtype=dt)),
    "randn": (lambda dt: sd.randn((2,), dtype=dt), lambda dt: torch.randn((2,), dtype=dt)),
    "rand": (lambda dt: sd.rand((2,), dtype=dt), lambda dt: torch.rand((2,), dtype=dt)),
    "arange": (lambda dt: sd.arange(3, dtype=dt), lambda dt: torch.arange(3, dtype=dt)),
    "eye": (lambda dt: sd.eye(3, dtype=dt), lambda dt: torch.eye(3, dtype=dt)),
    "linspace": (
        lambda dt: sd.linspace(0, 1, 3, dtype=dt),
        lambda dt: torch.linspace(0, 1, 3, dtype=dt),
    ),
    "tensor": (lambda dt: sd.tensor([1, 0], dtype=dt), lambda dt: torch.tensor([1, 0], dtype=dt)),
    "randint": (
        lambda dt: sd.randint(0, 2, (3,), dtype=dt),
        lambda dt: torch.randint(0, 2, (3,), dtype=dt),
    ),
    **{
        f"{kind}_like": (
            lambda dt, kind=kind: getattr(sd.ops, f"{kind}_like")(sd.ones((2,)), dtype=dt),
            lambda dt, kind=kind: getattr(torch, f"{kind}_like")(torch.ones(2), dtype=dt),
        )
        for kind in ("zeros", "ones", "randn", "rand")
    },
    "full_like": (
        lambda dt: sd.ops.full_like(sd.ones((2,)), 1, dtype=dt),
        lambda dt: torch.full_like(torch.ones(2), 1, dtype=dt),
    ),
}
_PYTHON = [(bool, sd.bool_, torch.bool), (int, sd.i64, torch.int64), (float, sd.f32, torch.float32)]


@pytest.mark.parametrize("op", list(_DTYPED))
@pytest.mark.parametrize("python,ours,theirs", _PYTHON, ids=["bool", "int", "float"])
def test_a_python_type_as_dtype_names_shapedls(
    op: str, python: type, ours: Any, theirs: Any
) -> None:
    make, torch_make = _DTYPED[op]
    with pytest.raises(
        TypeError,
        match=rf"^{op}: dtype must be a dtype \(sd.f32, sd.i64...\), "
        rf"not <class '{python.__name__}'>; use sd.{ours.__name__}$",
    ):
        make(python)
    try:
        want = torch_make(theirs)
    except (RuntimeError, NotImplementedError):  # NOTE: random bools, say
        return
    got = make(ours)
    assert got.dtype is ours
    if not op.startswith("rand"):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.shape == tuple(want.shape)
