"""Movement: reshape keeps the number of values, axes must exist, broadcast_to must fit."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor

x = sd.zeros((2, 3, 4))
x.reshape((5, 5))  # E: [shape] reshape: shapes (2, 3, 4) and (5, 5): 24 values cannot take the shape of 25  # op: reshape
x.reshape((-1, 5))  # E: [shape] reshape: shapes (2, 3, 4) and (-1, 5)
x.reshape((-1, -1))  # E: [shape] reshape: shapes (2, 3, 4) and (-1, -1)
x.flatten(3)  # E: [shape] flatten: shape (2, 3, 4): start_axis 3 is out of range for rank 3  # op: flatten
x.permute((0, 1))  # E: [shape] permute: shape (2, 3, 4)  # op: permute
x.permute((0, 1, 1))  # E: [shape] permute: shape (2, 3, 4)
x.permute(0, 1, 1)  # E: [shape] permute: shape (2, 3, 4): axes (0, 1, 1) is not a permutation of the axes
x.reshape(5, 5)  # E: [shape] reshape: shapes (2, 3, 4) and (5, 5): 24 values cannot take the shape of 25
x.reshape(-1, 5)  # E: [shape] reshape: shapes (2, 3, 4) and (-1, 5)
x.reshape(*x.shape[:-1], 3, -1)  # E: [shape] reshape: shapes (2, 3, 4) and (2, 3, 3, -1)
x.permute(*x.shape[1:])  # E: [shape] permute: shape (2, 3, 4)
x.reshape((2, 12), 1)  # E: [call-overload]
x.transpose(0, 3)  # E: [shape] transpose: shape (2, 3, 4): axis1 3 is out of range for rank 3  # op: transpose
x.unsqueeze(4)  # E: [shape] unsqueeze: shape (2, 3, 4): axis 4 is out of range for a result of rank 4  # op: unsqueeze
x.squeeze(1)  # E: [shape] squeeze: shape (2, 3, 4)  # op: squeeze
x.broadcast_to((3, 4))  # E: [shape] broadcast_to: shapes (2, 3, 4) and (3, 4): rank 3 cannot broadcast to rank 2  # op: broadcast_to
x.broadcast_to((2, 5, 4))  # E: [shape] broadcast_to: shapes (2, 3, 4) and (2, 5, 4)
x.expand(2, 5, -1)  # E: [shape] expand: shapes (2, 3, 4) and (2, 5, -1): cannot broadcast 3 to 5 at axis -2; only size 1 stretches  # op: expand
x.expand(-1, 2, 3, 4)  # E: [shape] expand: shapes (2, 3, 4) and (-1, 2, 3, 4): -1 at new leading axis 0; -1 keeps a size of x: give one

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def merge(x: Tensor[tuple[B, T]]) -> None:
    b, t = x.shape
    x.reshape((b * t, 2))  # E: [shape] reshape: shapes (B, T) and (B*T, 2)
    x.reshape((b, b))  # E: [shape] reshape: shapes (B, T) and (B, B)
    x.reshape(b, b)  # E: [shape] reshape: shapes (B, T) and (B, B)

# NOTE: the rows of `x` are `x[0]`'s shape, so a row that does not fit is caught in the loop
for row in x:
    row @ sd.zeros((3, 4))  # E: [shape] matmul: shapes (3, 4) and (3, 4)
first, second = sd.zeros((2, 5))
first + sd.zeros((4,))  # E: [shape] add: shapes (5,) and (4,)
