"""The plugin names the mypy releases it supports and refuses others with a clear message."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import mypy.version
import pytest

import shapedl_mypy
from shapedl_mypy.plugin import ShapedlPlugin

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("version", ["2.4.0", "2.4.1", "2.4.0+dev.0123abcd"])
def test_a_supported_mypy_gets_the_plugin(version):
    assert shapedl_mypy.unsupported(version) is None
    assert shapedl_mypy.plugin(version) is ShapedlPlugin


def test_the_installed_mypy_is_supported():
    assert shapedl_mypy.plugin(mypy.version.__version__) is ShapedlPlugin


@pytest.mark.parametrize("version", ["2.3.1", "2.5.0", "1.19.0", "3.0.0", "nonsense"])
def test_an_unsupported_mypy_is_told_which_to_install(version, capsys):
    with pytest.raises(SystemExit) as exit:
        shapedl_mypy.plugin(version)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: shapedl_mypy supports mypy >=2.4,<2.5 (it uses mypy's internals), but this is "
        f"mypy {version}; install a supported one with: pip install 'shapedl[mypy]' "
        "(or 'mypy>=2.4,<2.5')\n"
    )


def test_mypy_run_on_an_unsupported_version_prints_the_message_not_a_traceback(tmp_path):
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = shapedl_mypy\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    script = (
        "import sys, mypy.build\n"
        "mypy.build.__version__ = '2.6.0'  # what mypy passes to plugin(version)\n"
        "from mypy.main import main\n"
        "main(args=['--config-file', 'mypy.ini', 'a.py'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "shapedl_mypy supports mypy >=2.4,<2.5" in proc.stderr
    assert "this is mypy 2.6.0" in proc.stderr


def test_the_mypy_extra_pins_the_supported_range():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    (low_major, low_minor), (high_major, high_minor) = shapedl_mypy.MYPY_VERSIONS
    assert extras["mypy"] == [f"mypy>={low_major}.{low_minor},<{high_major}.{high_minor}"]
    assert any(re.fullmatch(r"shapedl\[.*\bmypy\b.*\]", r) for r in extras["demo"])
    assert any(re.fullmatch(r"shapedl\[.*\bdemo\b.*\]", r) for r in extras["dev"])
    assert not any(r.startswith("mypy") for r in extras["dev"])  # one pin, in the extra


def test_the_guide_states_the_supported_range():
    configuring = (REPO / "docs" / "guide" / "mypy.md").read_text()
    assert f"(`{shapedl_mypy.RANGE}`" in configuring.split("\n\n")[1]
    installing = (REPO / "docs" / "guide" / "install.md").read_text()
    assert f"`mypy{shapedl_mypy.RANGE}`" in installing  # the extras table
