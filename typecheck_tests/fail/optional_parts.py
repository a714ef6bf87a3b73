"""An optional part (`if self.downsample is not None:`) forgives the branch the configuration
does not take, not a shape that no branch gives, nor a test that is not about a part."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

from shapedl import Const, Dim, Tensor, nn

B = TypeVar("B", bound=Dim)


def wrong_part(x: Tensor[tuple[B, Const[8]]], proj: nn.Linear[Const[8], Const[5]] | None) -> None:
    skip = x
    if proj is not None:
        skip = proj(x)
    nn.Linear(8, 4)(x) + skip  # E: [shape] add: shapes (B, 4) and (B, 8): cannot broadcast


def wrong_part_in_place(x: Tensor[tuple[B, Const[8]]], proj: nn.Linear[Const[8], Const[5]] | None) -> None:
    identity = x
    out = nn.Linear(8, 4)(x)
    if proj is not None:
        identity = proj(x)
    out += identity  # E: [shape] add: shapes (B, 4) and (B, 8): cannot broadcast


def flag(x: Tensor[tuple[B, Const[8]]], project: bool) -> None:
    skip = x
    if project:
        skip = nn.Linear(8, 4)(x)
    nn.Linear(8, 4)(x) + skip  # E: [shape] add: shapes (B, 4) and (B, 8): cannot broadcast
