"""The types of idioms of models ported from PyTorch."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

from shapedl import nn

body = nn.Sequential(*[nn.Linear(8, 8) for _ in range(3)])
reveal_type(body[0])  # R: Linear[Literal[8], Literal[8]]
reveal_type(body[-1].weight)  # R: Tensor[tuple[Literal[8], Literal[8]], f32, NoTape]
layers: list[nn.Module] = [nn.Linear(8, 16), nn.GELU()]
reveal_type(nn.Sequential(*layers)[0])  # R: Any
