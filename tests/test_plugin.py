"""The plugin as a whole: never a crash, cache invalidation, and `python -m shapedl_mypy`."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mypy import api

from shapedl.ops import REGISTRY
from shapedl_mypy.plugin import source_hash

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the module: typeshed and shapedl are analysed once."""
    return tmp_path_factory.mktemp("mypy_cache")


def run_mypy(tmp_path: Path, cache: Path, source: str) -> tuple[str, int]:
    # NOTE: a module name of its own per test, so the shared cache never answers for it
    path = tmp_path / f"{tmp_path.name}.py"
    path.write_text(textwrap.dedent(source))
    config = str(REPO / "pyproject.toml")
    args = ["--config-file", config, "--cache-dir", str(cache), "--show-traceback", str(path)]
    stdout, stderr, status = api.run(args)
    return stdout + stderr, status


SNIPPET = """
    import shapedl as sd
    a = sd.zeros((3, 4)) @ sd.ones((5, 6))
    b = sd.zeros((3, 4)) + sd.ones((5,))
    reveal_type(a)
"""


def test_a_shape_error_is_reported(tmp_path: Path, cache: Path) -> None:
    out, status = run_mypy(tmp_path, cache, SNIPPET)
    assert status == 1
    assert "matmul: shapes (3, 4) and (5, 6)" in out and "[shape]" in out
    assert "add: shapes (3, 4) and (5,)" in out


def test_a_broken_rule_falls_back_to_mypys_type(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(op: str, **args: object) -> object:
        raise RuntimeError("deliberately broken rule")

    for name in ("matmul", "add"):
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(REGISTRY[name], rule=broken))
    out, status = run_mypy(tmp_path, cache, SNIPPET)
    assert "INTERNAL ERROR" not in out and "Traceback" not in out
    assert "[shape]" not in out
    assert 'Revealed type is "shapedl.tensor.Tensor[' in out
    assert status == 0, out


def test_report_config_data_changes_with_the_rules(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    rule = pkg / "rule.py"
    rule.write_text("def rule(op, x):\n    return x\n")
    before = source_hash([pkg])
    assert source_hash([pkg]) == before
    rule.write_text("def rule(op, x):\n    return x[1:]\n")
    assert source_hash([pkg]) != before


def test_python_m_shapedl_mypy(tmp_path: Path, cache: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import shapedl as sd\nsd.zeros((2, 3)).sum(axis=2)\n")
    good = tmp_path / "good.py"
    good.write_text("import shapedl as sd\nsd.zeros((2, 3)).sum(axis=1)\n")
    cmd = [sys.executable, "-m", "shapedl_mypy", "--cache-dir", str(cache)]
    proc = subprocess.run([*cmd, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sum: shape (2, 3): axis 2 is out of range for rank 2  [shape]" in proc.stdout
    proc = subprocess.run([*cmd, str(good)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_python_m_shapedl_mypy_keeps_the_per_module_overrides(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mypy]\nstrict = true\n\n"
        '[[tool.mypy.overrides]]\nmodule = ["nosuchlib", "nosuchlib.*"]\n'
        "ignore_missing_imports = true\n"
    )
    (tmp_path / "uses.py").write_text("import nosuchlib  # noqa\n")
    cmd = [sys.executable, "-m", "shapedl_mypy", "--cache-dir", str(cache), "uses.py"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.mypy]\nstrict = true\n")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "nosuchlib" in proc.stdout, proc.stdout


@pytest.mark.parametrize("redefinition", [True, False])
def test_the_plugin_says_once_which_option_it_needs(tmp_path: Path, redefinition: bool) -> None:
    """Without `allow_redefinition_new`, `x = x.sum(axis=0)` keeps x's first shape: say so."""
    option = "allow_redefinition_new = true\nlocal_partial_types = true\n" if redefinition else ""
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nplugins = shapedl_mypy\nmypy_path = {REPO / 'src'}\n{option}")
    (tmp_path / "user.py").write_text("import shapedl as sd\nx = sd.ones((2, 3))\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental",
         str(tmp_path / "user.py")],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    said = proc.stderr.count("set allow_redefinition_new = true")
    assert said == (0 if redefinition else 1), proc.stderr


@pytest.mark.parametrize("plugin", [True, False])
def test_generic_code_checks_the_same_from_a_warm_cache(tmp_path: Path, plugin: bool) -> None:
    """Tensor's methods as mypy reads them back from its cache type generic code as they do
    the first time, with the plugin and without (`x * 2` once came out Traced from the cache
    for a NoTape x; `x.relu()`, `x.mean()` and `2 * x` NoTape for a TT one, so a
    tape-generic forward or `loss.backward()` was an error on the second run)."""
    cache = tmp_path / "warm_cache"
    first = tmp_path / "first.py"
    first.write_text("import shapedl\n")
    program = tmp_path / "program.py"
    ops = ["x + 1", "x - 1", "x * 2", "x / 2", "x ** 2", "2 * x", "1 - x", "x.exp()", "-x"]
    ops += ["x.maximum(x)", "x.log_softmax()", "x.relu()", "x.triu()", "x - 0.5 * x"]
    scalars = ["x.mean()", "x.sum()", "x.std()", "x.min()", "x.logsumexp()"]
    lines = ["from typing import TypeVar", "from shapedl import Tape, Tensor, Traced, f32"]
    lines.append('T = TypeVar("T", bound=tuple[int, ...])')
    lines.append('TT = TypeVar("TT", bound=Tape)')
    lines += [f"def f{i}(x: Tensor[T]) -> Tensor[T]:\n    return {op}" for i, op in enumerate(ops)]
    lines += [
        f"def g{i}(x: Tensor[T, f32, TT]) -> Tensor[T, f32, TT]:\n    return {op}"
        for i, op in enumerate(ops)
    ]
    lines += [
        f"def h{i}(x: Tensor[T, f32, TT]) -> Tensor[tuple[()], f32, TT]:\n    return {op}"
        for i, op in enumerate(scalars)
    ]
    lines += [
        f"def t{i}(x: Tensor[T, f32, Traced]) -> None:\n    ({op}).backward()"
        for i, op in enumerate(scalars)
    ]
    program.write_text("\n".join(lines) + "\n")
    config_file = REPO / "pyproject.toml"
    if not plugin:
        config_file = tmp_path / "mypy.ini"
        config_file.write_text("[mypy]\nstrict = True\n")
    config = ["--config-file", str(config_file), "--cache-dir", str(cache)]
    api.run([*config, str(first)])
    out, err, status = api.run([*config, str(program)])
    assert status == 0, out + err


def test_plain_typing_keeps_a_generic_tape_from_a_warm_cache(tmp_path: Path) -> None:
    """Without the plugin, the methods written once (`@_same_as`) follow a receiver generic in
    its tape from mypy's cache as on the first run (`x.relu()` in a `TT` forward once came out
    `NoTape` from the cache, and `return self.fc(x.relu())` was a false error)."""
    cache = tmp_path / "warm_cache"
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nmypy_path = {REPO / 'src'}\nstrict = True\n")
    first = tmp_path / "first.py"
    first.write_text("import shapedl\n")
    program = tmp_path / "program.py"
    ops = ["x.relu()", "-x.exp()", "2 * x", "x.log_softmax()", "x.triu()", "x.std(axis=0)"]
    ops += ["x.mean()", "x.min(axis=0)", "x.logsumexp(axis=0)"]
    lines = ["from typing import Any, TypeVar", "from shapedl import Tape, Tensor, f32"]
    lines.append('TT = TypeVar("TT", bound=Tape)')
    lines += [
        f"def f{i}(x: Tensor[Any, f32, TT]) -> Tensor[Any, f32, TT]:\n    y = {op}\n    return y"
        for i, op in enumerate(ops)
    ]
    program.write_text("\n".join(lines) + "\n")
    args = ["--config-file", str(config), "--cache-dir", str(cache)]
    api.run([*args, str(first)])
    out, err, status = api.run([*args, str(program)])
    assert status == 0, out + err
