"""The error gallery (docs/gallery) covers every message shapedl builds, and tells the truth.

Every place under `src/` that builds a `[shape]`/`[tape]` message (found by reading the
source: docs/gallery/message_builders.py) needs a case in `docs/gallery/cases.toml`; each
case's program must give its message with the plugin (one mypy run for all of them) and at
run time, in the same words, unless the case says which of the two cannot see it and why;
each fix must be clean.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# NOTE: the generator is a MkDocs hook beside the cases, not a package
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "gallery"))
import gallery  # noqa: E402
import message_builders  # noqa: E402

# NOTE: calls that pass on a message built elsewhere (the builders they pass on are covered)
PASSED_ON = {
    "shapedl/errors.py": 1,  # shape_error itself
    "shapedl/ops/index.py": 1,  # an index error NumPy finds past the rule, as getitem's
    "shapedl/nn/recurrent.py": 1,  # a recurrent layer's input or state, built by its helper
    "shapedl_mypy/rules.py": 1,  # every op rule's ShapeError, reported by the plugin
    "shapedl_mypy/hooks/layers.py": 4,  # a layer's check or shape function (its own file's)
    "shapedl_mypy/hooks/nn.py": 2,  # Sequential's broken link, AddInto's sum (add's rule)
    "shapedl_mypy/hooks/generic.py": 1,  # a conflict in a user's generic call (built above it)
    "shapedl_mypy/hooks/data.py": 1,  # batches' rows, data.check_rows's ShapeError
    "shapedl_mypy/hooks/recurrent.py": 1,  # a recurrent layer's input width, the layer's words
}


@pytest.fixture(scope="module")
def cases() -> list[Any]:
    return list(gallery.run())


def test_the_scan_reads_every_message_site() -> None:
    """A new way of building a message must be taught to the scan, not skipped silently."""
    builders, passed = message_builders.scan()
    counts: dict[str, int] = {}
    for path, _ in passed:
        counts[path] = counts.get(path, 0) + 1
    assert counts == PASSED_ON, passed
    templates = {b.template for b in builders}
    assert "inner dimensions differ: {} (axis -1 of the left) vs {} ({})" in templates
    assert any(t.startswith("backward() needs a traced tensor") for t in templates)
    assert len(builders) >= 120


def test_every_builder_has_a_case(cases: list[Any]) -> None:
    shown = {c.builder for c in cases}
    missing = [
        f"src/{b.path}:{b.line}: {b.template}"
        for b in message_builders.builders()
        if b not in shown
    ]
    assert not missing, "messages without a case in docs/gallery/cases.toml:\n" + "\n".join(missing)


def test_one_case_per_message(cases: list[Any]) -> None:
    seen: dict[Any, int] = {}
    for c in cases:
        assert c.builder is not None, f"case {c.index} shows no message of shapedl's: {c.raised}"
        assert c.builder not in seen, f"cases {seen[c.builder]} and {c.index} show one message"
        seen[c.builder] = c.index


def _coded(lines: list[str]) -> list[str]:
    return [gallery._text(m) for m in lines if m.endswith(("[shape]", "[tape]"))]


@pytest.mark.parametrize("index", range(len(gallery.load())))
def test_case_says_what_it_promises(cases: list[Any], index: int) -> None:
    c = cases[index]
    static, raised = _coded(c.mypy), c.raised
    if c.static:
        assert len(static) == 1, f"case {index}: mypy said {c.mypy}"
    else:
        assert not static and c.why, f"case {index}: the plugin sees it after all: {static}"
    if c.runtime:
        assert raised is not None, f"case {index} runs without an error"
        kind, text = raised.split(": ", 1)
        assert kind in ("ShapeError", "TapeError", "ValueError"), raised
        if c.static:
            assert static == [text], f"case {index}: mypy and the runtime differ"
    else:
        assert c.why and (raised is None or c.message not in raised), f"case {index}: {raised}"


def test_the_page_in_the_tree_is_up_to_date(cases: list[Any]) -> None:
    """docs/errors.md is kept in the tree (it reads on GitHub): it must be what the cases
    print now."""
    assert gallery.PAGE.is_file(), f"no docs/errors.md: write it with {gallery.REGENERATE}"
    assert gallery.PAGE.read_text() == gallery.page(cases), (
        "docs/errors.md is out of date with docs/gallery/cases.toml or the messages in src/: "
        f"write it again with {gallery.REGENERATE}"
    )


@pytest.mark.parametrize("index", range(len(gallery.load())))
def test_fix_is_clean(cases: list[Any], index: int) -> None:
    c = cases[index]
    assert c.mypy_fix == [] and c.raised_fix is None, (c.mypy_fix, c.raised_fix)
