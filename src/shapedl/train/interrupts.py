"""Ctrl-C during `fit`: the first stops after the current step, a second one at once, except
inside the parameter update and an epoch's end-of-epoch callbacks (its checkpoint), which it
lets finish first (never a half-updated model, never an epoch's checkpoint lost)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

__all__ = ["Interrupts", "sigint_after_step"]


class Interrupts:
    """What Ctrl-C asked of a training run.

    The first Ctrl-C sets `requested`, which the loop reads after each step; a second one
    raises `KeyboardInterrupt` at once, unless it comes inside `held()` (the parameter
    update): then it is raised as soon as the update is whole.
    """

    def __init__(self) -> None:
        self.requested = False
        self._holding = False
        self._pending = False

    def handler(self, signum: int, frame: Any) -> None:
        if not self.requested:
            self.requested = True
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
def sigint_after_step(interrupts: Interrupts | None = None) -> Generator[Interrupts]:
    """Ctrl-C handled by `interrupts` (a new `Interrupts` if None) while training. (Off the
    main thread, signals cannot be caught: a `KeyboardInterrupt` raised inside a step is
    handled by the loop instead.)"""
    interrupts = Interrupts() if interrupts is None else interrupts
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    previous = signal.signal(signal.SIGINT, interrupts.handler)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, previous)
