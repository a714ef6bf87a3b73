"""The reference backend: NumPy on the CPU (bfloat16 through `ml_dtypes`, as JAX does)."""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import platform
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

    def erf(self, a: Array) -> Array:
        """Exact (the C library's `erf`) for float64, as PyTorch's; the base class otherwise.

        NOTE: element by element through Python (~0.1 us each): NumPy has no `erf`, and
        float64 is for checking rather than for speed.
        """
        if a.dtype != numpy.float64:
            return super().erf(a)
        return numpy.asarray(_ERF(a), dtype=numpy.float64)

    def to_numpy(self, x: Array) -> Any:
        return numpy.asarray(x)

    def zero_unless(self, keep: Array, g: Array, out: Array | None = None) -> Array:
        """The bits of `g` and'ed with a mask of all ones where `keep` holds, all zeros
        elsewhere: the select, at the speed of the product with the mask.

        NOTE: NumPy's `where` is 8x slower than that product (920 against 112 us on 200k
        float32), a masked `copyto` 14x; this is 1.2x.
        """
        g, keep = numpy.asarray(g), numpy.asarray(keep)  # NOTE: 0-d results are scalars
        bits = _BITS[g.dtype.itemsize]
        # NOTE: True is 1, -1 in int8, all ones once widened; faster than negating in `bits`
        mask = numpy.negative(keep.view(numpy.int8)).astype(bits)
        if out is not None:
            numpy.bitwise_and(g.view(bits), mask, out=out.view(bits))
            return out
        into = mask if mask.ndim and mask.shape == g.shape else None
        return numpy.bitwise_and(g.view(bits), mask, out=into).view(g.dtype)

    def sum_of_products(self, a: Array, b: Array, axis: tuple[int, ...]) -> Array:
        """`einsum`: no temporary of the arrays' size for the product."""
        names = "abcdefghijklmnopqrstuvwxyz"[: a.ndim]
        kept = "".join(c for i, c in enumerate(names) if i not in axis)
        return numpy.einsum(f"{names},{names}->{kept}", a, b)


_ERF = numpy.frompyfunc(math.erf, 1, 1)
_BITS = {n: numpy.dtype(f"i{n}") for n in (1, 2, 4, 8)}


NUMPY = NumpyBackend()

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> bool:
    """Let glibc's malloc keep freed memory for the next array instead of unmapping it.

    Set once when shapedl is imported, unless `SHAPEDL_SYSTEM_MALLOC=1`; a no-op (False)
    off glibc. NOTE: why: a step's temporaries of a few MB (im2col columns, activations) are
    freed and allocated again on every call. With glibc's defaults, whether they come back
    from the heap or from fresh pages depends on what else is allocated: in a loop of forward
    passes alone (evaluation, `predict`), each 1 MB array was a fresh mmap whose pages fault
    in one by one (2,775 page faults per batch of 256 through the 28x28 CNN of `make bench`,
    26 ms against 18.5 ms with this setting). Arrays up to 32 MB now come from the heap, and
    up to 128 MB of freed heap stays mapped (a fixed cost, as with PyTorch's caching).
    """
    if os.environ.get("SHAPEDL_SYSTEM_MALLOC") == "1" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - glibc always has mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20) and mallopt(_M_TRIM_THRESHOLD, 128 << 20))


keep_freed_memory()


def any_to_numpy(data: Any) -> Any:
    """NumPy view of anything array-like (lists, NumPy arrays, objects with `__array__`)."""
    return numpy.asarray(data)
