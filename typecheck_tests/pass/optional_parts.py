"""torchvision's BasicBlock: `if self.downsample is not None: identity = self.downsample(x)`.
Which way it goes is the block's configuration, fixed when `__init__` made the part (where the
shapes need it), which no type says: one member of `identity`'s union that fits is enough."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Size, Tensor, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)


class DownBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int) -> None:
        self.conv = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.downsample: nn.Conv2d | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Conv2d(16, 32, 1, stride=2)

    def forward(self, x: Tensor[tuple[B, Const[16], Const[8], Const[8]]]) -> Tensor[tuple[B, Const[32], Const[4], Const[4]]]:
        identity = x
        out = self.conv(x)
        if self.downsample is not None:
            identity = self.downsample(x)
        return out + identity


def shortcut(x: Tensor[tuple[B, Const[8]]], proj: nn.Linear[Const[8], Const[4]] | None) -> Tensor[tuple[B, Const[4]]]:
    skip = x
    if proj is not None:
        skip = proj(x)
    return nn.Linear(8, 4)(x) + skip


def added_in_place(x: Tensor[tuple[B, Const[8]]], proj: nn.Linear[Const[8], Const[4]] | None) -> Tensor[tuple[B, Const[4]]]:
    # NOTE: torchvision's `out += identity`
    identity = x
    out = nn.Linear(8, 4)(x)
    if proj is not None:
        identity = proj(x)
    out += identity
    return out


class Block(nn.Module, Generic[C, D]):
    # NOTE: `configured_parts.py` has this block with `nn.Linear(c, d) if c != d else nn.Identity()`
    def __init__(self, cin: Size[C], cout: Size[D]) -> None:
        self.fc = nn.Linear(cin, cout)
        self.proj: nn.Linear[C, D] | None = None
        if cin != cout:
            self.proj = nn.Linear(cin, cout)

    def forward(self, x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, D]]:
        skip = x
        if self.proj is not None:
            skip = self.proj(x)
        return self.fc(x) + skip


assert Block(8, 4)(sd.randn((2, 8))).shape == Block(4, 4)(sd.randn((2, 4))).shape == (2, 4)
assert DownBlock(16, 32, 2)(sd.randn((2, 16, 8, 8))).shape == (2, 32, 4, 4)
assert shortcut(sd.randn((3, 8)), nn.Linear(8, 4)).shape == (3, 4)
assert added_in_place(sd.randn((3, 8)), nn.Linear(8, 4)).shape == (3, 4)
