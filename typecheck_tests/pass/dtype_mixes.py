"""Dtypes the ops do mix: a Python scalar with any tensor, integer indices with float tables,
a boolean condition with float branches, and integers promoted as NumPy promotes them."""

from __future__ import annotations

import shapedl as sd

emb = sd.randn((2, 4, 8))
keep = sd.ones((2, 4, 1), dtype=sd.bool_)
ids = sd.arange(4)
masked = sd.where(keep, emb, 0.0) * 2 + 1
table = sd.nn.Embedding(10, 8)(ids)
counts = sd.concat([ids, ids]) * 2
mean = (emb * keep.float()).sum(axis=1) / keep.float().sum(axis=1)
assert masked.shape == (2, 4, 8) and table.shape == (4, 8) and counts.dtype is sd.i64
assert mean.shape == (2, 8)
hits = (table.argmax(axis=1) == ids).sum() + (ids > 1).sum() + (emb > 0.5).sum()
assert hits.ndim == 0 and bool(sd.isclose(emb, emb).all())
