"""A part the configuration chooses (an attribute typed as a union of layers) forgives the
member the run does not have, not a shape that no member gives."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

from shapedl import Dim, Size, Tensor, Traced, f32, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)
E = TypeVar("E", bound=Dim)


class Wrong(nn.Module, Generic[C, D, E]):
    def __init__(self, c: Size[C], d: Size[D], e: Size[E]) -> None:
        self.fc = nn.Linear(c, e)
        self.proj = nn.Linear(c, d) if c != d else nn.Identity()

    def forward(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, E], f32, Traced]:
        return self.fc(x) + self.proj(x)  # E: [shape] add: shapes (B, E) and (B, D): cannot broadcast E against D at axis -1

    def named(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, E], f32, Traced]:
        skip = self.proj(x)
        return self.fc(x) + skip  # E: [shape] add: shapes (B, E) and (B, D): cannot broadcast E against D at axis -1

    def shortcut_first(self, x: Tensor[tuple[B, C], f32, Traced]) -> None:
        self.proj(x) + self.fc(x)  # E: [shape] add: shapes (B, D) and (B, E): cannot broadcast D against E at axis -1

    def alone(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, E], f32, Traced]:
        return self.proj(x)  # E: [return-value] Incompatible return value type


def loop(x: Tensor[tuple[B, C], f32, Traced], c: Size[C], d: Size[D]) -> None:
    # NOTE: a loop's index is not a part: the loop is typed step by step
    for layer in (nn.Linear(c, d), nn.Linear(d, d)):
        layer(x)  # E: [shape] Linear: shapes (B, C) and (D, D): input width C at axis -1 differs from in_features D
