"""A tour of three real shape bugs: what mypy with the shapedl plugin says about each, and
the fix. Each bug lives in a small snippet file (written to a temporary folder) so this
script itself runs; it type-checks every snippet with `python -m shapedl_mypy` and prints
the messages, then shows that the fixed versions pass.

    python examples/shape_errors.py
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

HEADER = """\
from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
"""


@dataclass(frozen=True)
class Bug:
    title: str
    story: str
    code: str  # the snippet, with {line} where the bug (or its fix) goes
    bug: str
    fix: str

    def snippet(self, fixed: bool) -> str:
        return (
            HEADER + "\n" + textwrap.dedent(self.code).format(line=self.fix if fixed else self.bug)
        )


BUGS = [
    Bug(
        "A hand-written softmax forgets keepdims",
        "The row maximum has shape (B,), which broadcasts against the last axis (10) of the "
        "logits, not against the rows: NumPy raises for most batch sizes, and silently "
        "subtracts the wrong numbers when B happens to be 10.",
        """
        def softmax(logits: Tensor[tuple[B, Const[10]], f32]) -> Tensor[tuple[B, Const[10]], f32]:
            {line}
            e = shifted.exp()
            return e / e.sum(axis=1, keepdims=True)
        """,
        "shifted = logits - logits.max(axis=1)",
        "shifted = logits - logits.max(axis=1, keepdims=True)",
    ),
    Bug(
        "A weight stored as (out, in), used as (in, out)",
        "PyTorch and shapedl keep a linear layer's weight as (out_features, in_features); "
        "multiplying by it directly asks for 784 == 10.",
        """
        def classify(
            x: Tensor[tuple[B, Const[784]], f32], weight: Tensor[tuple[Const[10], Const[784]], f32]
        ) -> Tensor[tuple[B, Const[10]], f32]:
            {line}
        """,
        "return x @ weight",
        "return x @ weight.T",
    ),
    Bug(
        "The Linear after a conv does not fit the flattened size",
        "A 3x3 convolution turns 28x28 into 26x26, so Flatten gives 8 * 26 * 26 = 5408 "
        "features per image, not the 100 the Linear layer was written for. mypy follows the "
        "shapes through every layer of the Sequential.",
        """
        def logits(images: Tensor[tuple[B, Const[1], Const[28], Const[28]], f32]) -> None:
            {line}
            model(images)
        """,
        "model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(100, 10))",
        "model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(5408, 10))",
    ),
]


def mypy_command(folder: Path) -> list[str]:
    """`python -m shapedl_mypy` (mypy with the plugin), or mypy with a config naming it."""
    if importlib.util.find_spec("shapedl_mypy.__main__") is not None:
        return [sys.executable, "-m", "shapedl_mypy"]
    config = folder / "mypy.ini"
    config.write_text("[mypy]\nplugins = shapedl_mypy\n")
    return [sys.executable, "-m", "mypy", "--config-file", str(config)]


def check(files: list[Path], folder: Path) -> dict[str, list[str]]:
    """mypy's messages for each file (by name), from one run over all of them."""
    cache = Path(tempfile.gettempdir()) / "shapedl-tour-mypy-cache"
    command = [*mypy_command(folder), "--cache-dir", str(cache), "--no-error-summary"]
    run = subprocess.run([*command, *map(str, files)], capture_output=True, text=True)
    messages: dict[str, list[str]] = {f.name: [] for f in files}
    for line in run.stdout.splitlines():
        match = re.match(r"(?:.*[/\\])?([\w.]+\.py):(\d+): (error|note): (.*)", line)
        if match and match[1] in messages:
            messages[match[1]].append(f"line {match[2]}: {match[3]}: {match[4]}")
    if run.returncode not in (0, 1):
        raise RuntimeError(f"mypy failed:\n{run.stdout}\n{run.stderr}")
    return messages


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="(the same: one mypy run)")
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for i, bug in enumerate(BUGS, 1):
            for kind, fixed in (("bug", False), ("fix", True)):
                path = folder / f"{kind}_{i}.py"
                path.write_text(bug.snippet(fixed))
                files.append(path)
        print("Type-checking the snippets with mypy and the shapedl plugin ...\n", flush=True)
        messages = check(files, folder)
    ok = True
    for i, bug in enumerate(BUGS, 1):
        found, after = messages[f"bug_{i}.py"], messages[f"fix_{i}.py"]
        print(f"{i}. {bug.title}\n")
        print(textwrap.indent(textwrap.fill(bug.story, 88), "   "))
        print(f"\n       {bug.bug}\n\n   mypy says:")
        for line in found or ["(nothing: the bug was not caught)"]:
            print(f"       {line}")
        print(f"\n   the fix:\n\n       {bug.fix}\n")
        print("   mypy says: " + ("no issues" if not after else "\n       ".join(after)))
        print()
        ok = ok and any("[shape]" in m for m in found) and not after
    print("All three bugs caught, all three fixes clean." if ok else "Some check did not hold.")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
