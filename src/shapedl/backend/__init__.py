"""The narrow backend: the only package that imports an array library.

Ops reach arrays only through `xp` (NumPy or CuPy, whose APIs agree for what we use) and the
few helpers of `Backend`. Adding a backend is a new file here with a `Backend` subclass.
"""

from __future__ import annotations

from shapedl.backend.base import Array, Backend, NumpyScalar
from shapedl.backend.dtypes import is_float

__all__ = ["Array", "Backend", "NumpyScalar", "is_float"]
