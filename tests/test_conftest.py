"""`pytest --device cuda` (tests/conftest.py): every test gets a `Cuda` default device, a
`cpu_only` test is skipped with its reason, and without a GPU everything is skipped with one
reason. Run in a child pytest with this conftest, where a stand-in makes a GPU "present"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()

STAND_IN = """
import shapedl as sd
import shapedl.backend.cupy
from shapedl.backend.numpy import NumpyBackend

class FakeCuda(NumpyBackend):
    name = "fake-cuda"

shapedl.backend.cupy.cuda_available = lambda: PRESENT
sd.Cuda = lambda seed=0: sd.Device(FakeCuda(), seed)
"""

TESTS = """
import pytest
import shapedl as sd

def test_a_runs_on_the_cuda_default():
    assert sd.default_device().backend.name == "fake-cuda"

@pytest.mark.cpu_only("host memory only")
def test_b_cpu_only():
    pass

def test_c_may_change_the_default():
    sd.set_default_device(sd.Cpu(seed=3))

def test_d_gets_cuda_again():
    assert sd.default_device().backend.name == "fake-cuda"
"""


def run(tmp_path: Path, present: bool, *args: str) -> str:
    stand_in = STAND_IN.replace("PRESENT", str(present))
    (tmp_path / "conftest.py").write_text(CONFTEST + stand_in)
    (tmp_path / "test_inner.py").write_text(TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


def test_device_cuda_makes_cuda_every_tests_default(tmp_path: Path) -> None:
    out = run(tmp_path, True, "--device", "cuda")
    assert "3 passed, 1 skipped" in out, out
    assert "CPU only: host memory only" in out, out


def test_without_a_gpu_every_test_is_skipped_with_one_reason(tmp_path: Path) -> None:
    out = run(tmp_path, False, "--device", "cuda")
    assert "4 skipped" in out, out
    reasons = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("CuPy or a GPU is missing" in line for line in reasons), out


def test_the_cpu_stays_the_default_without_the_option(tmp_path: Path) -> None:
    out = run(tmp_path, True)
    assert "2 failed, 2 passed" in out, out  # the CUDA checks fail: the default is the CPU
