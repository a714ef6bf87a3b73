"""A `Sequential` whose layers change the dtype (an `Embedding` takes i64, gives f32), called
where an f32 tensor is expected: a loss's argument, another layer's, an annotated name. mypy
solved `forward`'s `DT` from that context and refused the i64 input."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, f32, nn

clf = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
x = sd.tensor([[1, 2, 3]])
y = sd.tensor([1])
loss = sd.losses.cross_entropy_with_logits_loss(clf(x), y)
embed = nn.Sequential(nn.Embedding(10, 4), nn.Dropout(0.1))
h = nn.LayerNorm(4)(embed(x))
r = sd.ops.relu(embed(x))
z: Tensor[tuple[Const[1], Const[3], Const[4]], f32] = embed(x)
assert h.shape == r.shape == z.shape == (1, 3, 4) and loss.shape == ()
