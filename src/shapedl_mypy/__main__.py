"""`python -m shapedl_mypy PATH...`: mypy with the shapedl plugin, no config edits needed.

Extra arguments pass through to mypy; the exit status is mypy's. A mypy configuration found
in the current directory is kept (its other settings apply) and the plugin is added to it,
with `allow_redefinition_new` (unless the configuration says otherwise) so that reusing a
name for a tensor of a new shape (`x = x.sum(axis=0)`) is not an error.
"""

from __future__ import annotations

import configparser
import sys
import tempfile
import tomllib
from pathlib import Path

from mypy import api

__all__ = ["main", "plugin_config"]

PLUGIN = "shapedl_mypy"


def _existing() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The `[mypy]` settings found here, and the per-module sections (`[mypy-PATTERN]`)."""
    for name in ("mypy.ini", ".mypy.ini", "setup.cfg"):
        parser = configparser.ConfigParser()
        if Path(name).is_file() and parser.read(name) and parser.has_section("mypy"):
            modules = {k[5:]: dict(parser[k]) for k in parser.sections() if k.startswith("mypy-")}
            return dict(parser["mypy"]), modules
    if Path("pyproject.toml").is_file():
        data = tomllib.loads(Path("pyproject.toml").read_text())
        table = data.get("tool", {}).get("mypy", {})
        settings = {k: _ini(v) for k, v in table.items() if not _is_table(v)}
        return settings, _overrides(table.get("overrides", []))
    return {}, {}


def _overrides(tables: list[dict[str, object]]) -> dict[str, dict[str, str]]:
    """pyproject's `[[tool.mypy.overrides]]` as ini sections keyed by their module patterns."""
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        module = table.get("module", [])
        names = [module] if isinstance(module, str) else module if isinstance(module, list) else []
        pattern = ",".join(str(m) for m in names)
        out[pattern] = {k: _ini(v) for k, v in table.items() if k != "module"}
    return out


def _is_table(value: object) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    )


def _ini(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def plugin_config(
    settings: dict[str, str], modules: dict[str, dict[str, str]] | None = None
) -> str:
    """An ini configuration: `settings` with the plugin added, and the per-module sections."""
    plugins = [p.strip() for p in settings.get("plugins", "").split(",") if p.strip()]
    if PLUGIN not in plugins:
        plugins.append(PLUGIN)
    # NOTE: so `x = x.sum(axis=0)` gives x its new shape instead of an [assignment] error
    for key in ("allow_redefinition_new", "local_partial_types"):
        settings = {key: "True", **settings}
    lines = ["[mypy]"]
    lines += [f"{k} = {v}" for k, v in settings.items() if k != "plugins"]
    lines.append(f"plugins = {', '.join(plugins)}")
    for pattern, options in (modules or {}).items():
        lines += ["", f"[mypy-{pattern}]", *(f"{k} = {v}" for k, v in options.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "mypy.ini"
        config.write_text(plugin_config(*_existing()))
        stdout, stderr, status = api.run(["--config-file", str(config), *args])
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
