"""The one torch-comparison harness: run an op in shapedl and in PyTorch on the same inputs,
compare the forward values and the gradient of every input.

The gradient is taken of `sum(out * w)` for a fixed random `w`, so every output element
contributes with its own weight (a plain `sum` would hide transposed gradients).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import shapedl as sd

TOL = {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-10)}  # (rtol, atol)


def to_torch(a: np.ndarray, grad: bool = True) -> torch.Tensor:
    t = torch.from_numpy(np.array(a))
    return t.requires_grad_(grad and t.is_floating_point())


def compare(
    sd_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    inputs: Sequence[np.ndarray],
    *,
    grad: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> None:
    """Assert `sd_fn(*tensors)` matches `torch_fn(*torch_tensors)`, values and gradients.

    Integer and boolean inputs take part untraced and get no gradient check.
    """
    dtype = next((str(a.dtype) for a in inputs if a.dtype.kind == "f"), "float32")
    r, a_ = TOL.get(dtype, (1e-4, 1e-5))
    rtol, atol = rtol if rtol is not None else r, atol if atol is not None else a_
    xs = [sd.from_numpy(np.array(a)) for a in inputs]
    traced = [x.traced() if grad and x.data.dtype.kind == "f" else x for x in xs]
    out = sd_fn(*traced)
    ts = [to_torch(a, grad) for a in inputs]
    tout = torch_fn(*ts)
    np.testing.assert_allclose(
        out.numpy(),
        tout.detach().numpy(),
        rtol=rtol,
        atol=atol,
        err_msg="forward differs from PyTorch",
    )
    assert out.numpy().dtype == tout.detach().numpy().dtype or tout.dtype == torch.int64
    if not grad or not any(t.requires_grad for t in ts):
        return
    w = np.random.default_rng(seed).standard_normal(out.shape).astype(out.numpy().dtype)
    loss = (out * sd.from_numpy(w)).sum()
    grads = loss.backward()
    (tout * torch.from_numpy(w)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        if t.requires_grad:
            got = grads[x].numpy()
            want = t.grad.numpy() if t.grad is not None else np.zeros_like(got)
            np.testing.assert_allclose(
                got,
                want,
                rtol=rtol,
                atol=atol,
                err_msg=f"gradient of input {i} differs from PyTorch",
            )
            assert got.dtype == want.dtype, f"gradient dtype {got.dtype} != {want.dtype}"


def central_difference(
    fn: Callable[..., Any], inputs: Sequence[np.ndarray], eps: float = 1e-6, tol: float = 1e-6
) -> None:
    """Assert shapedl's gradients of `sum(fn(*xs) * w)` match central differences (float64)."""
    xs = [np.array(a, dtype=np.float64) for a in inputs]
    out0 = fn(*[sd.from_numpy(a) for a in xs])
    w = np.random.default_rng(1).standard_normal(out0.shape)

    def f(*arrays: np.ndarray) -> float:
        return float((fn(*[sd.from_numpy(a) for a in arrays]).numpy() * w).sum())

    tensors = [sd.from_numpy(a) for a in xs]
    grads = (fn(*[t.traced() for t in tensors]) * sd.from_numpy(w)).sum().backward()
    for i, a in enumerate(xs):
        num = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            hi, lo = a.copy(), a.copy()
            hi[j] += eps
            lo[j] -= eps
            args_hi = [hi if k == i else xs[k] for k in range(len(xs))]
            args_lo = [lo if k == i else xs[k] for k in range(len(xs))]
            num[j] = (f(*args_hi) - f(*args_lo)) / (2 * eps)
        np.testing.assert_allclose(
            grads[tensors[i]].numpy(),
            num,
            rtol=tol,
            atol=tol,
            err_msg=f"gradient of input {i} differs from differences",
        )


def randn(*shape: int, dtype: str = "float32", seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
