"""`python -m shapedl_mypy` reads the configuration mypy would read, all of it.

mypy 2.4 looks in the current folder and each folder above it, up to the repository's root
(`.git` or `.hg`), for mypy.ini, .mypy.ini, pyproject.toml (with `[tool.mypy]`) and setup.cfg
(with `[mypy]`), in that order; the wrapper must find the same file and keep its settings.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from shapedl_mypy.__main__ import find_config, plugin_config


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository's root: the search for a configuration stops here."""
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("present", "read"),
    [
        (["setup.cfg", "pyproject.toml"], "pyproject.toml"),
        (["pyproject.toml", "mypy.ini"], "mypy.ini"),
        (["setup.cfg", ".mypy.ini"], ".mypy.ini"),
    ],
)
def test_the_file_mypy_reads_first_is_read(repo: Path, present: list[str], read: str) -> None:
    sections = {".toml": "[tool.mypy]\nstrict = true\n", "": "[mypy]\nstrict = True\n"}
    for name in present:
        (repo / name).write_text(sections[".toml" if name.endswith(".toml") else ""])
    assert find_config(repo) == repo / read


def test_a_shared_file_without_mypy_settings_is_passed_over(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (repo / "setup.cfg").write_text("[flake8]\nmax-line-length = 100\n")
    assert find_config(repo) is None
    (repo / "setup.cfg").write_text("[mypy]\nstrict = True\n")
    assert find_config(repo) == repo / "setup.cfg"


def test_the_search_goes_up_to_the_repository_root(repo: Path) -> None:
    (repo.parent / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    sub = repo / "app" / "sub"
    sub.mkdir(parents=True)
    assert find_config(sub) is None
    (repo / "pyproject.toml").write_text("[tool.mypy]\nstrict = true\n")
    assert find_config(sub) == repo / "pyproject.toml"
    (repo / "app" / "setup.cfg").write_text("[mypy]\nwarn_unreachable = True\n")
    assert find_config(sub) == repo / "app" / "setup.cfg"


def test_a_toml_configuration_is_kept_whole(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mypy]\nstrict = true\nexclude = ["^build/", "^dist/"]\n'
        'mypy_path = "$MYPY_CONFIG_FILE_DIR/src"\nplugins = ["numpy.typing.mypy_plugin"]\n'
        '[[tool.mypy.overrides]]\nmodule = ["sklearn.*"]\nignore_missing_imports = true\n'
    )
    name, text = plugin_config(tmp_path / "pyproject.toml")
    table = tomllib.loads(text)["tool"]["mypy"]
    assert name == "pyproject.toml"
    assert table["strict"] is True and table["exclude"] == ["^build/", "^dist/"]
    assert table["mypy_path"] == f"{tmp_path}/src"
    assert table["plugins"] == ["numpy.typing.mypy_plugin", "shapedl_mypy"]
    assert table["overrides"] == [{"module": ["sklearn.*"], "ignore_missing_imports": True}]
    assert table["allow_redefinition_new"] is True and table["local_partial_types"] is True


def test_an_ini_configuration_is_kept_whole(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[mypy]\nstrict = True\nallow_redefinition_new = False\nplugins = local/plug.py\n\n"
        "[mypy-sklearn.*]\nignore_missing_imports = True\n\n[flake8]\nmax-line-length = 100\n"
    )
    name, text = plugin_config(tmp_path / "setup.cfg")
    assert name == "mypy.ini"
    assert "strict = True" in text and "allow_redefinition_new = False" in text
    assert f"plugins = {tmp_path}/local/plug.py, shapedl_mypy" in text
    assert "[mypy-sklearn.*]\nignore_missing_imports = True" in text


def test_strict_from_a_configuration_above_the_current_folder(repo: Path) -> None:
    (repo / "setup.cfg").write_text("[mypy]\nwarn_unused_configs = False\n")
    (repo / "pyproject.toml").write_text("[tool.mypy]\nstrict = true\n")
    sub = repo / "app"
    sub.mkdir()
    (sub / "untyped.py").write_text("def f(x):\n    return x\n")
    cmd = [sys.executable, "-m", "shapedl_mypy", "--no-incremental", "untyped.py"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=sub)
    assert proc.returncode == 1 and "[no-untyped-def]" in proc.stdout, proc.stdout + proc.stderr


def test_a_config_file_given_gets_the_plugin_too(repo: Path) -> None:
    (repo / "checks.ini").write_text("[mypy]\nstrict = True\n")
    (repo / "bad.py").write_text("import shapedl as sd\nsd.zeros((2, 3)).sum(axis=2)\n")
    cmd = [sys.executable, "-m", "shapedl_mypy", "--config-file", "checks.ini", "bad.py"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=repo)
    assert "axis 2 is out of range for rank 2  [shape]" in proc.stdout, proc.stdout + proc.stderr
