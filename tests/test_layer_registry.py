"""A layer defined outside `src/`, with one registration, is checked by the plugin.

The README's layer (a ViT-style patch embedding) is written to a module in a temporary
directory; nothing in `shapedl_mypy` names it. mypy with the plugin types its
constructor and its call from the registration, reports a planted mismatch in the runtime's
words, and the runtime raises the same sentence.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mypy import api

import shapedl as sd
from shapedl.errors import ShapeError

REPO = Path(__file__).resolve().parents[1]

README = (REPO / "README.md").read_text()
# the README's own example, so what it shows is what is checked
_SECTION = README[README.index("### Your own layers") :]
_START = _SECTION.index("```python") + len("```python")
LAYER = _SECTION[_START : _SECTION.index("```", _START)]

PROGRAM = '''
import shapedl as sd
from {module} import Patches

embed = Patches(4)
reveal_type(embed)
reveal_type(embed(sd.ones((2, 3, 8, 8))))
Patches(3)(sd.ones((2, 3, 8, 8)))
'''


@pytest.fixture
def layer_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"user_layers_{tmp_path.name}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(LAYER))
    monkeypatch.syspath_prepend(str(tmp_path))  # NOTE: the plugin imports it for its declaration
    yield name
    sys.modules.pop(name, None)


def test_a_users_layer_is_checked_by_its_registration(tmp_path: Path, layer_module: str) -> None:
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(PROGRAM.format(module=layer_module)))
    config = str(REPO / "pyproject.toml")
    args = ["--config-file", config, "--cache-dir", str(tmp_path / "cache")]
    out, err, status = api.run([*args, "--show-traceback", str(program)])
    assert layer_module not in out.replace(f"{layer_module}.Patches", ""), out  # the layer is clean
    lines = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(str(program))]
    assert lines[0] == f'note: Revealed type is "{layer_module}.Patches[Literal[4]]"'
    assert lines[1] == (
        'note: Revealed type is "shapedl.tensor.Tensor[tuple[Literal[2], Literal[4], '
        'Literal[48]], shapedl.types.f32, shapedl.types.NoTape]"'
    )
    expected = (
        "error: Patches: shape (2, 3, 8, 8): size 8 at axis 2 is not a multiple of the patch 3"
        "  [shape]"
    )
    assert lines[2:] == [expected], out + err
    assert status == 1


def test_the_runtime_says_the_same(layer_module: str) -> None:
    patches = importlib.import_module(layer_module).Patches
    x = sd.randn((2, 3, 8, 8))
    out = patches(4)(x)
    assert out.shape == (2, 4, 48)
    # the first patch is the top-left 4x4 window of every channel, flattened channel-major
    assert out.numpy()[0, 0].tolist() == x.numpy()[0, :, :4, :4].reshape(-1).tolist()
    with pytest.raises(ShapeError) as err:
        patches(3)(x)
    assert str(err.value) == (
        "Patches: shape (2, 3, 8, 8): size 8 at axis 2 is not a multiple of the patch 3"
    )


def test_a_layer_whose_module_fails_to_import_is_only_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugin imports a registered layer's module for its declaration; a module that
    raises on import gives mypy's own types, never a crash or a false error."""
    name = f"broken_layers_{tmp_path.name}"
    source = LAYER + "\nraise RuntimeError('this module needs a GPU at import')\n"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(PROGRAM.format(module=name)))
    config = str(REPO / "pyproject.toml")
    args = ["--config-file", config, "--cache-dir", str(tmp_path / "cache"), "--show-traceback"]
    out, err, status = api.run([*args, str(program)])
    lines = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(str(program))]
    assert "INTERNAL ERROR" not in out + err and "Traceback" not in out + err
    assert lines[0] == f'note: Revealed type is "{name}.Patches[Any]"', out
    unknown = "shapedl.tensor.Tensor[Any, shapedl.types.f32, shapedl.types.NoTape]"
    assert lines[1].endswith(f'"{unknown}"'), out
    assert not [line for line in lines if line.startswith("error")], out
    sys.modules.pop(name, None)


# ---- a user's layer module as plain `mypy` finds it: from the checked files' folder --------
@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for these runs: shapedl is analysed once (each layer module's name is
    its own, so the cache is cold for it)."""
    return tmp_path_factory.mktemp("mypy_cache")


def _project(tmp_path: Path, layer: str, program: str = PROGRAM) -> tuple[Path, str]:
    """A user's project folder: the layer's module and a program that uses it."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    name = f"user_layers_{tmp_path.name}"
    (project / f"{name}.py").write_text(textwrap.dedent(layer))
    (project / "program.py").write_text(textwrap.dedent(program.format(module=name)))
    return project, name


def _plain_mypy(project: Path, cache: Path, *extra: str) -> tuple[list[str], str]:
    """`mypy program.py` run in the project folder, as a user runs it: a fresh process whose
    `sys.path` lacks the folder (`-P`: not even the `python -m` one), no PYTHONPATH."""
    config = str(REPO / "pyproject.toml")
    cmd = [sys.executable, "-P", "-m", "mypy", "--config-file", config, "--cache-dir", str(cache)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    proc = subprocess.run(
        [*cmd, "--show-traceback", *extra, "program.py"],
        capture_output=True, text=True, cwd=project, env=env, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert "INTERNAL ERROR" not in out and "Traceback" not in out, out
    return [line for line in proc.stdout.splitlines() if ": " in line], out


def test_a_users_layer_is_found_in_the_checked_projects_folder(
    tmp_path: Path, shared_cache: Path
) -> None:
    """The plugin imports the layer's module from where mypy found it, so plain `mypy` in the
    project folder checks its calls (only `PYTHONPATH=. mypy` did), cold cache or warm."""
    project, name = _project(tmp_path, LAYER)
    for _ in ("cold", "warm"):
        lines, out = _plain_mypy(project, shared_cache)
        shapes = [line for line in lines if line.startswith("program.py")]
        assert shapes[0] == f'program.py:6: note: Revealed type is "{name}.Patches[Literal[4]]"'
        assert "tuple[Literal[2], Literal[4], Literal[48]]" in shapes[1], out
        assert shapes[2].startswith("program.py:8: error: Patches: shape (2, 3, 8, 8)"), out
        assert not [line for line in lines if line.startswith(name)], out


def test_a_layer_whose_module_fails_to_import_says_why(tmp_path: Path, shared_cache: Path) -> None:
    """Not checked, but not silently: a note at the class (mypy shows no code for a note), with
    the code `layer-import` that silences it."""
    source = LAYER + "\nraise RuntimeError('this module needs a GPU at import')\n"
    project, name = _project(tmp_path, source)
    note = (
        f"note: Patches: its calls are not shape-checked: importing {name} raised RuntimeError:"
        " this module needs a GPU at import"
    )
    for _ in ("cold", "warm"):
        lines, out = _plain_mypy(project, shared_cache)
        assert [line.split(": ", 1)[1] for line in lines if line.startswith(name)] == [note], out
        assert not [line for line in lines if ": error:" in line], out
    lines, out = _plain_mypy(project, shared_cache, "--disable-error-code", "layer-import")
    assert not [line for line in lines if line.startswith(name)], out


def test_a_script_that_registers_a_layer_is_not_run(tmp_path: Path, shared_cache: Path) -> None:
    """A module with work at its top level (a training script) is not imported: checking it
    must not start the work; a note says why its layer's calls are not checked."""
    marker = tmp_path / "ran.txt"
    source = LAYER + f"\nopen({str(marker)!r}, 'w').write('ran')\n"
    project, name = _project(tmp_path, source)
    lines, out = _plain_mypy(project, shared_cache)
    assert not marker.exists()
    said = [line for line in lines if line.startswith(name)]
    assert len(said) == 1 and "runs code at its top level" in said[0], out
    assert 'if __name__ == "__main__":' in said[0], out


def test_an_edit_of_a_layers_shape_function_rechecks_its_callers(
    tmp_path: Path, shared_cache: Path
) -> None:
    """mypy's cache keeps a module's interface, not its function bodies: the plugin makes the
    layer module's source part of it, so a caller sees the edited rule from a warm cache."""
    project, name = _project(tmp_path, LAYER)
    lines, out = _plain_mypy(project, shared_cache)
    assert "tuple[Literal[2], Literal[4], Literal[48]]" in lines[1], out
    layer = project / f"{name}.py"
    edited = "return (x[0], rows, dims.mul(dims.mul(x[1], patch), patch))"
    assert edited in layer.read_text()
    layer.write_text(layer.read_text().replace(edited, "return (x[0], rows, x[1])"))
    lines, out = _plain_mypy(project, shared_cache)
    assert "tuple[Literal[2], Literal[4], Literal[3]]" in lines[1], out
