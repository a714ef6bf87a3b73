"""A name rebound in a loop through a layer and through something typed `Any` (a bare
`nn.Module`'s call, a list of modules): no crash of mypy, and it runs.

mypy 2.4 solved the next layer's `*Bs` from the name's union with `Any` (the call's context)
and crashed expanding it (an INTERNAL ERROR); plugin.py's `_no_context_unpack` says why."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
layers = [nn.Linear(8, 8), nn.Linear(8, 8)]
act: nn.Module = nn.ReLU()


def forward(x: Tensor[tuple[B, int], f32]) -> Tensor[tuple[B, int], f32]:
    for layer in layers:
        x = layer(x)
        x = act(x)
    return x


def literal(x: Tensor[tuple[Const[2], Const[8]], f32], a: Any) -> None:
    for _ in range(2):
        x = layers[0](x)
        x = a


class Mlp(nn.Module):
    def __init__(self) -> None:
        self.fcs = [nn.Linear(8, 8), nn.Linear(8, 8)]
        self.acts: list[nn.Module] = [nn.ReLU(), nn.Tanh()]

    def forward(self, x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[8]], f32]:
        for fc, f in zip(self.fcs, self.acts, strict=True):
            x = fc(x)
            x = f(x)
        return x


assert forward(sd.randn((2, 8))).shape == (2, 8) and Mlp()(sd.randn((3, 8))).shape == (3, 8)
literal(sd.randn((2, 8)), sd.randn((2, 8)))
