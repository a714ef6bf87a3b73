"""The CUDA backend: CuPy, imported only when a `Cuda` device is made."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import numpy

from shapedl.backend.base import Array, Backend


@functools.cache
def _outside() -> Any:
    """One fused reduction: is any value of `x` outside `[low, high)`?"""
    import cupy

    # NOTE: the cast keeps uint64 honest: a value past 2**63 turns negative, so out of range
    return cupy.ReductionKernel(
        "T x, int64 low, int64 high",
        "bool out",
        "(long long)x < low || (long long)x >= high",
        "a || b",
        "out = a",
        "false",
        "shapedl_index_outside",
    )


class CupyBackend(Backend):
    name = "cuda"
    reads_sync = True

    def __init__(self, index: int = 0, allow_tf32: bool = False) -> None:
        try:
            import cupy
        except ImportError as err:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "the Cuda device needs CuPy: pip install 'shapedl[cuda12]' (or [cuda13])"
            ) from err
        self.xp = cupy
        self.index = index
        self.device = cupy.cuda.Device(index)
        self.allow_tf32 = allow_tf32
        set_tf32(cupy, allow_tf32)
        self._convolutions: Any = None

    def convolutions(self) -> Any:
        """cuDNN's convolutions (`backend/cudnn.py`) where its frontend is installed, else None
        (and a warning, once, on the first convolution)."""
        if self._convolutions is None:
            from shapedl.backend import cudnn

            module = cudnn.frontend()
            if module is None:
                return None
            stream = self.xp.cuda.get_current_stream
            self._convolutions = cudnn.Convolutions(
                module, self.xp, self.device, self.allow_tf32, lambda: stream().ptr
            )
        return self._convolutions

    def rng(self, seed: int | None) -> Any:
        with self.device:
            return self.xp.random.default_rng(seed)

    def dtype(self, name: str) -> Any:
        if name == "bfloat16":
            raise TypeError(
                "bf16 is not supported on the Cuda device (CuPy has no bfloat16): use f16 or "
                "f32 there, or bf16 on the Cpu device"
            )
        return self.xp.dtype(name)

    def asarray(self, data: Any, dtype: str | None = None) -> Array:
        with self.device:
            if numpy.ndim(data) == 0 and not isinstance(data, self.xp.ndarray):
                # NOTE: CuPy uploads a 0-d value through a C scalar, which loses the sign of
                # -0.0 (seen on an H200: 1 / x gave inf, not -inf); a 1-element array keeps it
                data = numpy.asarray(data).reshape(1)
                return self.xp.asarray(data, dtype=dtype).reshape(())
            return self.xp.asarray(data, dtype=dtype)

    def erf(self, a: Array) -> Array:
        """CuPy's own `erf` (exact, as PyTorch's on CUDA); float16 through float32."""
        erf = importlib.import_module("cupyx.scipy.special").erf
        if a.dtype == self.xp.float16:
            return erf(a.astype(self.xp.float32)).astype(a.dtype)
        return erf(a)

    def to_numpy(self, x: Array) -> Any:
        return self.xp.asnumpy(x)

    def in_bounds(self, index: Array, low: int, high: int) -> bool:
        if index.size == 0:
            return True
        with self.device:  # NOTE: bool() is the one synchronisation
            return not bool(_outside()(index, low, high))


def set_tf32(cupy: Any, allow: bool) -> None:
    """Let CuPy's float32 matrix products use TF32 tensor cores, or hold them to fp32.

    CuPy keeps this mode per process and dtype, not per device; it reads `CUPY_TF32` only
    when no mode was set, so setting it here also overrides that variable.
    """
    linalg = importlib.import_module("cupy._core._routines_linalg")
    mode = linalg.COMPUTE_TYPE_TF32 if allow else linalg.COMPUTE_TYPE_DEFAULT
    linalg.set_compute_type("float32", mode)


def cuda_available() -> bool:
    """True where CuPy imports and sees at least one GPU."""
    try:
        import cupy

        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:
        return False
