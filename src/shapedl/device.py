"""Devices: where a tensor's array lives and which seeded generator draws its randomness."""

from __future__ import annotations

from typing import Any

from shapedl.backend.base import Backend
from shapedl.backend.numpy import NUMPY

__all__ = ["Cpu", "Cuda", "Device", "check_device", "default_device", "set_default_device"]


class Device:
    """A backend plus a seeded random generator (dfdx's `Cpu::seed_from_u64`)."""

    backend: Backend

    def __init__(self, backend: Backend, seed: int | None) -> None:
        self.backend = backend
        self.seed = seed
        self.rng: Any = backend.rng(seed)

    @property
    def xp(self) -> Any:
        return self.backend.xp

    def reseed(self, seed: int | None) -> None:
        """Restart the generator, so the same seed gives the same draws again."""
        self.seed = seed
        self.rng = self.backend.rng(seed)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> tuple[str, int]:
        return (self.backend.name, 0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed})"


class Cpu(Device):
    """The CPU, through NumPy.

    Example:
        >>> import shapedl as sd
        >>> dev = sd.Cpu(seed=0)
        >>> sd.zeros((2, 3), device=dev).shape
        (2, 3)
    """

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__(NUMPY, seed)


class Cuda(Device):
    """An NVIDIA GPU, through CuPy (install the `cuda12` or `cuda13` extra).

    float32 on the GPU is float32: matrix products (`matmul`, and the convolutions built on
    them) give the CPU's answers to about 1e-5 relative. `allow_tf32=True` lets them round
    their inputs to TF32 (10 bits of mantissa) on tensor cores, several times faster on
    Ampere and later GPUs but off by about 1e-3 relative; `float64` and `float16` are never
    affected. CuPy holds this mode for the whole process, so the `Cuda` device made last
    sets it for every `Cuda` device (and overrides CuPy's `CUPY_TF32` variable).

    Args:
        seed: seeds the device's random generator (`None`: from the operating system).
        index: which GPU, as CUDA numbers them.
        allow_tf32: let float32 matrix products use TF32 (default `False`, PyTorch's
            default for matrix products too).

    Raises:
        RuntimeError: when CuPy is not installed, saying which extra installs it.

    Example:
        >>> import shapedl as sd
        >>> fast = sd.Cuda(seed=0, allow_tf32=True)  # doctest: +SKIP
        >>> fast.allow_tf32  # doctest: +SKIP
        True
    """

    def __init__(self, seed: int | None = 0, index: int = 0, allow_tf32: bool = False) -> None:
        from shapedl.backend.cupy import CupyBackend

        super().__init__(CupyBackend(index, allow_tf32), seed)
        self.index = index
        self.allow_tf32 = allow_tf32

    @property
    def key(self) -> tuple[str, int]:
        return ("cuda", self.index)


_default: list[Device] = []


def check_device(op: str, device: object) -> None:
    """A `TypeError` naming `op` and what to write, for a `device` that is none: PyTorch's
    `.to("cuda")` or `.to(torch.float16)` ported as they are."""
    if isinstance(device, Device):
        return
    name = getattr(device, "__name__", "")
    if isinstance(device, type) and hasattr(device, "name") and name:
        fix = f"convert with .astype(sd.{name})"
        raise TypeError(f"{op}: sd.{name} is a dtype, not a device; {fix}")
    kind = "a string" if isinstance(device, str) else "not a device"
    raise TypeError(f"{op}: {device!r} is {kind}; a device is sd.Cpu() or sd.Cuda()")


def default_device() -> Device:
    """The device of module-level creation functions and new modules (a `Cpu(seed=0)`)."""
    if not _default:
        _default.append(Cpu(seed=0))
    return _default[0]


def set_default_device(device: Device) -> None:
    """Make `device` the default for module-level creation functions and new modules."""
    _default[:] = [device]
