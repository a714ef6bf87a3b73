"""A griffe extension for the API reference: our docstrings' `Example:` is an examples section.

Google style names it `Examples:`; griffe reads the singular as an admonition, whose `>>>`
lines would be rendered as prose (and `[[0.0, 1.0]]` in an output as a broken link). The
docstrings keep the singular the style guide asks for; the reference reads it as examples.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.M)


class ExampleSections(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
