"""A test of a tensor's rank where the plugin knows it (`x.ndim` is `Literal[3]` for a 3-d
`x`): the branch the run never takes leaves no member behind (a conv that takes one image
or a batch, an attention that adds the batch axis), and a test that is always false for this
tensor is no `[comparison-overlap]` error: the same code serves other ranks."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, nn

B = TypeVar("B", bound=Dim)

conv = nn.Conv2d(3, 8, 3)
img = sd.randn((3, 32, 32))
if img.ndim == 3:
    img = img.unsqueeze(0)
out = conv(img)

mha = nn.MultiHeadAttention(16, 4)
x = sd.randn((5, 16))
inp = x if x.ndim == 3 else x.unsqueeze(0)
y = mha(inp)

batch = sd.randn((2, 3, 32, 32))
if batch.ndim != 4:
    batch = batch.unsqueeze(0)
z = conv(batch)


def any_rank(t: Tensor[Any, Any, Any]) -> int:
    return 1 if t.ndim == 3 else 0


assert x.dim() != 3  # NOTE: always true for this `x`: no [comparison-overlap] either


assert out.shape == (1, 8, 30, 30) and y.shape == (1, 5, 16) and z.shape == (2, 8, 30, 30)
assert any_rank(img) == 0 and img.ndim + 1 == 5
