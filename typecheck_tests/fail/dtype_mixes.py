"""Operands of dtypes an op refuses to mix: one `[dtype]` error in the runtime's words (the op,
both dtypes, the conversion), not mypy's about overloads or a `Traced` parameter."""

# fmt: off
from __future__ import annotations

import shapedl as sd

emb = sd.randn((2, 4, 8))
keep = sd.ones((2, 4, 1), dtype=sd.bool_)
ids = sd.ones((2, 4, 8), dtype=sd.i64)
emb * keep  # E: [dtype] mul: dtypes float32 and bool differ; convert the bool operand: .astype(sd.f32)
emb - ids  # E: [dtype] sub: dtypes float32 and int64 differ; convert the int64 operand: .astype(sd.f32)
emb + sd.ones((2, 4, 8), dtype=sd.f64)  # E: [dtype] add: dtypes float32 and float64 differ
sd.concat([emb, ids], axis=2)  # E: [dtype] concat: dtypes float32 and int64 differ
sd.stack([emb, ids])  # E: [dtype] stack: dtypes float32 and int64 differ
gt = emb > ids  # E: [dtype] gt: dtypes float32 and int64 differ
sd.isclose(emb, ids)  # E: [dtype] isclose: dtypes float32 and int64 differ


def f(n: int) -> int:
    return n


pair = (emb * keep, f("s"))  # E: [dtype] mul: dtypes float32 and bool differ  # E: [arg-type] Argument 1 to "f" has incompatible type "str"
