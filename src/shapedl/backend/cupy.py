"""The CUDA backend: CuPy, imported only when a `Cuda` device is made."""

from __future__ import annotations

from typing import Any

from shapedl.backend.base import Array, Backend


class CupyBackend(Backend):
    name = "cuda"

    def __init__(self, index: int = 0) -> None:
        try:
            import cupy
        except ImportError as err:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "the Cuda device needs CuPy: pip install 'shapedl[cuda12]' (or [cuda13])"
            ) from err
        self.xp = cupy
        self.index = index
        self.device = cupy.cuda.Device(index)

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
            return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, x: Array) -> Any:
        return self.xp.asnumpy(x)


def cuda_available() -> bool:
    """True where CuPy imports and sees at least one GPU."""
    try:
        import cupy

        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:
        return False
