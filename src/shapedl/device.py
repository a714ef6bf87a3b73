"""Devices: where a tensor's array lives and which seeded generator draws its randomness."""

from __future__ import annotations

from typing import Any

from shapedl.backend.base import Backend
from shapedl.backend.numpy import NUMPY

__all__ = ["Cpu", "Cuda", "Device", "default_device", "set_default_device"]


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
    """An NVIDIA GPU, through CuPy (install the `cuda12` or `cuda13` extra)."""

    def __init__(self, seed: int | None = 0, index: int = 0) -> None:
        from shapedl.backend.cupy import CupyBackend

        super().__init__(CupyBackend(index), seed)
        self.index = index

    @property
    def key(self) -> tuple[str, int]:
        return ("cuda", self.index)


_default: list[Device] = []


def default_device() -> Device:
    """The device of module-level creation functions and new modules (a `Cpu(seed=0)`)."""
    if not _default:
        _default.append(Cpu(seed=0))
    return _default[0]


def set_default_device(device: Device) -> None:
    """Make `device` the default for module-level creation functions and new modules."""
    _default[:] = [device]
