"""The reference backend: NumPy on the CPU (bfloat16 through `ml_dtypes`, as JAX does)."""

from __future__ import annotations

from typing import Any

import numpy

from shapedl.backend.base import Array, Backend


def bfloat16() -> Any:
    """NumPy's bfloat16 scalar type, from `ml_dtypes` (imported only when bf16 is used).

    Raises:
        TypeError: naming the missing package when `ml_dtypes` is not installed.
    """
    try:
        import ml_dtypes
    except ImportError as err:  # pragma: no cover - ml_dtypes is a dependency
        raise TypeError(
            "bf16 on the CPU needs the ml_dtypes package (NumPy has no bfloat16): "
            "pip install ml_dtypes"
        ) from err
    return ml_dtypes.bfloat16


class NumpyBackend(Backend):
    name = "cpu"
    xp = numpy

    def dtype(self, name: str) -> Any:
        return numpy.dtype(bfloat16() if name == "bfloat16" else name)

    def to_numpy(self, x: Array) -> Any:
        return numpy.asarray(x)


NUMPY = NumpyBackend()


def any_to_numpy(data: Any) -> Any:
    """NumPy view of anything array-like (lists, NumPy arrays, objects with `__array__`)."""
    return numpy.asarray(data)
