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
