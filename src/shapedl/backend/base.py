"""What every backend provides: its array module `xp`, a seeded generator and conversions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

Array = Any  # an xp.ndarray: numpy.ndarray or cupy.ndarray
# NOTE: NumPy's scalars (`np.float32(2)`, `np.mean(a)`, `np.int64(3)`) are taken by every op as
# the Python scalars they hold (`weak`), so the types take them where they take an int or float
NumpyScalar = np.number[Any] | np.bool_

# Abramowitz and Stegun, Handbook of Mathematical Functions, 7.1.26
_AS_P = 0.3275911
_AS_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


class Backend:
    """An array module and the handful of operations that differ between libraries."""

    name: str = ""
    xp: Any = None
    # NOTE: whether reading a value on the host (`bool(a.any())`) waits for the device: where
    # it does (CUDA), an op computes on the device what the CPU may branch on instead
    reads_sync: bool = False

    def rng(self, seed: int | None) -> Any:
        """A seeded random generator with `random`, `standard_normal` and `permutation`."""
        return self.xp.random.default_rng(seed)

    def dtype(self, name: str) -> Any:
        return self.xp.dtype(name)

    def asarray(self, data: Any, dtype: str | None = None) -> Array:
        return self.xp.asarray(data, dtype=dtype)

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        """A context in which floating-point edge cases (`log(0)`, `0 / 0`, overflow) give
        their IEEE result silently, as PyTorch does, instead of warning or raising."""
        return contextlib.nullcontext()

    def quietly(self, fn: Callable[[], Array]) -> Array:
        """`fn()`, recomputed in `quiet()` only if a floating-point warning was made an error.

        NOTE: free on the common path, unlike entering `quiet()` for every call (~1.5 us in
        NumPy): an elementwise op stays as fast, NumPy's warning still reaches the user, and
        only a warnings-as-errors filter or `seterr("raise")` takes the second path, where the
        op then gives PyTorch's inf or nan rather than an exception PyTorch would not raise.
        """
        try:
            return fn()
        except (RuntimeWarning, FloatingPointError):
            with self.quiet():
                return fn()

    def erf(self, a: Array) -> Array:
        """The error function of the float array `a`, in its dtype.

        Here, for every dtype, in float32: Abramowitz and Stegun's formula 7.1.26 (absolute
        error below 1.5e-7), the one PyTorch's vectorised CPU kernel uses for float. A
        backend with an exact `erf` for a dtype (float64 everywhere) overrides this.
        """
        xp = self.xp
        x = a.astype(xp.float32, copy=False)
        # NOTE: erf is 1 in float32 from 4 on; capped, s * s of a huge value (1e30) does not
        # overflow (NumPy's warning); nan stays nan
        s = xp.minimum(xp.abs(x), 10)
        t = 1 / (1 + _AS_P * s)
        poly = xp.zeros_like(t)
        for c in _AS_A:  # Horner, from the highest power of t
            poly = (poly + c) * t
        return xp.copysign(1 - poly * xp.exp(-s * s), x).astype(a.dtype, copy=False)

    def matmul(self, a: Array, b: Array) -> Array:
        """`xp.matmul(a, b)`; the ops' matrix products go through here, so that a backend
        can take another route (cuBLAS while a step is recorded as a CUDA graph)."""
        return self.xp.matmul(a, b)

    def zero_unless(self, keep: Array, g: Array, out: Array | None = None) -> Array:
        """`g` where the bool array `keep` holds, exactly 0 elsewhere (into `out` if given).

        A select, as PyTorch's backward passes of ReLU, clamp and max pooling are: where
        `keep` is False an infinite or nan `g` gives 0, where a product with the mask gives
        nan. Here `where`.
        """
        zero = self.xp.zeros((), g.dtype)
        if out is None:
            return self.xp.where(keep, g, zero)
        self.xp.copyto(out, self.xp.where(keep, g, zero))
        return out

    def sum_of_products(self, a: Array, b: Array, axis: tuple[int, ...]) -> Array:
        """`(a * b).sum(axis)` of two arrays of one shape.

        Here the product and the sum. NOTE: not CuPy's `einsum`, which spends ~0.2 ms of
        Python a call (a tenth of a GPT step's host time on an H200, in layer norm)."""
        return (a * b).sum(axis=axis)

    def convolutions(self) -> Any:
        """The library kernels for a 2-d convolution's passes (`backend/cudnn.py`'s
        `Convolutions`), or None: the convolution ops then run their own im2col kernels."""
        return None

    def graphs(self) -> Any:
        """The recording and replaying of CUDA graphs (`backend/cupy.py`'s `CudaGraphs`) for
        `sd.graphed`, or None: a graphed step then runs eagerly at every call."""
        return None

    def to_numpy(self, x: Array) -> Any:
        """A NumPy array with the values of `x` (a copy off the device where needed)."""
        raise NotImplementedError

    def is_array(self, data: Any) -> bool:
        return isinstance(data, self.xp.ndarray)

    def in_bounds(self, index: Array, low: int, high: int) -> bool:
        """True where every value of the integer array `index` lies in `[low, high)`.

        Ops that index ask this first and raise their own error, the same on every backend:
        NumPy's indexing raises on an index out of range, CuPy's wraps it around silently.
        Here by the least and greatest value; CuPy's answer is one fused reduction and one
        value brought to the host.
        """
        if index.size == 0:
            return True
        return bool(low <= index.min()) and bool(index.max() < high)
