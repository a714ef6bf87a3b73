"""Real bugs in everyday code: exactly one error each, with our code."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Mul, Tensor, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


# 1. a size in a variable still checks everything else
def conv(x: Tensor[tuple[B, Const[3], Const[16], Const[16]]], stride: int) -> None:
    w = sd.randn((8, 4, 3, 3))
    sd.ops.conv2d(x, w, stride=stride)  # E: [shape] conv2d: shapes (B, 3, 16, 16) and (8, 4, 3, 3): input has 3 channels (axis 1) but the weight expects 4


# 2. Dyn is no licence for a known mismatch
def width(t: Tensor[tuple[Dyn, Const[64]]]) -> None:
    t @ sd.randn((32, 10))  # E: [shape] matmul: shapes (Dyn, 64) and (32, 10): inner dimensions differ


# 3. canonical form does not make different dims equal
def rows(x: Tensor[tuple[B, T, Const[8]]]) -> Tensor[tuple[Mul[T, T], Const[8]]]:
    b, t, c = x.shape
    return x.reshape((b * t, c))  # E: [return-value] Incompatible return value type


# 5. realize checks what is known
sd.randn((3, 4)).realize((3, 5))  # E: [shape] realize: shape (3, 4) is not (3, 5)


# 7. nested calls keep their shapes, so their bugs are found
def left(x: Tensor[tuple[B, Const[4]]]) -> Tensor[tuple[B, Const[2]]]:
    return x[:, :2]


def joined(x: Tensor[tuple[B, Const[4]]], y: Tensor[tuple[T, Const[4]]]) -> None:
    sd.ops.concat([left(x), left(y)], axis=1)  # E: [shape] concat: shapes (B, 2) and (T, 2)


tok, pos = nn.Embedding(10, 4), nn.Embedding(6, 4)
h = tok(sd.zeros((2, 6), dtype=i64)) + pos(sd.arange(0, 6, dtype=i64))
h @ tok.weight  # E: [shape] matmul: shapes (2, 6, 4) and (10, 4): inner dimensions differ

# 8. one error per bug, silenced by our code alone
sd.randn((3,)).sum().backward()  # E: [tape] backward() needs a traced tensor, but this one was never traced
sd.randn((3,)).traced().sum().backward()
sd.randn((3,)).sum().backward()  # type: ignore[tape]

# 10. .T outside 2-d
sd.randn((2, 3, 4)).T  # E: [shape] T: shape (2, 3, 4) has rank 3, and .T is for 2-d tensors: use .mT
sd.randn((2, 3, 4)).mT @ sd.randn((4, 4))  # E: [shape] matmul: shapes (2, 4, 3) and (4, 4): inner dimensions differ: 3 (axis -1 of the left) vs 4

# 6. a name rebound in a loop is a union of its shapes, checked member by member
h = sd.randn((4, 8))
for layer in [nn.Linear(8, 8), nn.Linear(8, 8)]:
    h = layer(h)  # E: [shape] Linear: shapes (4, 4) and (8, 8): input width 4 at axis -1 differs from in_features 8
    h = h[:, :4]
sd.randn((5, 3)) @ h  # E: [shape] matmul: shapes (5, 3) and (4, 8): inner dimensions differ
h @ sd.randn((5, 3))  # E: [shape] matmul: shapes (4, 8) and (5, 3): inner dimensions differ
mlp = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
mlp.layers[1].weight  # E: [attr-defined] "ReLU" has no attribute "weight"

# 10. BatchNorm knows its channels and its rank
norm = nn.BatchNorm2d(16)
norm(sd.randn((2, 8, 5, 5)))  # E: [shape] batch_norm: shapes (2, 8, 5, 5) and (16,): running_mean must have shape (8,): the channels at axis 1 of the input
norm(sd.randn((2, 16)))  # E: [shape] BatchNorm2d: shape (2, 16): expected a 4-d input
nn.BatchNorm1d(3)(sd.randn((4, 5, 7)))  # E: [shape] batch_norm: shapes (4, 5, 7) and (3,)

# 10. attention checks keys and values against kdim and vdim, not only the query
q, kv = sd.randn((2, 5, 16)), sd.randn((2, 7, 12))
nn.MultiHeadAttention(16, 4)(q, kv, kv)  # E: [shape] Linear: shapes (2, 7, 12) and (16, 16): input width 12 at axis -1 differs from in_features 16
cross = nn.MultiHeadAttention(16, 4, kdim=12, vdim=10)
cross(q, kv, kv)  # E: [shape] Linear: shapes (2, 7, 12) and (16, 10): input width 12 at axis -1 differs from in_features 10
cross(q)  # E: [shape] Linear: shapes (2, 5, 16) and (16, 12): input width 16 at axis -1 differs from in_features 12
