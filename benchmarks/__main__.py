"""`python -m benchmarks [--threads N] [module ...]` (`make bench`): every module, one table.

Prints the time per call of shapedl and of PyTorch (the median after warm-up, both in this
process with every core) and the ratio shapedl / PyTorch; below 1 means shapedl is faster.
`--threads N` gives both libraries N threads instead (NumPy's BLAS through threadpoolctl);
`--threads 1 --cpu` times CPU instead of wall time, a figure that other work on a shared
machine barely disturbs.
"""

from __future__ import annotations

import contextlib
import importlib
import platform
import sys
import time
from typing import Any

import numpy as np
import torch

from benchmarks import HEADER, THREADS, Bench

MODULES = [
    "benchmarks.core",
    "benchmarks.train_step",
    "benchmarks.conv",
    "benchmarks.resample",
    "benchmarks.einsum",
    "benchmarks.recurrent",
    "benchmarks.fit",
    "benchmarks.plugin",
]


def _limit(threads: int) -> Any:
    """Both libraries on `threads` threads while the context is open."""
    if threads == THREADS:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits  # NOTE: only needed for --threads

    torch.set_num_threads(threads)
    return threadpool_limits(limits=threads)


def main(argv: list[str]) -> None:
    threads = THREADS
    if "--threads" in argv:
        at = argv.index("--threads")
        threads, argv = int(argv[at + 1]), argv[:at] + argv[at + 2 :]
    cpu = "--cpu" in argv
    argv = [a for a in argv if a != "--cpu"]
    if cpu and threads != 1:
        raise SystemExit("--cpu needs --threads 1: CPU time of several threads counts spinning")
    chosen = [m for m in MODULES if not argv or m.rsplit(".", 1)[1] in argv]
    print(
        f"{platform.processor() or platform.machine()}, {threads} threads of {THREADS} for "
        f"torch {torch.__version__} and for numpy {np.__version__}'s BLAS"
        + (", CPU time" if cpu else "")
    )
    print(HEADER, flush=True)
    bench = Bench(clock=time.process_time) if cpu else Bench()
    start = time.perf_counter()
    with _limit(threads):
        for name in chosen:
            importlib.import_module(name).run(bench)
    print(f"({len(bench.rows)} cases in {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
