"""The mypy plugin of shapedl: `plugins = ["shapedl_mypy"]` in the mypy configuration.

It refines what plain typing cannot say (DESIGN §1): literal shapes, broadcasting, reductions,
reshapes, symbolic `Size` arithmetic, and `backward()` only on a traced scalar, reporting
mistakes with the error codes `shape` and `tape` in the runtime's own words.
"""

from __future__ import annotations

from mypy.plugin import Plugin

from shapedl_mypy.plugin import ShapedlPlugin

__all__ = ["ShapedlPlugin", "plugin"]


def plugin(version: str) -> type[Plugin]:
    return ShapedlPlugin
