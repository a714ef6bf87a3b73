"""A layer defined outside `src/`, with one registration, is checked by the plugin.

The README's layer (a ViT-style patch embedding) is written to a module in a temporary
directory; nothing in `shapedl_mypy` names it. mypy with the plugin types its
constructor and its call from the registration, reports a planted mismatch in the runtime's
words, and the runtime raises the same sentence.
"""

from __future__ import annotations

import importlib
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
