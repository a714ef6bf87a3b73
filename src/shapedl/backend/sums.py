"""Sums over an array's leading axes, the shape of a bias's or a norm weight's gradient.

On CUDA, CuPy's reduction over axis 0 of a C-contiguous `(M, N)` array is slow: in a GPT
training step on an H200, 74 such sums took 2.7 ms of GPU time where PyTorch's 25 took 0.3 ms.
The same sum as a matrix-vector product with a vector of ones, `ones(M) @ a`, runs in cuBLAS.
NumPy keeps `.sum` (its pairwise summation): the CPU's numbers and speed do not change.
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy

from shapedl.backend.base import Array, Backend
from shapedl.backend.numpy import bfloat16
from shapedl.backend.recording import recording

__all__ = ["sum_axes", "sum_leading"]

# NOTE: by (array module, device, M, dtype), so a training step makes each vector once; the
# vectors are only read (a matmul operand), never written, so one may be shared by every call
_ONES: dict[tuple[int, Any, int, Any], Array] = {}


def sum_leading(backend: Backend, a: Array, lead: int) -> Array:
    """The sum of `a` over its first `lead` axes.

    Args:
        backend: `a`'s backend (its array module, NumPy or CuPy, and its `matmul`).
        a: the array to sum.
        lead: how many leading axes to sum over (0 gives `a` back unchanged).

    Returns:
        `a.sum(axis=tuple(range(lead)))`: on NumPy exactly that; elsewhere, for a C-contiguous
        float32 or float64 array, a matrix-vector product with a vector of ones.

    Shape:
        `(*lead_dims, *rest) -> (*rest)`

    Example:
        >>> import numpy as np
        >>> from shapedl.backend.numpy import NUMPY
        >>> sum_leading(NUMPY, np.ones((2, 3, 4)), 2).tolist()
        [6.0, 6.0, 6.0, 6.0]
    """
    if lead == 0:
        return a
    xp, m = backend.xp, prod(a.shape[:lead])
    if xp.__name__ == "numpy" or m <= 1 or not _gemv_ready(a):
        return sum_axes(a, tuple(range(lead)))
    rest = a.shape[lead:]
    return backend.matmul(_ones(xp, a, m), a.reshape(m, prod(rest))).reshape(rest)


# NOTE: dtype objects: a set lookup, not `dtype.name` (microseconds on every bias gradient)
_HALF = frozenset((numpy.dtype("float16"), numpy.dtype(bfloat16())))


def sum_axes(a: Array, axis: tuple[int, ...], keepdims: bool = False) -> Array:
    """`a.sum(axis)`, accumulated in float32 for f16 and bf16 and rounded back, as PyTorch
    sums them: NumPy sums them in their own dtype, where a bf16 sum of 4096 ones stops at 256
    (and a bias's gradient over a big batch with it).

    Example:
        >>> import numpy as np
        >>> from shapedl.backend.numpy import bfloat16
        >>> float(sum_axes(np.ones((4096, 1), dtype=bfloat16()), (0,))[0])
        4096.0
    """
    if a.dtype in _HALF:
        return a.sum(axis=axis, dtype="float32", keepdims=keepdims).astype(a.dtype)
    return a.sum(axis=axis, keepdims=keepdims)


def _gemv_ready(a: Array) -> bool:
    """Whether `a` is a float32 or float64 array that reshapes to `(M, N)` without a copy."""
    dtype = a.dtype
    return bool(dtype.kind == "f" and dtype.itemsize in (4, 8) and a.flags.c_contiguous)


def _ones(xp: Any, a: Array, m: int) -> Array:
    # NOTE: the device is in the key because CuPy allocates on the current GPU and one
    # process may train on two; NumPy arrays have no device id (None)
    key = (id(xp), getattr(getattr(a, "device", None), "id", None), m, a.dtype)
    ones = _ONES.get(key)
    if ones is None:
        ones = xp.ones(m, dtype=a.dtype)
        recorder = recording()
        if recorder is None or not recorder.capturing:  # NOTE: a recorded graph fills it
            _ONES[key] = ones  # only when it runs, so one first made there is not kept
    return ones
