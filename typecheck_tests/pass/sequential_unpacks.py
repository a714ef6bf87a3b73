"""`nn.Sequential` built from several lists of layers (PyTorch-GAN's `*block(a, b), *block(b,
c)`): a chain whose layers the types do not show, as one unpack of a list gives."""

from __future__ import annotations

from typing import Any

import shapedl as sd
from shapedl import Tensor, nn


def block(in_feat: int, out_feat: int) -> list[nn.Module]:
    return [nn.Linear(in_feat, out_feat), nn.LeakyReLU(0.2)]


generator = nn.Sequential(*block(10, 32), *block(32, 64), nn.Linear(64, 1))
stem = [nn.Linear(4, 8), nn.ReLU()]
mixed = nn.Sequential(*stem, *(nn.Linear(8, 8), nn.ReLU()), *stem[:0], nn.Linear(8, 2))


def critic(x: Tensor[Any, Any, Any]) -> Tensor[Any, Any, Any]:
    return generator(x)


assert critic(sd.randn((4, 10))).shape == (4, 1)
assert mixed(sd.randn((3, 4))).shape == (3, 2) and len(generator) == 5
