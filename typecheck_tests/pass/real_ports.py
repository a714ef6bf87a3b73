"""Idioms of models ported from PyTorch, found to be false errors once: no error, and it runs."""

# fmt: off
from __future__ import annotations

from typing import Any, Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, DType, Dyn, Size, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)
S = TypeVar("S", bound=tuple[Any, ...])
DT = TypeVar("DT", bound=DType)
D = TypeVar("D", bound=Dim)


# ---- 1. a Sequential of a list's layers, read by index under warn_return_any ---------------------
class Deep(nn.Module):
    def __init__(self, d: int, n: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*[nn.Linear(d, d) for _ in range(n)])

    @property
    def width(self) -> int:
        return self.body[0].weight.shape[1]

    def forward(self, x: Tensor[tuple[B, Dyn], f32, TT]) -> Tensor[tuple[B, Dyn], f32, TT]:
        return self.body(x)


# ---- 2. a U-Net's skips kept in a list as the loop shrinks them --------------------------------
class UNet(nn.Module):
    def __init__(self, chs: tuple[int, ...] = (4, 8, 16)) -> None:
        super().__init__()
        self.inc = nn.Conv2d(1, chs[0], 3, padding=1)
        self.downs = [nn.Conv2d(chs[i], chs[i + 1], 3, padding=1) for i in range(len(chs) - 1)]
        self.ups = [nn.ConvTranspose2d(chs[i + 1], chs[i], 2, stride=2) for i in reversed(range(len(chs) - 1))]
        self.fuse = [nn.Conv2d(2 * chs[i], chs[i], 3, padding=1) for i in reversed(range(len(chs) - 1))]
        self.pool = nn.MaxPool2d(2)
        self.out = nn.Conv2d(chs[0], 1, 1)

    def forward(self, x: Tensor[tuple[B, Const[1], Const[16], Const[16]]]) -> Tensor[tuple[B, Const[1], Const[16], Const[16]]]:
        x = self.inc(x)
        skips = []
        for down in self.downs:
            skips.append(x)
            x = down(self.pool(x)).relu()
        for up, fuse in zip(self.ups, self.fuse, strict=True):
            x = fuse(sd.concat([up(x), skips.pop()], axis=1)).relu()
        return self.out(x)


def pyramid(x: Tensor[tuple[B, Const[3], Const[32], Const[32]]], pool: nn.MaxPool2d) -> list[Tensor[tuple[B, Const[3], Dyn, Dyn]]]:
    feats = []
    for _ in range(3):
        x = pool(x)
        feats.append(x)
    return feats


# ---- 3. a helper generic in the dtype makes a tensor of its argument's dtype -------------------
def zeros_like(x: Tensor[S, DT, TT]) -> Tensor[S, DT]:
    return sd.zeros(x.shape, dtype=x.dtype)


# ---- 4. a module generic in a size that a method takes bare --------------------------------------
class Table(nn.Module, Generic[D]):
    def __init__(self, d: Size[D]) -> None:
        super().__init__()
        self.d = d

    def padded(self, d: D) -> int:
        return d + 1


# ---- 5. a field named `state` (an RNN's hidden state): Module has no `state()` of its own ------
class Carry(nn.Module):
    def __init__(self) -> None:
        self.cell = nn.Linear(4, 4)
        self.state: Tensor[tuple[Const[1], Const[4]], f32] = sd.zeros((1, 4))

    def forward(self, x: Tensor[tuple[Const[1], Const[4]], f32]) -> Tensor[tuple[Const[1], Const[4]], f32]:
        self.state = (self.cell(x) + self.state).tanh()
        return self.state


deep = Deep(8, 2)
assert list(Carry().state_dict()) == ["cell.weight", "cell.bias", "state"]
assert Carry()(sd.ones((1, 4))).shape == (1, 4)
assert Table(3).padded(3) == 4
assert zeros_like(sd.ones((2, 3), dtype=sd.f64)).dtype is sd.f64
assert UNet()(sd.randn((2, 1, 16, 16))).shape == (2, 1, 16, 16)
assert [f.shape[2] for f in pyramid(sd.randn((1, 3, 32, 32)), nn.MaxPool2d(2))] == [16, 8, 4]
assert deep.width == 8 and deep(sd.randn((3, 8))).shape == (3, 8)
