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


class Backend:
    """An array module and the handful of operations that differ between libraries."""

    name: str = ""
    xp: Any = None

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
