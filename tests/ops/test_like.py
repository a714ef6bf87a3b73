"""ops/like.py against PyTorch: the `_like` creations and `clone`."""

import re

import numpy as np
import pytest
import torch
from harness import compare, randn

import shapedl as sd
from shapedl.types import DTYPES

LIKE = [
    ("zeros_like", lambda x, **k: sd.ops.zeros_like(x, **k), torch.zeros_like),
    ("ones_like", lambda x, **k: sd.ops.ones_like(x, **k), torch.ones_like),
    (
        "full_like",
        lambda x, **k: sd.ops.full_like(x, 7, **k),
        lambda t, **k: torch.full_like(t, 7, **k),
    ),
]
TORCH = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("name,op,top", LIKE, ids=[n for n, *_ in LIKE])
def test_like_matches_torch_untraced(name, op, top, dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    x = sd.from_numpy(a)
    for out, want in [
        (op(x.traced() if dtype != "int64" else x), top(torch.from_numpy(a))),
        (op(x, dtype=sd.f64), top(torch.from_numpy(a), dtype=torch.float64)),
    ]:
        np.testing.assert_array_equal(out.numpy(), want.numpy())
        assert out.numpy().dtype == str(want.dtype).removeprefix("torch.")
        assert out.tape is None and out.device is x.device


@pytest.mark.parametrize("name", ["randn_like", "rand_like"])
def test_random_like_draws_from_the_seeded_generator(name):
    x = sd.ones((200, 50), dtype=sd.f64)
    fn = getattr(sd.ops, name)
    one, two = fn(x), fn(x)
    assert one.shape == (200, 50) and one.dtype is sd.f64 and one.tape is None
    assert not np.array_equal(one.numpy(), two.numpy())
    a = one.numpy()
    if name == "randn_like":
        assert abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05
    else:
        assert a.min() >= 0 and a.max() < 1 and abs(a.mean() - 0.5) < 0.02
    dev = sd.Cpu(seed=3)
    y = sd.zeros((4,), device=dev)
    again = sd.Cpu(seed=3)
    np.testing.assert_array_equal(fn(y).numpy(), fn(sd.zeros((4,), device=again)).numpy())
    assert fn(x, dtype=sd.f32).dtype is sd.f32


@pytest.mark.parametrize("name", ["randn_like", "rand_like"])
def test_random_like_refuses_integers_as_torch(name):
    with pytest.raises(TypeError, match=rf"^{name}: x must be a float tensor"):
        getattr(sd.ops, name)(sd.ones((2,), dtype=sd.i64))
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.ones(2, dtype=torch.int64))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clone_is_a_copy_on_the_tape_like_torch(dtype):
    compare(lambda x: x.clone() * 3, lambda t: t.clone() * 3, [randn(2, 3, dtype=dtype)])
    compare(lambda x: sd.ops.clone(x) ** 2, lambda t: torch.clone(t) ** 2, [randn(4, dtype=dtype)])
    x = sd.ones((3,))
    y = x.clone()
    y.data[0] = 5.0
    assert x.tolist() == [1.0, 1.0, 1.0]
    assert x.traced().clone().tape is not None and y.tape is None


# ---- a value that the dtype cannot hold: refused, as PyTorch's (as `full`'s) --------------
OVERFLOWS = [("float16", -1e9), ("float16", 65519.0), ("float32", 1e39), ("int32", 2**31)]
HELD = [("float16", -65504.0), ("float16", float("inf")), ("float16", float("nan")),
        ("int32", 2**31 - 1), ("bool", 5)]  # fmt: skip


@pytest.mark.parametrize("dtype,value", OVERFLOWS)
def test_full_like_refuses_a_value_that_overflows_the_dtype_as_torch(dtype, value):
    want = getattr(torch, dtype)
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.full_like(torch.zeros(2, dtype=want), value)
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.full_like(torch.zeros(2), value, dtype=want)
    words = "^" + re.escape(f"full_like: value {value!r} cannot be converted to {dtype} without")
    with pytest.raises(ValueError, match=words):
        sd.ops.full_like(sd.zeros((2,), dtype=DTYPES[dtype]), value)
    with pytest.raises(ValueError, match=words):  # NOTE: the dtype given, not x's
        sd.ops.full_like(sd.zeros((2,), dtype=sd.f64), value, dtype=DTYPES[dtype])


@pytest.mark.parametrize("dtype,value", HELD)
def test_full_like_fills_a_value_the_dtype_holds_as_torch(dtype, value):
    want = torch.full_like(torch.zeros(2, dtype=getattr(torch, dtype)), value)
    got = sd.ops.full_like(sd.zeros((2,), dtype=DTYPES[dtype]), value)
    np.testing.assert_array_equal(got.numpy().astype("float64"), want.double().numpy())
