"""An int default that is not the size declared, or a pair of sizes that disagree, is still an
error."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

from shapedl import Const, Dim, Size

C = TypeVar("C", bound=Dim)


def two(n: Size[Const[2]] = 1) -> None: ...  # E: [assignment] Incompatible default for parameter "n"


class Pair(Generic[C]):
    def __init__(self, c: tuple[Size[C], Size[C]]) -> None: ...


Pair((3, 4))  # E: [arg-type] Argument 1 to "Pair" has incompatible type
