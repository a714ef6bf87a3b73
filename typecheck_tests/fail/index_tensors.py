"""Index tensors: the shape getitem's rule gives makes a wrong use after `C[X]` an error in the
runtime's words; a mask that does not fit, too many index tensors; a size that is a union."""

# fmt: off
from __future__ import annotations

import math

import shapedl as sd

C = sd.randn((27, 10))
X = sd.randint(0, 27, (32, 3))
C[X].view(-1, 31)  # E: [shape] reshape: shapes (32, 3, 10) and (-1, 31): 960 values do not divide into sizes of product 31
P = sd.randn((5, 6))
xs, ys = sd.tensor([1, 2, 3]), sd.tensor([0, 1])
P[xs, ys]  # E: [shape] getitem: shapes (3,) and (2,): cannot broadcast 3 against 2
P[xs, xs, xs]  # E: [shape] getitem: shape (5, 6): too many indices: 3 for rank 2
P[sd.ones((6,)) > 0]  # E: [shape] getitem: shapes (5, 6) and (6,): boolean mask has size 6 at axis 0, not 5
logprobs = sd.randn((4, 5))
logprobs[sd.arange(4), sd.randint(0, 5, (3,))]  # E: [shape] getitem: shapes (4,) and (3,)
P[xs] @ sd.randn((5, 2))  # E: [shape] matmul: shapes (3, 6) and (5, 2)

x = sd.randn((2, 3, 4, 4))
k = math.prod(x.shape[1:])
sd.randn((5, 3)) @ x.reshape((2, k))  # E: [shape] matmul: shapes (5, 3) and (2, Dyn)
sd.zeros((2, k)).sum(axis=2)  # E: [shape] sum: shape (2, Dyn): axis 2 is out of range for rank 2

# an untraced index into an untraced table records nothing to differentiate
C[X].sum().backward()  # E: [tape] backward() needs a traced tensor, but this one was never traced
