"""The mypy plugin of shapedl: `plugins = ["shapedl_mypy"]` (being written)."""

from mypy.plugin import Plugin


def plugin(version: str) -> type[Plugin]:
    return Plugin
