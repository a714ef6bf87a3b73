"""`python -m benchmarks [module ...]` (`make bench`): every benchmark module, one table.

Prints the time per call of shapedl and of PyTorch (the median after warm-up, both in this
process with every core) and the ratio shapedl / PyTorch; below 1 means shapedl is faster.
"""

from __future__ import annotations

import importlib
import platform
import sys
import time

import numpy as np
import torch

from benchmarks import HEADER, THREADS, Bench

MODULES = ["benchmarks.conv", "benchmarks.fit"]


def main(argv: list[str]) -> None:
    chosen = [m for m in MODULES if not argv or m.rsplit(".", 1)[1] in argv]
    print(
        f"{platform.processor() or platform.machine()}, {THREADS} threads for torch "
        f"{torch.__version__} and numpy {np.__version__} (BLAS: all cores)"
    )
    print(HEADER, flush=True)
    bench = Bench()
    start = time.perf_counter()
    for name in chosen:
        importlib.import_module(name).run(bench)
    print(f"({len(bench.rows)} cases in {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
