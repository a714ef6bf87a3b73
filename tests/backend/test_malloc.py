"""The NumPy backend keeps freed memory mapped (glibc), so temporaries don't page-fault in."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

# NOTE: three 1 MB arrays made and freed 100 times: glibc's defaults give the freed heap back
# to the system each time (3 MB at the top is over its 2 MB trim threshold), and the next
# round faults every page in again, as shapedl's im2col columns did in a loop of forward passes
PROGRAM = """
import resource, sys
import numpy as np
if sys.argv[1] == "shapedl":
    import shapedl
def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(100):
        arrays = [np.ones(1 << 18, np.float32) for _ in range(3)]
        del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults()
print(faults())
"""

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")


def _faults(*, shapedl: bool, system_malloc: bool = False) -> int:
    env = {k: v for k, v in os.environ.items() if k != "SHAPEDL_SYSTEM_MALLOC"}
    if system_malloc:
        env["SHAPEDL_SYSTEM_MALLOC"] = "1"
    args = [sys.executable, "-c", PROGRAM, "shapedl" if shapedl else "numpy"]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return int(out.stdout)


@glibc
@pytest.mark.cpu_only("glibc malloc under the NumPy backend")
def test_freed_arrays_are_reused_without_page_faults() -> None:
    plain = _faults(shapedl=False)
    assert plain > 10_000, "the allocation pattern no longer faults by default: re-measure"
    assert _faults(shapedl=True) < plain / 100


@glibc
@pytest.mark.cpu_only("glibc malloc under the NumPy backend")
def test_the_system_malloc_can_be_kept() -> None:
    assert _faults(shapedl=True, system_malloc=True) > 10_000
