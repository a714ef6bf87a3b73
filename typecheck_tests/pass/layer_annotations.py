"""A layer's type written as its constructor is called: `nn.Conv1d[C, O, Const[3]]` for
`Conv1d(c, o, 3)`, `nn.LayerNorm[D]` for `LayerNorm(d)`, `nn.MaxPool2d[Const[2]]`. The layer
records a repeated size as a tuple (`kernel_size=3` is `(3,)` in 1-d, `(3, 3)` in 2-d), and the
annotation is read the same way, so it fits the layer it describes. `nn.Sequential[Any]` is any
`Sequential`, as the bare name is, not one of a single layer."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Sub, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)
T = TypeVar("T", bound=Dim)
TT = TypeVar("TT", bound=Tape)


def trigrams(
    x: Tensor[tuple[B, C, T], f32, TT], conv: nn.Conv1d[C, Const[8], Const[3]]
) -> Tensor[tuple[B, Const[8], Sub[T, Const[2]]], f32, TT]:
    return conv(x)


def normed(x: Tensor[tuple[B, D], f32, TT], norm: nn.LayerNorm[D]) -> Tensor[tuple[B, D], f32, TT]:
    return norm(x)


class Stem(nn.Module):
    conv: nn.Conv2d[Const[1], Const[4], Const[3]]
    pool: nn.MaxPool2d[Const[2]]

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: Tensor[tuple[B, Const[1], Const[10], Const[10]], f32, TT]
                ) -> Tensor[tuple[B, Const[4], Const[4], Const[4]], f32, TT]:
        return self.pool(self.conv(x).relu())

    __call__ = forward


out = trigrams(sd.randn((2, 16, 10)), nn.Conv1d(16, 8, 3))
assert out.shape == (2, 8, 8)
assert normed(sd.randn((3, 5)), nn.LayerNorm(5)).shape == (3, 5)
assert Stem()(sd.randn((2, 1, 10, 10))).shape == (2, 4, 4, 4)


def mlp(width: int, depth: int) -> nn.Sequential[Any]:
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))


towers: list[nn.Sequential[Any]] = [mlp(4, 2), nn.Sequential(nn.Linear(4, 4))]
assert [t(sd.randn((2, 4))).shape for t in towers] == [(2, 4), (2, 4)]
