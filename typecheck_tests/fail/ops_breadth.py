"""PyTorch's names users port: their shape errors, and results that are not what is annotated."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.randn((2, 3, 4))
h1 = sd.ops.hardswish(x)  # op: hardswish
f1: Tensor[tuple[Const[2], Const[4]]] = h1  # E: [assignment]
h2 = sd.ops.hardsigmoid(x)  # op: hardsigmoid
f2: Tensor[tuple[Const[2], Const[4]]] = h2  # E: [assignment]
h3 = x.clamp_min(0.0)  # op: clamp_min
f3: Tensor[tuple[Const[2], Const[4]]] = h3  # E: [assignment]
h4 = x.clamp_max(0.0)  # op: clamp_max
f4: Tensor[tuple[Const[2], Const[4]]] = h4  # E: [assignment]
sd.ops.logaddexp(x, sd.ones((3,)))  # E: [shape] logaddexp: shapes (2, 3, 4) and (3,): cannot broadcast 4 against 3 at axis -1  # op: logaddexp
sd.ops.lerp(x, x, sd.ones((2, 3)))  # E: [shape] lerp: shapes (2, 3, 4) and (2, 3, 4) and (2, 3): cannot broadcast 4 against 3 at axis -1  # op: lerp
x.expand(2, -1, 5)  # E: [shape] expand: shapes (2, 3, 4) and (2, -1, 5): cannot broadcast 4 to 5 at axis -1; only size 1 stretches  # op: expand
x.expand(-1, 2, 3, 4)  # E: [shape] expand: shapes (2, 3, 4) and (-1, 2, 3, 4): -1 at new leading axis 0; -1 keeps a size of x: give one
x.view(5, -1)  # E: [shape] reshape: shapes (2, 3, 4) and (5, -1): 24 values do not divide into sizes of product 5
x.unbind(3)  # E: [shape] unbind: shape (2, 3, 4): axis 3 is out of range for rank 3  # op: unbind
x.narrow(1, 2, 2)  # E: [shape] narrow: shape (2, 3, 4): start 2 and length 2 do not fit in size 3 of axis 1; start + length must be at most the size  # op: narrow
sd.ops.diff(x, 3)  # E: [shape] diff: shape (2, 3, 4): axis 3 is out of range for rank 3  # op: diff
sd.ops.diff(sd.ones(()))  # E: [shape] diff: shape (): needs at least one axis, got a scalar
x.amax(3)  # E: [shape] max: shape (2, 3, 4): axis 3 is out of range for rank 3
sd.ops.normalize(x, axis=3)  # E: [shape] normalize: shape (2, 3, 4): axis 3 is out of range for rank 3  # op: normalize
sd.ops.linear(x, sd.randn((5, 3)))  # E: [shape] linear: shapes (2, 3, 4) and (5, 3): input width 4 at axis -1 differs from in_features 3 (axis 1 of the weight); the weight is (out_features, in_features), as PyTorch stores it  # op: linear
sd.ops.linear(x, sd.randn((5, 4)), sd.zeros((4,)))  # E: [shape] linear: shapes (2, 3, 4) and (5, 4) and (4,): the bias must have shape (5,), one value per output feature
sd.ops.index_add(x, 1, sd.tensor([0, 2]), sd.ones((2, 5, 4)))  # E: [shape] index_add: shapes (2, 3, 4) and (2,) and (2, 5, 4): source must have shape (2, 2, 4): x's, with axis 1 as long as index  # op: index_add
sd.ops.scatter_reduce(x, 1, sd.zeros((2, 6), dtype=sd.i64), sd.ones((2, 6, 4)), "sum")  # E: [shape] scatter_reduce: shapes (2, 3, 4) and (2, 6) and (2, 6, 4): index has rank 2, x has rank 3  # op: scatter_reduce
sd.ops.bincount(sd.zeros((2, 3), dtype=sd.i64))  # E: [shape] bincount: shape (2, 3): x must be 1-d, not 2-d; flatten it: x.flatten()  # op: bincount
sd.ops.searchsorted(sd.ones((3, 9)), x)  # E: [shape] searchsorted: shapes (3, 9) and (2, 3, 4): an N-d sorted_sequence must have the values' axes but the last; a 1-d sorted_sequence serves values of any shape  # op: searchsorted
sd.ops.bucketize(x, sd.ones((2, 3)))  # E: [shape] bucketize: shapes (2, 3, 4) and (2, 3): boundaries must be 1-d, not 2-d; searchsorted takes one sequence per row  # op: bucketize
c1: Tensor[tuple[Const[3]], sd.f32] = sd.ops.bincount(sd.tensor([0, 1, 2]))  # E: [assignment]
