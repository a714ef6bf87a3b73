"""The differential fuzzer's machinery: Hypothesis strategies for arrays with edge values,
axes and broadcast shapes, and one comparison of a shapedl program with its PyTorch twin
(values, dtypes, shapes and the gradient of every float input, nan and inf positions
included).

A case is `(inputs, ours, theirs)`: NumPy arrays, a function of shapedl tensors and a function
of torch tensors, each returning one tensor or a tuple of tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import shapedl as sd

# NOTE: ties (a small pool), signed zeros, infinities, nan, values past exp's overflow
# (88.8 in f32) and softplus's threshold (20), tiny and subnormal values
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 2.0, math.inf, -math.inf, math.nan]
EXTREMES = [1e30, -1e30, 1e-30, -1e-30, 1e-40, 88.8, -88.8, 20.5, -104.0, 710.0]
TOL = {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-10)}

Case = tuple[list[np.ndarray], Callable[..., Any], Callable[..., Any]]


def elements(extremes: bool) -> st.SearchStrategy[float]:
    pool = EDGES + EXTREMES if extremes else EDGES
    keep = not flushes_subnormals()
    return st.one_of(
        st.sampled_from([v for v in pool if keep or v != 1e-40]),
        st.floats(-4, 4, width=32, allow_subnormal=keep),
        st.integers(-3, 3).map(float),
    )


def flushes_subnormals() -> bool:
    """True where the tests' device is CUDA: CuPy compiles its kernels with `-ftz=true`
    (cupy/cupy#9576), so f32 subnormals read and write as zero there (`ceil(1e-40) == 0`),
    where PyTorch's keep them. docs/guide/gpu.md says so; the fuzzer leaves them out there."""
    return isinstance(sd.default_device(), sd.Cuda)


def shapes(min_dims: int = 0, max_dims: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=4)


def array(draw: st.DrawFn, shape: tuple[int, ...], dtype: str, extremes: bool = True) -> np.ndarray:
    """An array of `dtype`: floats with edge values (`extremes`: huge and tiny ones too),
    integers in a small range (ties), or bools."""
    if dtype == "bool":
        return draw(hnp.arrays(np.bool_, shape))
    if dtype == "int64":
        return draw(hnp.arrays(np.int64, shape, elements=st.integers(-4, 4)))
    values = draw(hnp.arrays(np.float64, shape, elements=elements(extremes)))
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def axis_of(draw: st.DrawFn, ndim: int, tuples: bool = True, none: bool = True) -> Any:
    """None, one axis (negative or not), or a tuple of distinct axes (not empty)."""
    options: list[Any] = [None] if none else []
    if ndim:
        one = st.integers(-ndim, ndim - 1)
        options += [draw(one)]
        if tuples:
            picked = draw(st.lists(one, min_size=1, max_size=ndim, unique_by=lambda a: a % ndim))
            options += [tuple(picked)]
    return draw(st.sampled_from(options))


def dims_of(axis: Any, ndim: int) -> Any:
    """`axis` as torch's `dim`: all axes for None (torch's `dim=None` means that too)."""
    if axis is None:
        return tuple(range(ndim))
    return axis


def _torch_dtype(dtype: np.dtype[Any]) -> torch.dtype:
    return torch.from_numpy(np.zeros(0, dtype)).dtype


def _items(out: Any) -> list[Any]:
    return list(out) if isinstance(out, tuple | list) else [out]


def _close(got: np.ndarray, want: np.ndarray, tol: tuple[float, float], what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape} != torch's {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != torch's {want.dtype}"
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    np.testing.assert_allclose(got, want, rtol=tol[0], atol=tol[1], equal_nan=True, err_msg=what)


def run(case: Case, grad: bool = True, scale: bool = False, nonfinite: bool = False) -> None:
    """Compare `ours(*tensors)` with `theirs(*torch_tensors)`, item by item, then the gradients
    of `sum(out_i * w_i)` over the float items with fixed weights `w_i`.

    `scale`: the absolute tolerance grows with the largest finite input (for ops that sum many
    terms, whose rounding is relative to the largest, not to the result).
    `nonfinite`: some weights are inf, -inf and nan, so the gradients that reach the op are
    (an overflowed loss term): where PyTorch's backward selects, 0 must stay 0.
    """
    inputs, ours, theirs = case
    dtype = next((str(a.dtype) for a in inputs if a.dtype.kind == "f"), "float32")
    rtol, atol = TOL.get(dtype, TOL["float32"])
    if scale:
        finite = [np.abs(a[np.isfinite(a)]).max(initial=0) for a in inputs if a.dtype.kind == "f"]
        atol = max(atol, rtol * float(max(finite, default=0)) * 4)
    xs = [sd.from_numpy(a.copy()) for a in inputs]
    traced = [
        x.traced() if grad and a.dtype.kind == "f" else x for x, a in zip(xs, inputs, strict=True)
    ]
    ts = [torch.from_numpy(a.copy()) for a in inputs]
    for t in ts:
        t.requires_grad_(grad and t.is_floating_point())
    try:
        want = _items(theirs(*ts))
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        # NOTE: where PyTorch refuses (the inf norm of nothing), shapedl must refuse too
        with pytest.raises(Exception):  # noqa: B017 - the kinds differ (ShapeError...)
            ours(*traced)
        del e
        return
    got = _items(ours(*traced))
    assert len(got) == len(want), f"{len(got)} results, torch gives {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        _close(g.numpy(), w.detach().numpy(), (rtol, atol), f"result {i} differs from torch")
    if not any(t.requires_grad for t in ts):
        return
    _gradients(xs, ts, got, want, (rtol, atol), nonfinite)


def _gradients(
    xs: Sequence[Any],
    ts: Sequence[torch.Tensor],
    got: list[Any],
    want: list[Any],
    tol: Any,
    nonfinite: bool,
) -> None:
    rng = np.random.default_rng(0)
    pairs = [(g, w) for g, w in zip(got, want, strict=True) if w.requires_grad and g.is_traced]
    assert len(pairs) == sum(w.requires_grad for w in want), "a traced torch result is untraced"
    if not pairs:
        return
    weights = [rng.standard_normal(g.shape).astype(g.numpy().dtype) for g, _ in pairs]
    for w in weights if nonfinite else []:
        flat = w.reshape(-1)  # NOTE: a view: the weights are fresh, contiguous arrays
        flat[0::3], flat[1::5], flat[2::7] = np.inf, np.nan, -np.inf
    total: Any = None
    for (g, _), w in zip(pairs, weights, strict=True):
        term = (g * sd.from_numpy(w)).sum()
        total = term if total is None else total + term
    grads = total.backward()
    torch.autograd.backward(
        [(t * torch.from_numpy(w)).sum() for (_, t), w in zip(pairs, weights, strict=True)]
    )
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        if t.requires_grad:
            mine = grads[x].numpy()
            theirs = t.grad.numpy() if t.grad is not None else np.zeros_like(mine)
            _close(mine, theirs, tol, f"gradient of input {i} differs from torch")
