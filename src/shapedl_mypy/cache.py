"""mypy's cache key for the plugin: a digest of the sources its answers depend on."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["source_hash", "source_roots"]


def source_roots() -> list[Path]:
    """The plugin's package and shapedl's (the shape rules, dims and messages live there)."""
    import shapedl

    return [Path(__file__).parent, Path(shapedl.__file__).parent]


def source_hash(roots: list[Path]) -> str:
    """A digest of every `.py` under `roots`: mypy's cache key for this plugin."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
