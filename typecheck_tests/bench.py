"""The plugin's cost: mypy's wall time with the plugin over the time without it.

Both runs check `typecheck_tests/pass` and `examples/` in a fresh mypy process with no cache
(`--no-incremental --cache-dir /dev/null`), so they differ only in the plugin. Aim: <= 1.3.

    python -m typecheck_tests.bench [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["plugin_cost"]

REPO = Path(__file__).resolve().parents[1]
TARGETS = ["typecheck_tests/pass", "examples"]
_CONFIG = "[mypy]\npython_version = 3.11\nmypy_path = {src}\n{plugins}"


def _time(config: Path) -> float:
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental"]
    cmd += ["--cache-dir", "/dev/null", *[str(REPO / t) for t in TARGETS if (REPO / t).exists()]]
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, cwd=REPO, check=False)
    return time.perf_counter() - start


def plugin_cost(repeat: int = 3) -> dict[str, float]:
    """Best-of-`repeat` seconds with and without the plugin, and their ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        configs = {}
        for name, plugins in (("with", "plugins = shapedl_mypy\n"), ("without", "")):
            configs[name] = Path(tmp) / f"{name}.ini"
            configs[name].write_text(_CONFIG.format(src=REPO / "src", plugins=plugins))
        times = {name: min(_time(c) for _ in range(repeat)) for name, c in configs.items()}
    return {**times, "ratio": times["with"] / times["without"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    cost = plugin_cost(parser.parse_args().repeat)
    print(
        f"mypy over {' and '.join(TARGETS)}: {cost['with']:.2f} s with the plugin, "
        f"{cost['without']:.2f} s without: ratio {cost['ratio']:.2f} (aim <= 1.3)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
