"""Movement, joins, indexing, masks and padding with literal arguments."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, i64

x = sd.ones((2, 3, 4))
a: Tensor[tuple[Const[6], Const[4]]] = x.reshape((6, 4))  # op: reshape
b: Tensor[tuple[Const[12], Const[2]]] = x.reshape((-1, 2))
c: Tensor[tuple[Const[2], Const[12]]] = x.flatten(1)  # op: flatten
d: Tensor[tuple[Const[4], Const[2], Const[3]]] = x.permute((2, 0, 1))  # op: permute
a2: Tensor[tuple[Const[6], Const[4]]] = x.reshape(6, 4)  # op: reshape
b2: Tensor[tuple[Const[12], Const[2]]] = x.reshape(-1, 2)
d2: Tensor[tuple[Const[4], Const[2], Const[3]]] = x.permute(2, 0, 1)  # op: permute
e: Tensor[tuple[Const[2], Const[4], Const[3]]] = x.transpose()  # op: transpose
f: Tensor[tuple[Const[1], Const[2], Const[3], Const[4]]] = x.unsqueeze(0)  # op: unsqueeze
g: Tensor[tuple[Const[3]]] = sd.ones((1, 3, 1)).squeeze()  # op: squeeze
h: Tensor[tuple[Const[5], Const[4]]] = sd.ones((4,)).broadcast_to((5, 4))  # op: broadcast_to
h2: Tensor[tuple[Const[5], Const[1], Const[4]]] = sd.ones((1, 1, 4)).expand(5, -1, -1)  # op: expand
h3: Tensor[tuple[Const[5], Const[4]]] = sd.ops.expand(sd.ones((1, 4)), (5, 4))

m = sd.ones((3, 4))
j1: Tensor[tuple[Const[3], Const[6]]] = sd.ops.concat([m, sd.ones((3, 2))], axis=1)  # op: concat
j2: Tensor[tuple[Const[3], Const[2], Const[4]]] = sd.ops.stack([m, m], axis=1)  # op: stack
p1, p2 = x.split(2, axis=2)  # op: split
q1: Tensor[tuple[Const[2], Const[3], Const[2]]] = p1
c1, c2, c3 = x.chunk(3, axis=1)  # op: chunk
q2: Tensor[tuple[Const[2], Const[1], Const[4]]] = c3

i1: Tensor[tuple[Const[3], Const[4]]] = x[0]  # op: getitem
i2: Tensor[tuple[Const[2], Const[1], Const[4]]] = x[0, 1:3, None, ...]
i3: Tensor[tuple[Const[2], Const[4]]] = x[:, -1]
i4: Tensor[tuple[Const[2], Const[3], Const[2]]] = x[..., ::2]
idx = sd.zeros((3, 2), dtype=i64)
g1: Tensor[tuple[Const[3], Const[2]]] = m.gather(idx, axis=1)  # op: gather
g2: Tensor[tuple[Const[5], Const[4]]] = m.select(sd.zeros((5,), dtype=i64))  # op: select
t1: Tensor[tuple[Const[3], Const[4]]] = m.tril()  # op: tril
t2: Tensor[tuple[Const[3], Const[4]]] = sd.ops.triu(m, 1)  # op: triu
mf: Tensor[tuple[Const[3], Const[4]]] = m.masked_fill(m > 0, 0.0)  # op: masked_fill
pd: Tensor[tuple[Const[4], Const[9]]] = sd.ops.pad(m, ((0, 1), (2, 3)))  # op: pad
assert pd.shape == (4, 9) and i2.shape == (2, 1, 4) and q2.shape == (2, 1, 4)
