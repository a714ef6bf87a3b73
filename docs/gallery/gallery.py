"""The error gallery: a program for every `[shape]`/`[tape]` message, and what it prints.

`cases.toml` beside this file holds one small program per message builder
(`message_builders.py` finds them in `src/`) and its fix. `run()` type-checks every program
with the plugin in one mypy run and runs each one, so the page shows the words mypy and the
runtime really print; `tests/test_gallery.py` checks that every builder has a case and that
every case says what it promises. The page, `docs/errors.md`, is written from the same
results and kept in the tree, so it reads on GitHub too: `make gallery` (this file run as a
program) writes it again, `tests/test_gallery.py` fails when it is out of date with the
cases or the messages, and as a MkDocs hook (`mkdocs.yml`'s `hooks:`) `on_pre_build` stops
the site's build then.
"""

from __future__ import annotations

import logging
import re
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from message_builders import GROUPS, Builder, builder_of, builders

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES = HERE / "cases.toml"
PAGE = HERE.parent / "errors.md"
REGENERATE = "make gallery (or: python docs/gallery/gallery.py)"
HEADER = "import shapedl as sd\n"
_MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<text>.*)$")


@dataclass
class Case:
    """One program of `cases.toml`, what it printed, and the builder whose words it shows."""

    index: int
    bad: str
    fix: str
    static: bool = True
    runtime: bool = True
    why: str = ""
    module: str = ""
    mypy: list[str] = field(default_factory=list)
    mypy_fix: list[str] = field(default_factory=list)
    raised: str | None = None
    raised_fix: str | None = None
    builder: Builder | None = None

    @property
    def message(self) -> str | None:
        """The message the case is about: the runtime's text, or the plugin's if it has none."""
        if self.runtime and self.raised is not None:
            return self.raised.split(": ", 1)[1]
        coded = [m for m in self.mypy if m.endswith(("[shape]", "[tape]"))]
        return _text(coded[0]) if coded else None


def _text(line: str) -> str:
    """`file.py:3: error: TEXT  [shape]` -> `TEXT`."""
    m = _MYPY_LINE.match(line)
    body = m.group("text") if m else line
    return re.sub(r"  \[[a-z-]+\]$", "", body)


# ---- the cases, run ------------------------------------------------------------------------


def load() -> list[Case]:
    data = tomllib.loads(CASES.read_text())
    keys = {"bad", "fix", "static", "runtime", "why", "module"}
    out = []
    for i, raw in enumerate(data["case"]):
        unknown = set(raw) - keys
        if unknown:
            raise ValueError(f"cases.toml case {i}: unknown keys {sorted(unknown)}")
        fields: dict[str, Any] = {
            k: v.strip("\n") if isinstance(v, str) else v for k, v in raw.items()
        }
        out.append(Case(i, **fields))
    return out


def program(code: str) -> str:
    return HEADER + code + "\n"


def _mypy(paths: list[Path]) -> dict[str, list[str]]:
    from mypy import api

    config = REPO / "pyproject.toml"
    args = [
        "--config-file",
        str(config),
        "--no-error-summary",
        "--hide-error-context",
        "--show-error-codes",
        "--no-pretty",
        "--no-incremental",
        *map(str, paths),
    ]
    stdout, stderr, status = api.run(args)
    if status == 2:
        raise RuntimeError(f"mypy failed:\n{stdout}{stderr}")
    out: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        m = _MYPY_LINE.match(line)
        if m and m.group("kind") == "error":
            name = Path(m.group("file")).name
            out.setdefault(name, []).append(f"{name}:{m.group('line')}: error: {m.group('text')}")
    return out


def _raised(code: str, name: str) -> str | None:
    """`ShapeError: text` of what the program raises, or None if it runs through."""
    try:
        exec(compile(program(code), name, "exec"), {"__name__": "__gallery__"})
    except Exception as err:  # noqa: BLE001 - the gallery shows whatever the program raises
        return f"{type(err).__name__}: {err}"
    return None


def run(cases: list[Case] | None = None) -> list[Case]:
    """Each case type-checked (one mypy run for all) and run; its builder found."""
    cases = load() if cases is None else cases
    all_builders = builders()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for c in cases:
            for kind, code in (("bad", c.bad), ("fix", c.fix)):
                path = Path(tmp) / f"{kind}_{c.index:03d}.py"
                path.write_text(program(code))
                paths.append(path)
        reported = _mypy(paths)
    for c in cases:
        c.mypy = reported.get(f"bad_{c.index:03d}.py", [])
        c.mypy_fix = reported.get(f"fix_{c.index:03d}.py", [])
        c.raised = _raised(c.bad, "bad.py")
        c.raised_fix = _raised(c.fix, "fix.py")
        message = c.message
        c.builder = None if message is None else builder_of(message, all_builders, c.module)
    return cases


# ---- the page ------------------------------------------------------------------------------

_INTRO = """\
<!-- Generated from docs/gallery/cases.toml by docs/gallery/gallery.py: do not edit. -->
<!-- After a change to the cases or to a message in src/, run `make gallery`. -->

# Error gallery

Every message that shapedl's mypy plugin (error codes `shape` and `tape`) and its runtime
(`ShapeError`, `TapeError`) can give, grouped by the module that builds it, each with a
small program that triggers it, the exact words, and the fix. The page is generated: each
program below was type-checked with the plugin and run, and `tests/test_gallery.py` fails if
a message has no entry here or if this page is not what the programs print now.

The plugin and the runtime build their text with the same function, so where both can see
the mistake they say the same thing. Some mistakes only the runtime can see (the values in a
tensor, the truth of a tensor in an `if`, data loaded at run time), a few only the plugin (a
type annotation, a `Sequential` whose layers do not chain, before any data flows), and a few
the plugin does not check yet (`item()`, `sort` and `topk`, boolean masks in an index): each
such entry says so.

Silence one line with `# type: ignore[shape]` (or `[tape]`).
"""


def _group_title(group: str) -> str:
    return group if group in GROUPS else f"`{group}`"


def _order(group: str) -> tuple[int, str]:
    names = list(GROUPS)
    if group == names[0]:
        return (0, group)
    return (2 + names.index(group), group) if group in names else (1, group)


def _mypy_lines(lines: list[str]) -> str:
    return "\n".join(re.sub(r"^(bad|fix)_\d+\.py:", "bad.py:", m) for m in lines) or "(no error)"


def _entry(c: Case) -> Iterator[str]:
    assert c.builder is not None
    b = c.builder
    yield f"### {b.template.replace('{}', '…')}\n"
    # NOTE: no line number: the page would go out of date with any edit above the message
    yield f"Built in `src/{b.path}`.\n"
    yield '```python title="bad.py"\n' + program(c.bad) + "```\n"
    yield "mypy with the plugin:\n"
    yield "```text\n" + _mypy_lines(c.mypy) + "\n```\n"
    yield "At run time:\n"
    yield "```text\n" + (c.raised or "(no error)") + "\n```\n"
    if c.why:
        yield f"!!! note\n    {c.why}\n"
    yield "The fix:\n"
    yield "```python\n" + program(c.fix) + "```\n"


def page(cases: list[Case]) -> str:
    groups: dict[str, list[Case]] = {}
    for c in cases:
        if c.builder is not None:
            groups.setdefault(c.builder.group, []).append(c)
    out = [_INTRO]
    for group in sorted(groups, key=_order):
        out.append(f"## {_group_title(group)}\n")
        for c in sorted(groups[group], key=lambda c: c.builder.line if c.builder else 0):
            out.extend(_entry(c))
    return "\n".join(out)


def write() -> None:
    """Write the page, `docs/errors.md`, from the cases as they run now."""
    PAGE.write_text(page(run()))


def on_pre_build(config: Any) -> None:
    """MkDocs hook: the page in the tree must be what the cases print now."""
    if PAGE.read_text() != page(run()):
        logging.getLogger("mkdocs.hooks.gallery").warning(
            "docs/errors.md is out of date with docs/gallery/cases.toml or the messages "
            f"in src/; write it again with {REGENERATE}"
        )


if __name__ == "__main__":
    write()
    print(f"wrote {PAGE.relative_to(REPO)}")
