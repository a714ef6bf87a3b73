"""The mypy plugin of shapedl: `plugins = ["shapedl_mypy"]` in the mypy configuration.

It refines what plain typing cannot say (DESIGN §1): literal shapes, broadcasting, reductions,
reshapes, symbolic `Size` arithmetic, and `backward()` only on a traced scalar, reporting
mistakes with the error codes `shape` and `tape` in the runtime's own words.
"""

from __future__ import annotations

import re
import sys

from mypy.plugin import Plugin
from mypy.version import __version__ as mypy_version

__all__ = ["MYPY_VERSIONS", "ShapedlPlugin", "plugin", "unsupported"]

# NOTE: the plugin uses mypy's internals, so it supports the releases it is tested with; the
# same range is the `mypy` extra in pyproject.toml (`pip install 'shapedl[mypy]'`)
MYPY_VERSIONS = ((2, 4), (2, 5))
RANGE = ">={}.{},<{}.{}".format(*MYPY_VERSIONS[0], *MYPY_VERSIONS[1])


def unsupported(version: str) -> str | None:
    """Why mypy `version` cannot run the plugin, or None when it can."""
    m = re.match(r"(\d+)\.(\d+)", version)
    if m and MYPY_VERSIONS[0] <= (int(m[1]), int(m[2])) < MYPY_VERSIONS[1]:
        return None
    return (
        f"shapedl_mypy supports mypy {RANGE} (it uses mypy's internals), but this is mypy "
        f"{version}; install a supported one with: pip install 'shapedl[mypy]' "
        f"(or 'mypy{RANGE}')"
    )


try:
    from shapedl_mypy.plugin import ShapedlPlugin
except ImportError:  # NOTE: another mypy's internals; plugin() then says which mypy to use
    if unsupported(mypy_version) is None:
        raise


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class, or a clear exit on an unsupported mypy."""
    problem = unsupported(version)
    if problem is not None:
        # NOTE: SystemExit, not an exception: mypy prints those with its own traceback
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2)
    return ShapedlPlugin
