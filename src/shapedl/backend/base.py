"""What every backend provides: its array module `xp`, a seeded generator and conversions."""

from __future__ import annotations

from typing import Any

Array = Any  # an xp.ndarray: numpy.ndarray or cupy.ndarray


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
