"""The types of names rebound in loops over layers of different widths."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Dim, Size, Tensor, Traced, f32, nn

B = TypeVar("B", bound=Dim)


def tower(x: Tensor[tuple[B, Const[784]]]) -> None:
    h = x
    for layer in (nn.Linear(784, 128), nn.Linear(128, 10)):
        h = layer(h)
    reveal_type(h)  # R: Tensor[tuple[B, Literal[784]], f32, NoTape] | Tensor[tuple[B, Literal[128]], f32, NoTape] | Tensor[tuple[B, Literal[10]], f32, NoTape]


def listed(x: Tensor[tuple[B, Const[784]]]) -> None:
    h = x
    for layer in [nn.Linear(784, 128), nn.Linear(128, 10)]:
        h = layer(h)
    reveal_type(h)  # R: Tensor[tuple[B, Literal[784]], f32, NoTape] | Tensor[tuple[B, Any], f32, NoTape]


def summed(losses: list[Tensor[tuple[()], f32, Traced]]) -> None:
    total = sd.zeros(())
    for loss in losses:
        total = total + loss
    reveal_type(total)  # R: Tensor[tuple[()], f32, NoTape] | Tensor[tuple[()], f32, Traced]


C = TypeVar("C", bound=Dim)


class Block(nn.Module, Generic[C]):
    def __init__(self, c: Size[C]) -> None:
        super().__init__()
        self.lin = nn.Linear(c, c)


reveal_type([Block(8), Block(16)])  # R: list[Block[int]]


def pooled(x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]]) -> None:
    while x.shape[-1] > 4:
        x = nn.MaxPool2d(2)(x)
    reveal_type(nn.Linear(8 * 4 * 4, 10)(x.flatten(1)))  # R: Tensor[tuple[Literal[2], Literal[10]], f32, NoTape]


# a list held in a variable: the count (stack) and the sum along the axis (concat) are Dyn
_parts = [sd.randn((3, 16)) for _ in range(4)]
reveal_type(sd.stack(_parts, axis=1))  # R: Tensor[tuple[Literal[3], Any, Literal[16]], f32, NoTape]
reveal_type(sd.concat(_parts, axis=1))  # R: Tensor[tuple[Literal[3], Any], f32, NoTape]
# a comprehension or a spread list too: its items' shapes are known, their count is not
reveal_type(sd.concat([p * 2 for p in _parts], axis=1))  # R: Tensor[tuple[Literal[3], Any], f32, NoTape]
reveal_type(sd.stack([p for p in _parts if p.sum().item() > 0]))  # R: Tensor[tuple[Any, Literal[3], Literal[16]], f32, NoTape]
reveal_type(sd.concat([*_parts, sd.zeros((1, 16))]).shape[1])  # R: Size[Literal[16]]
reveal_type(sd.concat([*(_parts[0], _parts[1]), sd.zeros((1, 16))]).shape)  # R: tuple[Size[Literal[7]], Size[Literal[16]]]


class Heads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.heads = [nn.Linear(16, 4) for _ in range(4)]

    def forward(self, x: Tensor[tuple[B, Const[16]]]) -> Tensor[tuple[B, Const[16]]]:
        reveal_type(sd.concat([h(x) for h in self.heads], axis=-1))  # R: Tensor[tuple[B, Any], f32, NoTape]
        return sd.concat([h(x) for h in self.heads], axis=-1)
