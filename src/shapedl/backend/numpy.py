"""The reference backend: NumPy on the CPU (bfloat16 through `ml_dtypes`, as JAX does)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy

from shapedl.backend.base import Array, Backend

_ml_dtypes: Any
try:  # NOTE: importing it teaches NumPy the dtype name "bfloat16" everywhere (~12 ms)
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - ml_dtypes is a dependency
    _ml_dtypes = None


def bfloat16() -> Any:
    """NumPy's bfloat16 scalar type, from `ml_dtypes`.

    Raises:
        TypeError: naming the missing package when `ml_dtypes` is not installed.
    """
    if _ml_dtypes is None:  # pragma: no cover - ml_dtypes is a dependency
        raise TypeError(
            "bf16 on the CPU needs the ml_dtypes package (NumPy has no bfloat16): "
            "pip install ml_dtypes"
        )
    return _ml_dtypes.bfloat16


class NumpyBackend(Backend):
    name = "cpu"
    xp = numpy

    def dtype(self, name: str) -> Any:
        return numpy.dtype(bfloat16() if name == "bfloat16" else name)

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        return numpy.errstate(all="ignore")

    def to_numpy(self, x: Array) -> Any:
        return numpy.asarray(x)


NUMPY = NumpyBackend()


def any_to_numpy(data: Any) -> Any:
    """NumPy view of anything array-like (lists, NumPy arrays, objects with `__array__`)."""
    return numpy.asarray(data)
