"""Every op in the registry has a plugin route and both a passing and a failing type check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy.options import Options

from shapedl.ops import REGISTRY
from shapedl_mypy.plugin import ShapedlPlugin

CASES = Path(__file__).resolve().parents[1] / "typecheck_tests"
_MARK = re.compile(r"\bop: (\w+)")


def marked(folder: str) -> set[str]:
    """Ops named in `# op: name` markers of the folder's files."""
    found: set[str] = set()
    for path in (CASES / folder).glob("*.py"):
        for line in path.read_text().splitlines():
            if "#" in line:
                found.update(_MARK.findall(line[line.index("#") :]))
    return found


@pytest.fixture(scope="module")
def plugin() -> ShapedlPlugin:
    return ShapedlPlugin(Options())


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_op_has_a_route(plugin: ShapedlPlugin, name: str) -> None:
    spec = REGISTRY[name]
    assert plugin.get_function_hook(spec.function) is not None, f"no hook for {spec.function}"
    for method in spec.methods:
        fullname = f"shapedl.tensor.Tensor.{method}"
        assert plugin.get_method_hook(fullname) is not None, f"no hook for {fullname}"


@pytest.mark.parametrize("folder", ["pass", "fail"])
def test_every_op_has_cases(folder: str) -> None:
    missing = sorted(set(REGISTRY) - marked(folder))
    assert not missing, f"ops without a `# op: name` case in typecheck_tests/{folder}/: {missing}"


def test_markers_name_real_ops() -> None:
    unknown = sorted((marked("pass") | marked("fail")) - set(REGISTRY))
    assert not unknown, f"markers for ops that are not registered: {unknown}"
