"""The examples run (`--quick`), and the digits models reach their promised accuracy."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest
from docblocks import section_block

import shapedl as sd

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
README = (EXAMPLES.parent / "README.md").read_text()
sys.path.insert(0, str(EXAMPLES))  # NOTE: as when run as scripts (char_transformer imports nanogpt)


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_dynamic_graph_prints_corgis_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    example("dynamic_graph").main(["--quick"])
    out = capsys.readouterr().out.split("\n")
    assert out[:3] == ["c = 195300", "dc/db = 97650", "dc/da = 232420"]


def test_xor_learns_xor(capsys: pytest.CaptureFixture[str]) -> None:
    loss = example("xor").main([])
    out = capsys.readouterr().out
    assert loss <= 0.01 and "loss <= 0.01 and accuracy >= 1.0" in out
    predictions = [float(line.split("->")[1]) for line in out.splitlines() if "->" in line]
    assert [round(p) for p in predictions] == [0, 1, 1, 0]


def test_digits_mlp_quick_and_full(capsys: pytest.CaptureFixture[str]) -> None:
    mlp = example("digits_mlp")
    assert mlp.main(["--quick"]) > 0.5
    assert "epoch 2/2" in capsys.readouterr().out
    assert mlp.main([]) >= 0.97


def test_digits_cnn_quick_writes_the_plot(tmp_path: Path) -> None:
    plot = tmp_path / "cnn.png"
    assert example("digits_cnn").main(["--quick", "--plot", str(plot)]) > 0.3
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_digits_cnn_reaches_98_percent(tmp_path: Path) -> None:
    assert example("digits_cnn").main(["--plot", str(tmp_path / "cnn.png")]) >= 0.98


def test_char_transformer_quick_samples_text(capsys: pytest.CaptureFixture[str]) -> None:
    sample = example("char_transformer").main(["--quick"])
    assert sample.startswith("Beautiful is") and len(sample) == len("Beautiful is") + 40
    assert "--- sample ---" in capsys.readouterr().out


def test_nanogpt_trains_the_same_graphed_and_eager(capsys: pytest.CaptureFixture[str]) -> None:
    """The example's step under `sd.graphed` (eager at each call on the CPU, with the device
    step count and rate) gives the plain step's losses."""
    before = sd.default_device()
    try:
        graphed = example("nanogpt").main(["--quick"])
        first = capsys.readouterr().out
        eager = example("nanogpt").main(["--quick", "--eager"])
    finally:
        sd.set_default_device(before)
    assert first == capsys.readouterr().out
    assert math.isclose(graphed, eager, rel_tol=1e-6) and graphed < 3.6
    assert first.count("loss") == 5


def test_shape_errors_tour_catches_each_bug(capsys: pytest.CaptureFixture[str]) -> None:
    ok = example("shape_errors").main(["--quick"])
    out = capsys.readouterr().out
    assert "[shape]" in out and "5408" in out and "100" in out
    assert out.count("mypy says: no issues") == 3
    assert ok
    printed = " ".join(out.split())
    shown = section_block(README, "## Set-up", "text")  # the README's excerpt of this output
    assert [line for line in shown.splitlines() if " ".join(line.split()) not in printed] == []


def test_digits_unet_quick_removes_noise(capsys: pytest.CaptureFixture[str]) -> None:
    before, after = example("digits_unet").main(["--quick"])
    assert after < 0.75 * before
    assert "denoised" in capsys.readouterr().out


def test_digits_resnet_quick_learns(capsys: pytest.CaptureFixture[str]) -> None:
    assert example("digits_resnet").main(["--quick"]) > 0.6
    assert "test accuracy" in capsys.readouterr().out
