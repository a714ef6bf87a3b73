"""An int default that is not the size declared is still an error."""

# fmt: off
from __future__ import annotations

from shapedl import Const, Size


def two(n: Size[Const[2]] = 1) -> None: ...  # E: [assignment] Incompatible default for parameter "n"
