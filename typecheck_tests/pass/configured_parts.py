"""A part the configuration chooses: an attribute typed as a union of layers, ResNet's
shortcut (`nn.Sequential()` made a convolution when the stride or width changes) or `nn.Linear(c,
d) if c != d else nn.Identity()`. Which member the run has was fixed by `__init__` where the
shapes need it, which no type says: one member that fits is enough."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Dim, Dyn, Size, Tensor, Traced, f32, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)


class BasicBlock(nn.Module):
    """pytorch-cifar's, as written there: the empty `Sequential()` is replaced by a chain."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes),
            )

    def forward(self, x: Tensor[tuple[Dyn, Dyn, Dyn, Dyn], f32, Traced]) -> Tensor[tuple[Dyn, Dyn, Dyn, Dyn], f32, Traced]:
        out = self.bn1(self.conv1(x)).relu()
        return (out + self.shortcut(x)).relu()


class ChainFirst(nn.Module):
    """The other order: the chain first, the empty `Sequential()` in the `else`."""

    def __init__(self, c: int, d: int, stride: int) -> None:
        self.conv = nn.Conv2d(c, d, 3, stride=stride, padding=1)
        if stride != 1 or c != d:
            self.shortcut = nn.Sequential(nn.Conv2d(c, d, 1, stride=stride), nn.BatchNorm2d(d))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x: Tensor[tuple[Dyn, Dyn, Dyn, Dyn], f32, Traced]) -> Tensor[tuple[Dyn, Dyn, Dyn, Dyn], f32, Traced]:
        return self.conv(x) + self.shortcut(x)


class Projected(nn.Module, Generic[C, D]):
    """Generic in its widths: the `Identity` member gives `(B, C)` where the sum wants `(B, D)`;
    it is there only when `c == d`."""

    def __init__(self, c: Size[C], d: Size[D]) -> None:
        self.fc = nn.Linear(c, d)
        self.proj = nn.Linear(c, d) if c != d else nn.Identity()

    def forward(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, D], f32, Traced]:
        return self.fc(x) + self.proj(x)

    def named(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, D], f32, Traced]:
        skip = self.proj(x)
        out = self.fc(x) * skip.relu()
        return out

    def alone(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, D], f32, Traced]:
        return self.proj(x)

    def shortcut_first(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, D], f32, Traced]:
        return self.proj(x) + self.fc(x)

    def in_place(self, x: Tensor[tuple[B, C], f32, Traced]) -> Tensor[tuple[B, D], f32, Traced]:
        h = self.proj(x)
        h += self.fc(x)
        return h


class Down(nn.Module, Generic[C, D]):
    """A statement `if`, the attribute declared as the union, convolutions over `(B, C, H, W)`."""

    def __init__(self, c: Size[C], d: Size[D], stride: int) -> None:
        self.conv = nn.Conv2d(c, d, 3, stride=stride, padding=1)
        self.shortcut: nn.Conv2d | nn.Identity
        if stride == 1 and c == d:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Conv2d(c, d, 1, stride=stride)

    def forward(self, x: Tensor[tuple[B, C, H, W], f32, Traced]) -> Tensor[tuple[B, D, Dyn, Dyn], f32, Traced]:
        return (self.conv(x) + self.shortcut(x)).relu()


x4 = sd.randn((2, 4, 8, 8)).traced()
assert BasicBlock(4, 8, 2)(x4).shape == ChainFirst(4, 8, 2)(x4).shape == (2, 8, 4, 4)
assert BasicBlock(4, 4)(x4).shape == ChainFirst(4, 4, 1)(x4).shape == (2, 4, 8, 8)
assert Down(4, 8, 2)(x4).shape == (2, 8, 4, 4) and Down(4, 4, 1)(x4).shape == (2, 4, 8, 8)
x = sd.randn((3, 4)).traced()
for block in (Projected(4, 6), Projected(4, 4)):
    assert block(x).shape == block.named(x).shape == block.alone(x).shape
    assert block.shortcut_first(x).shape == block.in_place(x).shape == block(x).shape
assert Projected(4, 6)(x).shape == (3, 6)
