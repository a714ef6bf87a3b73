"""What an array's dtype is, asked of the dtype object itself (CuPy's dtypes are NumPy's)."""

from __future__ import annotations

from typing import Any

import numpy

from shapedl.backend.numpy import NumpyBackend
from shapedl.types import FLOATS

__all__ = ["is_float"]

# NOTE: dtype objects, not names: `dtype.name` or `str(dtype)` costs 1-10 us, a set lookup
# ~100 ns; this is on the path of every op that checks or keeps a float dtype
_FLOATS = frozenset(NumpyBackend().dtype(name) for name in sorted(FLOATS))


def is_float(dtype: numpy.dtype[Any]) -> bool:
    """Whether `dtype` (NumPy's or CuPy's) is a floating-point dtype, bfloat16 included.

    NOTE: the set first, which answers for shapedl's four float dtypes faster than `kind`
    (and bfloat16's NumPy kind is "V"); `kind` then takes the floats that are no shapedl
    dtype (a big-endian float64, a longdouble: only `from_numpy` lets them into a tensor).

    Example:
        >>> import numpy as np
        >>> import shapedl as sd
        >>> is_float(np.dtype("float32")), is_float(np.dtype("int64"))
        (True, False)
        >>> is_float(sd.ones((2,), dtype=sd.bf16).data.dtype)
        True
    """
    return dtype in _FLOATS or dtype.kind == "f"
