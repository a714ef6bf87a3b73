"""Benchmarks: shapedl against PyTorch, side by side in one process, as ratios.

A benchmark module defines `run(bench: Bench) -> None` and calls `bench.run(name, sd_fn,
torch_fn)` once per case; `python -m benchmarks` (`make bench`) runs every module listed in
`benchmarks/__main__.py` and prints one table. Both libraries get every core of the machine.

Timing: each function is called a few times to warm up, then timed in alternating blocks
(shapedl, pause, PyTorch, pause, ...); the figure is the median. The pause lets each
library's worker threads stop spinning before the other one runs: on a machine with few
cores a spinning BLAS pool would otherwise slow the other library down, and the ratio would
measure the contention instead of the code.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

THREADS = os.cpu_count() or 1
torch.set_num_threads(THREADS)

__all__ = ["THREADS", "Bench", "Row"]


@dataclass(frozen=True)
class Row:
    """One case: median seconds per call in shapedl and in PyTorch."""

    name: str
    shapedl: float
    torch: float

    @property
    def ratio(self) -> float:
        return self.shapedl / self.torch


def _times(fn: Callable[[], Any], calls: int, clock: Callable[[], float]) -> list[float]:
    out = []
    for _ in range(calls):
        start = clock()
        fn()
        out.append(clock() - start)
    return out


@dataclass
class Bench:
    """Runs cases and collects the table.

    Args:
        rounds: alternating blocks per library.
        calls: timed calls per block (the median is over `rounds * calls` calls).
        warmup: untimed calls of each function first.
        pause: seconds of rest between blocks.
        clock: `time.perf_counter` (wall time), or `time.process_time` for the CPU time of a
            single-threaded run, which other work on a shared machine barely disturbs.
    """

    rounds: int = 5
    calls: int = 3
    warmup: int = 2
    pause: float = 0.15
    clock: Callable[[], float] = time.perf_counter
    rows: list[Row] = field(default_factory=list)

    def run(self, name: str, sd_fn: Callable[[], Any], torch_fn: Callable[[], Any]) -> Row:
        """Time `sd_fn` against `torch_fn` (no arguments; they close over their inputs)."""
        fns = (sd_fn, torch_fn)
        for fn in fns:
            _times(fn, self.warmup, self.clock)
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(self.rounds):
            for fn, out in zip(fns, times, strict=True):
                time.sleep(self.pause)
                out.extend(_times(fn, self.calls, self.clock))
        row = Row(name, statistics.median(times[0]), statistics.median(times[1]))
        self.rows.append(row)
        print(_line(row), flush=True)
        return row

    def table(self) -> str:
        return "\n".join([HEADER, *(_line(r) for r in self.rows)])


HEADER = f"{'case':<48} {'shapedl ms':>11} {'torch ms':>9} {'ratio':>6}"


def _line(row: Row) -> str:
    return f"{row.name:<48} {row.shapedl * 1e3:>11.2f} {row.torch * 1e3:>9.2f} {row.ratio:>6.2f}"
