"""The plugin's cost: mypy's wall time with the plugin over the time without it.

Both runs check `typecheck_tests/pass` and `examples/` in a fresh mypy process with no cache
(`--no-incremental --cache-dir /dev/null`), so they differ only in the plugin. Aim: <= 1.3.
`cold_check` times one user file the same way (a cold check of `examples/nanogpt.py`, the
figure users compare with Pyrefly's), and `plugin_import` the plugin's own start-up: importing
it (and the runtime whose shape rules it runs) and building its hook tables.

    python -m typecheck_tests.bench [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["cold_check", "plugin_cost", "plugin_import"]

REPO = Path(__file__).resolve().parents[1]
TARGETS = ["typecheck_tests/pass", "examples"]
_CONFIG = "[mypy]\npython_version = 3.11\nmypy_path = {src}\n{plugins}"


def _time(config: Path, targets: list[str]) -> float:
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental"]
    cmd += ["--cache-dir", "/dev/null", *[str(REPO / t) for t in targets if (REPO / t).exists()]]
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, cwd=REPO, check=False)
    return time.perf_counter() - start


def plugin_cost(repeat: int = 3, targets: list[str] = TARGETS) -> dict[str, float]:
    """Best-of-`repeat` seconds with and without the plugin, and their ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        configs = {}
        for name, plugins in (("with", "plugins = shapedl_mypy\n"), ("without", "")):
            configs[name] = Path(tmp) / f"{name}.ini"
            configs[name].write_text(_CONFIG.format(src=REPO / "src", plugins=plugins))
        times = {name: min(_time(c, targets) for _ in range(repeat)) for name, c in configs.items()}
    return {**times, "ratio": times["with"] / times["without"]}


def cold_check(repeat: int = 3) -> dict[str, float]:
    """A cold check of `examples/nanogpt.py` alone, with and without the plugin."""
    return plugin_cost(repeat, ["examples/nanogpt.py"])


def plugin_import(repeat: int = 3) -> float:
    """Best-of-`repeat` seconds a fresh process takes to import the plugin and build it."""
    code = (
        "import time, mypy.options; t = time.perf_counter(); import shapedl_mypy; "
        "shapedl_mypy.plugin('2.4')(mypy.options.Options()); print(time.perf_counter() - t)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    cost = plugin_cost(repeat)
    print(
        f"mypy over {' and '.join(TARGETS)}: {cost['with']:.2f} s with the plugin, "
        f"{cost['without']:.2f} s without: ratio {cost['ratio']:.2f} (aim <= 1.3)"
    )
    cold = cold_check(repeat)
    print(
        f"cold mypy on examples/nanogpt.py: {cold['with']:.2f} s with the plugin, "
        f"{cold['without']:.2f} s without; the plugin's start-up {plugin_import(repeat):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
