"""`make bench-gpu` (benchmarks/gpu.py) cannot rot: its code runs here on the CPU with tiny
sizes, where it checks its shapedl and PyTorch models against each other before timing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # NOTE: benchmarks/ is no package

from benchmarks import gpu  # noqa: E402

import shapedl as sd  # noqa: E402
from shapedl.backend.cupy import cuda_available  # noqa: E402


def test_the_gpu_benchmark_runs_on_the_cpu_with_tiny_sizes(capsys):
    before = sd.default_device()
    assert gpu.main(["--device", "cpu", "--quick"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.split() and line.split()[-1][0].isdigit()]
    names = ["conv2d", "CNN", "GPT", "MLP", "matmul", "elementwise", "CNN", "GPT", "MLP"]
    assert [r.split()[0] for r in rows] == names, out
    assert [r for r in rows if "graphed" in r] == rows[-3:], out
    assert "not a GPU figure" in out
    assert sd.default_device() is before


def test_without_a_gpu_it_says_so_and_succeeds(capsys):
    if cuda_available() and torch.cuda.is_available():
        pytest.skip("a GPU is here: make bench-gpu measures it")
    assert gpu.main([]) == 0
    assert capsys.readouterr().out.startswith("no GPU: skipped")


@pytest.mark.parametrize("graphed", [[], ["--graphed"]])
def test_the_step_profile_runs_on_the_cpu_with_tiny_sizes(capsys, graphed):
    from benchmarks import profile_step

    before = sd.default_device()
    assert profile_step.main(["--device", "cpu", "--quick", "--top", "5", *graphed]) == 0
    out = capsys.readouterr().out
    assert ("under sd.graphed" in out) == bool(graphed), out
    assert "ms per step queued (no wait)" in out and "ms waiting for the device" in out
    listed = [line for line in out.splitlines() if "src/shapedl/" in line]
    assert 1 <= len(listed) <= 5, out
    assert sd.default_device() is before
