"""The reference backend: NumPy on the CPU."""

from __future__ import annotations

from typing import Any

import numpy

from shapedl.backend.base import Array, Backend


class NumpyBackend(Backend):
    name = "cpu"
    xp = numpy

    def to_numpy(self, x: Array) -> Any:
        return numpy.asarray(x)


NUMPY = NumpyBackend()


def any_to_numpy(data: Any) -> Any:
    """NumPy view of anything array-like (lists, NumPy arrays, objects with `__array__`)."""
    return numpy.asarray(data)
