# mypy: strict-equality
"""A test of a tensor's rank where the plugin knows it (`x.ndim` is `Literal[3]` for a 3-d
`x`): the branch the run never takes leaves no member behind (a conv that takes one image
or a batch, an attention that adds the batch axis), and a test that is always false for this
tensor is no `[comparison-overlap]` error (`strict_equality`, which `--strict` turns on), in an
`if` or in a display, a comprehension or a lambda: the same code serves other ranks. A test
kept in a display is a `bool`, not the literal of this tensor."""

# fmt: off
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, nn

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

feats = [sd.randn((2, 4)), sd.randn((2, 4))]
seqs = [f for f in feats if f.ndim == 3]
meta = {"batched": x.ndim == 3, "rank": x.ndim}
pair = (x.dim() == 3, x.shape[-1])
is_seq: Callable[[Tensor[tuple[Const[5], Const[16]]]], bool] = lambda t: t.ndim == 3  # noqa: E731
if any(f.ndim == 3 for f in feats) or is_seq(x):
    raise AssertionError("2-d features")
flags = [x.ndim == 2]
flags.append(False)
meta["batched"] = True
assert seqs == [] and pair == (False, 16) and flags == [True, False] and meta["rank"] == 2

assert out.shape == (1, 8, 30, 30) and y.shape == (1, 5, 16) and z.shape == (2, 8, 30, 30)
assert any_rank(img) == 0 and img.ndim + 1 == 5
