"""`python -m shapedl_mypy PATH...`: mypy with the shapedl plugin, no config edits needed.

Extra arguments pass through to mypy; the exit status is mypy's. The mypy configuration is
the one mypy would read: `--config-file`, else what `find_config` finds (the first of mypy's
file names in the current folder and each folder above it up to the repository's root, else
the user's own file); all of it is kept, in its own format, and the plugin is added to it, with
`allow_redefinition_new` and `local_partial_types` (unless the configuration says otherwise)
so that reusing a name for a tensor of a new shape (`x = x.sum(axis=0)`) is not an error.
"""

from __future__ import annotations

import configparser
import io
import json
import sys
import tempfile
import tomllib
from pathlib import Path

from mypy import api, defaults

__all__ = ["find_config", "main", "plugin_config"]

PLUGIN = "shapedl_mypy"
# NOTE: what array code needs; a configuration that sets them otherwise is obeyed
OPTIONS = {"allow_redefinition_new": True, "local_partial_types": True}
# NOTE: mypy expands it to the folder of the file it read, which is ours, a temporary one
CONFIG_DIR = ("${MYPY_CONFIG_FILE_DIR}", "$MYPY_CONFIG_FILE_DIR")


def _mypy_settings(path: Path) -> bool:
    """Whether mypy takes `path` as its configuration: a file it can read (a shared one, such
    as pyproject.toml, with a mypy section)."""
    if not path.is_file():
        return False
    try:
        if path.suffix == ".toml":
            return "mypy" in tomllib.loads(path.read_text()).get("tool", {})
        parser = configparser.RawConfigParser()
        parser.read_string(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, configparser.Error):
        return False
    return path.name not in defaults.SHARED_CONFIG_NAMES or parser.has_section("mypy")


def find_config(start: Path) -> Path | None:
    """The file mypy reads when run in `start` without `--config-file`: in `start` and each
    folder above it, up to one that holds `.git` or `.hg`, the first of mypy.ini, .mypy.ini,
    pyproject.toml and setup.cfg (mypy's order) that has mypy settings; else the user's."""
    folder = start.resolve()
    while True:
        for name in (*defaults.CONFIG_NAMES, *defaults.SHARED_CONFIG_NAMES):
            if _mypy_settings(folder / name):
                return folder / name
        if any((folder / root).exists() for root in (".git", ".hg")) or folder.parent == folder:
            break
        folder = folder.parent
    return next((Path(f) for f in defaults.USER_CONFIG_FILES if _mypy_settings(Path(f))), None)


def _plugins(value: object, folder: Path) -> list[str]:
    """The configured plugins, with the shapedl plugin; a plugin file's path made absolute,
    as mypy reads it relative to the configuration's folder."""
    names = value if isinstance(value, list) else str(value or "").split(",")
    plugins = [str(p).strip() for p in names if str(p).strip()]
    plugins = [str(folder / p) if _is_file(p) else p for p in plugins]
    return plugins if PLUGIN in plugins else [*plugins, PLUGIN]


def _is_file(plugin: str) -> bool:
    """A plugin given as a file, `plugin.py` or `plugin.py:entry` (not a module name)."""
    return (plugin.rsplit(":", 1)[0] if ":" in Path(plugin).name else plugin).endswith(".py")


def _here(value: object, folder: Path) -> object:
    """`value` with `$MYPY_CONFIG_FILE_DIR` spelled out as `folder`, in every string in it."""
    if isinstance(value, str):
        for name in CONFIG_DIR:
            value = value.replace(name, str(folder))
        return value
    if isinstance(value, list):
        return [_here(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: _here(v, folder) for k, v in value.items()}
    return value


def _ini_config(path: Path | None) -> str:
    """An ini configuration (`path`'s, or an empty one) with the plugin and its options."""
    parser = configparser.RawConfigParser()
    if path is not None:
        parser.read_string(path.read_text())
    folder = Path.cwd() if path is None else path.resolve().parent
    if not parser.has_section("mypy"):
        parser.add_section("mypy")
    for section in parser.sections():
        for key, value in list(parser[section].items()):
            parser[section][key] = str(_here(value, folder))
    mypy = parser["mypy"]
    mypy["plugins"] = ", ".join(_plugins(mypy.get("plugins", ""), folder))
    for key, value in OPTIONS.items():
        mypy.setdefault(key, str(value))
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()


def _toml(value: object) -> str:
    """`value` as a TOML value (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def _toml_config(path: Path) -> str:
    """`path`'s `[tool.mypy]` table, whole, with the plugin and its options."""
    folder = path.resolve().parent
    table = _here(tomllib.loads(path.read_text()).get("tool", {}).get("mypy", {}), folder)
    assert isinstance(table, dict)
    table["plugins"] = _plugins(table.get("plugins", []), folder)
    table = {**OPTIONS, **table}
    return "[tool.mypy]\n" + "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in table.items())


def plugin_config(path: Path | None) -> tuple[str, str]:
    """The configuration to give mypy: `path`'s (mypy's own file), or none, with the plugin
    added, as `(file name, text)` in `path`'s format."""
    if path is not None and path.suffix == ".toml":
        return "pyproject.toml", _toml_config(path)
    return "mypy.ini", _ini_config(path)


def _split_config(args: list[str]) -> tuple[Path | None, list[str]]:
    """The `--config-file` among mypy's arguments, if one is given, and the other arguments."""
    for i, arg in enumerate(args):
        if arg == "--config-file" and i + 1 < len(args):
            return Path(args[i + 1]), args[:i] + args[i + 2 :]
        if arg.startswith("--config-file="):
            return Path(arg.split("=", 1)[1]), args[:i] + args[i + 1 :]
    return None, args


def main(argv: list[str] | None = None) -> int:
    given, args = _split_config(sys.argv[1:] if argv is None else argv)
    path = given or find_config(Path.cwd())
    with tempfile.TemporaryDirectory() as tmp:
        try:
            name, text = plugin_config(path)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, configparser.Error):
            # NOTE: a `--config-file` mypy cannot read either: mypy's own error says why
            config = path
        else:
            config = Path(tmp) / name
            config.write_text(text)
        config_args = [] if config is None else ["--config-file", str(config)]
        stdout, stderr, status = api.run([*config_args, *args])
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
