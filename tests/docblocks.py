"""The fenced code blocks of a Markdown page (the README, docs/), for the tests that check them.

A block may be preceded by a comment that says how it is checked (`tests/test_docs.py`), such
as `<!-- check: typecheck-only -->`, `<!-- check: run-only -->`, `<!-- check: noplugin -->`,
`<!-- check: output -->` or `<!-- check: excerpt PATH -->`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(
    r"(?:^<!-- check: (?P<check>[^>]*?) -->\n)?^```(?P<lang>[\w-]*)[^\n]*\n(?P<code>.*?)^```$",
    re.S | re.M,
)


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int
    check: str = ""


def blocks(text: str) -> list[Block]:
    """Every fenced block, in order, with the line its fence is on."""
    return [
        Block(m["lang"], m["code"], text.count("\n", 0, m.start("lang")) + 1, m["check"] or "")
        for m in _FENCE.finditer(text)
    ]


def section_block(text: str, section: str, lang: str) -> str:
    """The first ```lang block of the section headed `section` (up to the next `## `)."""
    start = text.index(section)
    end = text.find("\n## ", start + 1)
    found = [b for b in blocks(text[start : end if end > 0 else None]) if b.lang == lang]
    assert found, f"no {lang} block in the section {section!r}"
    return found[0].code
