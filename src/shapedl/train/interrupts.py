"""Ctrl-C and SIGTERM during `fit`: the first stops after the current step, a second one at
once, except inside the parameter update and an epoch's end-of-epoch callbacks (its
checkpoint), which it lets finish first (never a half-updated model, never an epoch's
checkpoint lost).

SIGTERM is what job schedulers (SLURM, Kubernetes, systemd) send before they kill: handled as
Ctrl-C is, it ends a training run cleanly within their grace period instead of in mid-step.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from contextlib import ExitStack, contextmanager
from typing import Any

__all__ = ["Interrupts", "SIGNALS", "signals_after_step"]

# NOTE: SIGTERM is the scheduler's "stop now, SIGKILL follows": as a first Ctrl-C it ends the
# run after the current step, with the last epoch's checkpoint whole
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """What Ctrl-C (or SIGTERM) asked of a training run.

    The first signal sets `requested` (and `by`, the signal's name), which the loop reads after
    each step; a second one raises `KeyboardInterrupt` at once, unless it comes inside
    `held()` (the parameter update): then it is raised as soon as the update is whole.
    """

    def __init__(self) -> None:
        self.requested = False
        self.by: str | None = None
        self._holding = False
        self._pending = False

    def handler(self, signum: int, frame: Any) -> None:
        if not self.requested:
            self.requested = True
            self.by = signal.Signals(signum).name
        elif self._holding:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def caught(self) -> Generator[None]:
        """A block where a `KeyboardInterrupt` (a second Ctrl-C, or one off the main thread)
        only sets `requested`, so that the loop stops cleanly at its next check."""
        try:
            yield
        except KeyboardInterrupt:
            self.requested = True

    @contextmanager
    def held(self) -> Generator[None]:
        """A block a second Ctrl-C does not cut short (it is raised when the block ends)."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt


@contextmanager
def signals_after_step(interrupts: Interrupts | None = None) -> Generator[Interrupts]:
    """Ctrl-C and SIGTERM handled by `interrupts` (a new `Interrupts` if None) while
    training; the previous handlers are put back after. (Off the main thread, signals cannot
    be caught: a `KeyboardInterrupt` raised inside a step is handled by the loop instead.)"""
    interrupts = Interrupts() if interrupts is None else interrupts
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    with ExitStack() as handlers:
        for signum in SIGNALS:
            handlers.enter_context(_handled(signum, interrupts))
        yield interrupts


@contextmanager
def _handled(signum: int, interrupts: Interrupts) -> Generator[None]:
    previous = signal.getsignal(signum)
    if previous is None:  # NOTE: set outside Python: it could not be put back, so leave it
        yield
        return
    signal.signal(signum, interrupts.handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)
