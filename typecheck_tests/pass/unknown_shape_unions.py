"""A parameter rebound in a branch to a tensor of unknown shape (a `Sequential` built from a
spread list, `sd.from_numpy`), then given to a layer or helper whose result spreads `*Bs`:
mypy solved `Bs` from the union and crashed ("Invalid type replacement to expand")."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from typing_extensions import TypeVarTuple

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
Bs = TypeVarTuple("Bs")
deep = nn.Sequential(*[nn.Linear(16, 16), nn.ReLU()] * 3)
head = nn.Linear(16, 16)


def keep(x: Tensor[tuple[*Bs, Const[16]], f32]) -> Tensor[tuple[*Bs, Const[16]], f32]:
    return x * 2.0


def forward(
    x: Tensor[tuple[B, Const[16]], f32], use_deep: bool
) -> Tensor[tuple[B, Const[16]], f32]:
    if use_deep:
        x = deep(x)
    x = head(x)
    return x


def replaced(
    x: Tensor[tuple[B, Const[16]], f32], override: np.ndarray | None = None
) -> Tensor[tuple[B, Const[16]], f32]:
    if override is not None:
        x = sd.from_numpy(override)
    x = keep(x)
    x = nn.LayerNorm(16)(x)
    return x


assert forward(sd.randn((4, 16)), True).shape == (4, 16)
assert replaced(sd.randn((4, 16)), np.ones((4, 16), np.float32)).shape == (4, 16)
