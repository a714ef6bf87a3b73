"""Inline expectations: parse `# E:` / `# R:` markers and compare them with checker output."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Expected", "Reported", "compare", "normalize", "parse_expected", "parse_mypy"]

_MARK = re.compile(r"#\s*(E|R):\s*(.*?)\s*(?=\s#|$)")
_ERROR = re.compile(r"^\[([\w-]+)\]\s*(.*)$")
_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<msg>.*)$")
_CODE = re.compile(r"\s+\[([\w-]+)\]$")
_REVEALED = re.compile(r'^Revealed type is "(.*)"$')
_PREFIX = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])")


@dataclass
class Expected:
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    reveals: dict[int, str] = field(default_factory=dict)


@dataclass
class Reported:
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    reveals: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def normalize(text: str) -> str:
    """A type as written in a test: no module prefixes."""
    return _PREFIX.sub("", text).replace("`", "").strip()


def parse_expected(path: Path) -> Expected:
    out = Expected()
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        for kind, body in _MARK.findall(line):
            if kind == "R":
                out.reveals[n] = normalize(body)
                continue
            m = _ERROR.match(body)
            out.errors[n].append((m.group(1), m.group(2)) if m else ("", body))
    return out


def parse_mypy(stdout: str) -> dict[str, Reported]:
    """mypy's lines by file (resolved path) and line number."""
    out: dict[str, Reported] = defaultdict(Reported)
    for raw in stdout.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        rep = out[str(Path(m["path"]).resolve())]
        n, msg = int(m["line"]), m["msg"]
        if m["kind"] == "error":
            code = _CODE.search(msg)
            rep.errors[n].append((code.group(1) if code else "", _CODE.sub("", msg)))
        elif r := _REVEALED.match(msg):
            rep.reveals[n].append(normalize(r.group(1)))
    return out


def _matches(want: tuple[str, str], code: str, msg: str) -> bool:
    return (not want[0] or want[0] == code) and want[1] in msg


def compare(name: str, expected: Expected, reported: Reported) -> list[str]:
    """Every mismatch between what a file expects and what the checker said."""
    problems: list[str] = []
    for n, wants in expected.errors.items():
        got = reported.errors.get(n, [])
        for code, text in wants:
            if not any((not code or code == c) and text in msg for c, msg in got):
                problems.append(f"{name}:{n}: expected [{code}] {text!r}, got {got or 'nothing'}")
        # NOTE: one bug, one error: anything else mypy says on the line is a problem too
        extra = [(c, m) for c, m in got if not any(_matches(w, c, m) for w in wants)]
        problems += [f"{name}:{n}: unexpected extra error [{c}] {m}" for c, m in extra]
    for n, got in reported.errors.items():
        if n not in expected.errors:
            problems += [f"{name}:{n}: unexpected error [{c}] {msg}" for c, msg in got]
    for n, want in expected.reveals.items():
        seen = reported.reveals.get(n, [])
        if want not in seen:
            problems.append(f"{name}:{n}: expected type {want!r}, got {seen or 'no reveal'}")
    return problems
