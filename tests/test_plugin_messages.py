"""The same bad program gives the same words from mypy and from the run-time error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

import shapedl as sd
from shapedl.errors import ShapeError, TapeError

REPO = Path(__file__).resolve().parents[1]

# One bad line per case; each runs (and fails) on its own at run time.
CASES = [
    "sd.zeros((3, 4)) @ sd.ones((5, 6))",
    "sd.ones((2, 3, 4)) @ sd.ones((5, 4, 6))",
    "sd.zeros((3, 4)) + sd.ones((5,))",
    "sd.zeros((3, 4)) * sd.ones((2, 4)).traced()",
    "sd.ops.maximum(sd.zeros((3, 4)), sd.ones((3,)))",
    "sd.zeros((3, 4)) < sd.ones((3,))",
    "sd.zeros((2, 3)).sum(axis=2)",
    "sd.zeros((2, 3)).mean(axis=(0, 0))",
    "sd.zeros((2, 3)).softmax(axis=-3)",
    "sd.zeros((2, 3, 4)).reshape((5, 5))",
    "sd.zeros((2, 3, 4)).permute((0, 1))",
    "sd.zeros((2, 3, 4)).transpose(0, 3)",
    "sd.zeros((2, 3, 4)).squeeze(1)",
    "sd.zeros((2, 3, 4)).broadcast_to((2, 5, 4))",
    "sd.ops.concat([sd.zeros((2, 3)), sd.ones((4, 5))], axis=0)",
    "sd.ops.stack([sd.zeros((2, 3)), sd.ones((2, 4))])",
    "sd.zeros((2, 3)).split(2, axis=1)",
    "sd.zeros((2, 3, 4))[2]",
    "sd.zeros((3, 4)).gather(sd.zeros((3,), dtype=sd.i64))",
    "sd.zeros((3, 4)).masked_fill(sd.ones((3, 4, 2)) > 0, 0.0)",
    "sd.ops.pad(sd.zeros((3, 4)), ((1, 1), (1, 1), (1, 1)))",
    "sd.ops.conv2d(sd.ones((8, 3, 28, 28)), sd.ones((16, 4, 3, 3)))",
    "sd.ops.max_pool2d(sd.ones((3, 28, 28)), 2)",
    "sd.ops.layer_norm(sd.ones((2, 5, 8)), 4)",
    "sd.ops.embedding(sd.zeros((2, 5), dtype=sd.i64), sd.ones((10, 8, 2)))",
    "sd.losses.cross_entropy_with_logits_loss(sd.ones((4, 3)), sd.zeros((5,), dtype=sd.i64))",
    "sd.zeros((3, -4))",
    "sd.zeros((2, 3)).sum().backward()",
    "sd.zeros((2, 3)).traced().backward()",
]
_LINE = re.compile(r"^[^:]+:(\d+): error: (.*)  \[(shape|tape)\]$")


@pytest.fixture(scope="module")
def mypy_messages(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """mypy's `[shape]`/`[tape]` message for each case, by case index (one mypy run)."""
    folder = tmp_path_factory.mktemp("messages")
    path = folder / "message_cases.py"
    path.write_text("import shapedl as sd\n" + "\n".join(CASES) + "\n")
    config = str(REPO / "pyproject.toml")
    stdout, _, _ = api.run(["--config-file", config, "--no-incremental", str(path)])
    out: dict[int, str] = {}
    for line in stdout.splitlines():
        if m := _LINE.match(line):
            out[int(m.group(1)) - 2] = m.group(2)
    return out


def runtime_message(code: str) -> str:
    try:
        exec(code, {"sd": sd})
    except (ShapeError, TapeError) as err:
        return str(err)
    raise AssertionError(f"{code} ran without a ShapeError or TapeError")


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASES)
def test_same_message(mypy_messages: dict[int, str], index: int) -> None:
    expected = runtime_message(CASES[index])
    assert mypy_messages.get(index) == expected
