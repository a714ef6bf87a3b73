"""What a step being recorded as a CUDA graph (`sd.graphed`, graphs.py) asks of the code it
runs: the backend, the ops and the optimizers ask `recording()` and register their host work
with it. Here, below the tensors, so that the backend can import it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["NotReady", "Recorder", "recorded", "recording"]

Array = Any  # NOTE: backend/base.py's, without importing NumPy here


class NotReady(Exception):  # noqa: N818  (a signal to the recorder, not an error for users)
    """Raised while recording when the step would first make state (an optimizer's moments):
    the recording is dropped and the call runs eagerly, to record at the next call."""


class Recorder:
    """What a step, while it runs under `graphed`, asks of each of its replays.

    Code that keeps host state across steps registers it here (the optimizer's step count):
    `before` runs before each replay (and at once when not `capturing`), `after` after each
    run of the step, `guards` say whether the recorded graph still fits (else it is recorded
    again), and `checks` are device flags (an index out of range) read after each replay.
    """

    __slots__ = ("capturing", "befores", "afters", "guards", "checks")

    def __init__(self, capturing: bool) -> None:
        self.capturing = capturing
        self.befores: list[Callable[[], None]] = []
        self.afters: list[Callable[[], None]] = []
        self.guards: list[Callable[[], bool]] = []
        self.checks: list[tuple[Array, str]] = []

    def before(self, fn: Callable[[], None]) -> None:
        self.befores.append(fn)
        if not self.capturing:
            fn()

    def after(self, fn: Callable[[], None]) -> None:
        self.afters.append(fn)

    def guard(self, fn: Callable[[], bool]) -> None:
        self.guards.append(fn)

    def check(self, flag: Array, message: str) -> None:
        """A 0-d boolean device array, True when the replay went wrong as `message` says."""
        self.checks.append((flag, message))

    def not_ready(self, why: str) -> None:
        """Stop a recording that would make lasting state (see `NotReady`)."""
        if self.capturing:
            raise NotReady(why)


class _Stack(threading.local):
    """The recorders of this thread (each thread runs its own steps, as CuPy's allocator and
    current stream are the thread's)."""

    def __init__(self) -> None:
        self.recorders: list[Recorder] = []


_STACK = _Stack()


def recording() -> Recorder | None:
    """The recorder of the step running under `graphed` in this thread, or None."""
    recorders = _STACK.recorders
    return recorders[-1] if recorders else None


@contextlib.contextmanager
def recorded(recorder: Recorder) -> Iterator[Recorder]:
    """Run the step under `recorder` while the context is open."""
    _STACK.recorders.append(recorder)
    try:
        yield recorder
    finally:
        _STACK.recorders.pop()
