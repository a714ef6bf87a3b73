"""The types of idioms of models ported from PyTorch."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

from shapedl import Const, Dim, DType, Tensor, nn

B = TypeVar("B", bound=Dim)
DT = TypeVar("DT", bound=DType)

body = nn.Sequential(*[nn.Linear(8, 8) for _ in range(3)])
reveal_type(body[0])  # R: Linear[Literal[8], Literal[8]]
reveal_type(body[-1].weight)  # R: Tensor[tuple[Literal[8], Literal[8]], f32, NoTape]
layers: list[nn.Module] = [nn.Linear(8, 16), nn.GELU()]
reveal_type(nn.Sequential(*layers)[0])  # R: Any


def skips(x: Tensor[tuple[B, Const[3], Const[32], Const[32]]], pool: nn.MaxPool2d) -> None:
    kept = []
    for _ in range(3):
        kept.append(x)
        x = pool(x)
    reveal_type(kept)  # R: list[Tensor[tuple[B, Literal[3], Any, Any], f32, NoTape]]
    reveal_type(kept.pop())  # R: Tensor[tuple[B, Literal[3], Any, Any], f32, NoTape]


def dtype_of(x: Tensor[tuple[B], DT]) -> None:
    reveal_type(x.dtype)  # R: type[DT]
