"""More elementwise math, tests of values, products, `_like` creation and draws (branch ops)."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, Traced, bool_, i64

x = sd.rand((3, 4)) + 0.5
row = sd.ones((4,))
s: Tensor[tuple[Const[3], Const[4]]] = x.log1p()  # op: log1p
s = sd.expm1(x)  # op: expm1
s = x.erf()  # op: erf
s = sd.ops.rsqrt(x)  # op: rsqrt
s = x.log2()  # op: log2
s = x.log10()  # op: log10
s = sd.sinh(x)  # op: sinh
s = x.cosh()  # op: cosh
s = (x - 0.5).asin()  # op: asin
s = sd.acos(x - 0.5)  # op: acos
s = x.atan()  # op: atan
s = sd.atan2(x, row)  # op: atan2
s = x.atan2(2.0)
s = x.floor()  # op: floor
s = sd.ceil(x)  # op: ceil
s = x.trunc()  # op: trunc
s = x.round(1)  # op: round
s = sd.ops.round(x)
s = x.sign()  # op: sign
s = x.clone()  # op: clone
s = sd.nan_to_num(x, posinf=1.0)  # op: nan_to_num
m: Tensor[tuple[Const[3], Const[4]], bool_] = x.isnan()  # op: isnan
m = sd.isinf(x.traced())  # op: isinf
m = x.isfinite()  # op: isfinite
c: Tensor[tuple[Const[3]], i64] = x.count_nonzero(axis=1)  # op: count_nonzero
p: Tensor[tuple[Const[4]]] = x.prod(axis=0)  # op: prod
o: Tensor[tuple[Const[3], Const[4]]] = sd.outer(x[:, 0], row)  # op: outer
t: Tensor[tuple[Const[3], Const[4]], sd.f32, Traced] = x.traced().clone()
z: Tensor[tuple[Const[3], Const[4]]] = sd.zeros_like(x.traced())
z = sd.ones_like(x)
z = sd.full_like(x, 2.0)
z = sd.randn_like(x)
z = sd.rand_like(x)
zi: Tensor[tuple[Const[3], Const[4]], i64] = sd.zeros_like(x, dtype=i64)
r: Tensor[tuple[Const[2], Const[5]], i64] = sd.randint(0, 10, (2, 5))  # op: randint
ls: Tensor[tuple[Const[7]]] = sd.linspace(0, 1, 7)  # op: linspace
probs = sd.ops.softmax(sd.randn((2, 6)))
idx: Tensor[tuple[Const[2], Const[3]], i64] = sd.multinomial(probs, 3)  # op: multinomial
one: Tensor[tuple[Const[1]], i64] = probs[0].multinomial(1)
