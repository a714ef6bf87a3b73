"""The mypy plugin's cost: mypy's wall time with the plugin over the time without it.

Not a shapedl/PyTorch ratio, so it prints its own line instead of a table row. The
measurement is `typecheck_tests.bench.plugin_cost`: a fresh `python -m mypy` subprocess per
run over `typecheck_tests/pass` and `examples/`, with no cache, best of three for each
configuration (without the plugin some files have errors; only the time counts). Aim
(issue 3): ratio <= 1.3. Then the cold check of one user file, `examples/nanogpt.py`, with and
without the plugin, and the plugin's own start-up inside that figure.
"""

from __future__ import annotations

from typecheck_tests.bench import TARGETS, cold_check, plugin_cost, plugin_import

from benchmarks import Bench


def run(bench: Bench) -> None:
    cost = plugin_cost(repeat=3)
    print(
        f"mypy plugin cost over {' + '.join(TARGETS)} (no cache, best of 3): "
        f"{cost['with']:.2f} s with, {cost['without']:.2f} s without, "
        f"ratio {cost['ratio']:.2f} (aim <= 1.3)",
        flush=True,
    )
    cold = cold_check(repeat=3)
    print(
        f"cold mypy on examples/nanogpt.py (best of 3): {cold['with']:.2f} s with the plugin, "
        f"{cold['without']:.2f} s without; the plugin's own start-up (import, tables) "
        f"{plugin_import():.2f} s",
        flush=True,
    )
