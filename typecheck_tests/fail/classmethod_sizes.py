"""A literal given through `cls` binds the class's own size; where the size is already another
(a subclass's, the caller's own variable) it is still an error."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

from shapedl import Const, Dim, Size, nn

D = TypeVar("D", bound=Dim)


class Encoder(nn.Module, Generic[D]):
    def __init__(self, width: Size[D]) -> None:
        self.proj = nn.Linear(width, width)

    def same(self) -> Encoder[D]:
        return type(self)(64)  # E: [return-value] Incompatible return value type (got "Encoder[Literal[64]]", expected "Encoder[D]")


class Encoder8(Encoder[Const[8]]):
    @classmethod
    def wide(cls) -> Encoder8:
        return cls(9)  # E: [arg-type] Argument 1 to "Encoder8" has incompatible type "int"; expected "Size[Literal[8]]"


def build(kind: type[Encoder[D]]) -> Encoder[D]:
    return kind(64)  # E: [arg-type] Argument 1 to "Encoder" has incompatible type "int"; expected "Size[D]"
