"""matmul (1-d, 2-d, batched with broadcast batch dims), reductions, softmax, comparisons."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, Traced, bool_, i64

m = sd.ones((3, 4))
v = sd.ones((4,))
a: Tensor[tuple[Const[3], Const[5]]] = m @ sd.ones((4, 5))  # op: matmul
b: Tensor[tuple[Const[3]]] = sd.ops.matmul(m, v)
c: Tensor[tuple[()]] = v @ v
d: Tensor[tuple[Const[5], Const[2], Const[3], Const[6]]] = sd.ones((5, 1, 3, 4)) @ sd.ones((2, 4, 6))
e: Tensor[tuple[Const[3], Const[5]], sd.f32, Traced] = m.traced().matmul(sd.ones((4, 5)))

x = sd.ones((2, 3, 4))
r1: Tensor[tuple[Const[2], Const[4]]] = x.mean(axis=1)  # op: mean
r2: Tensor[tuple[Const[2], Const[3], Const[1]]] = x.max(axis=-1, keepdims=True)  # op: max
r3: Tensor[tuple[Const[3]]] = x.min(axis=(0, 2))  # op: min
r4: Tensor[tuple[Const[4]]] = x.var(axis=(0, 1))  # op: var
r5: Tensor[tuple[Const[2], Const[3]]] = x.std(axis=2, ddof=1)  # op: std
r6: Tensor[tuple[Const[2], Const[3]]] = x.logsumexp(axis=-1)  # op: logsumexp
r7: Tensor[tuple[Const[2], Const[4]], i64] = x.argmax(axis=1)  # op: argmax
r8: Tensor[tuple[()], i64] = sd.ops.argmin(x)  # op: argmin
r9: Tensor[tuple[Const[2], Const[4]], bool_] = (x > 0).any(axis=1)  # op: any
r10: Tensor[tuple[Const[1], Const[1], Const[4]], bool_] = sd.ops.all(x, (0, 1), True)  # op: all
s1: Tensor[tuple[Const[2], Const[3], Const[4]]] = x.softmax(axis=1)  # op: softmax
s2: Tensor[tuple[Const[2], Const[3], Const[4]]] = x.log_softmax()  # op: log_softmax

k1: Tensor[tuple[Const[2], Const[3], Const[4]], bool_] = x < v  # op: lt
k1 = x <= 0.5  # op: le
k1 = x > v  # op: gt
k1 = x >= v  # op: ge
k1 = x.eq(v)  # op: eq
k1 = sd.ops.ne(x, 1.0)  # op: ne
w: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.where(x > 0, x, v)  # op: where
assert w.shape == (2, 3, 4) and d.shape == (5, 2, 3, 6) and r8.shape == ()
