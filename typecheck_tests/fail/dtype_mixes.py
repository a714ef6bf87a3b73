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


X = sd.Tensor[tuple[sd.Const[2], sd.Const[4], sd.Const[8]]]


def head(x: X) -> sd.Tensor[tuple[()]]:
    return x.sum()


def tall(x: X) -> sd.Tensor[tuple[sd.Const[8], sd.Const[4]]]:
    return x[0].T


# another call's error on the line is its own
x5 = sd.randn((2, 4, 5))
(emb * keep).sum() + head(x5)  # E: [dtype] mul: dtypes float32 and bool differ  # E: [arg-type] Argument 1 to "head" has incompatible type
sd.ops.mm(emb[0].double(), tall(x5))  # E: [dtype] mm: dtypes float64 and float32 differ  # E: [arg-type] Argument 1 to "tall" has incompatible type
# an operand's own error, not an operator's follow-on (mypy meets it again trying `__add__`)
tall(emb) + tall(x5)  # E: [arg-type] Argument 1 to "tall" has incompatible type
tall(emb) * tall(x5)  # E: [arg-type] Argument 1 to "tall" has incompatible type

# the generic ops (one `DT` for all operands): the op's error, not mypy's "Cannot infer"
m = sd.randn((3, 4))
w = sd.randn((4, 5), dtype=sd.f64)
sd.ops.mm(m, w)  # E: [dtype] mm: dtypes float32 and float64 differ
sd.ops.mm(m, sd.randn((4, 5), dtype=sd.f64))  # E: [dtype] mm: dtypes float32 and float64 differ
sd.ops.bmm(sd.randn((2, 3, 4)), sd.randn((2, 4, 5)).astype(sd.f64))  # E: [dtype] bmm: dtypes float32 and float64 differ
sd.ops.dot(sd.randn((4,)), sd.randn((4,), dtype=sd.f64))  # E: [dtype] dot: dtypes float32 and float64 differ
sd.ops.matmul(m, w)  # E: [dtype] matmul: dtypes float32 and float64 differ
sd.where(m > 0, m, m.double())  # E: [dtype] where: dtypes float32 and float64 differ
sd.einsum("ij,jk->ik", m, w)  # E: [dtype] einsum: dtypes float32 and float64 differ
sd.meshgrid(sd.arange(3, dtype=sd.i32), sd.ones((2,), dtype=sd.f16))  # E: [dtype] meshgrid: dtypes int32 and float16 differ
