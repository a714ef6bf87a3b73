"""Modules check their input against the sizes they were built with, in the runtime's words."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Tensor

B = TypeVar("B", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)

x = sd.ones((5, 4))
sd.nn.Linear(3, 2)(x)  # E: [shape] Linear: shapes (5, 4) and (2, 3): input width 4 at axis -1 differs from in_features 3
img = sd.ones((2, 1, 28, 28))
sd.nn.Conv2d(3, 8, 3)(img)  # E: [shape] conv2d: shapes (2, 1, 28, 28) and (8, 3, 3, 3): input has 1 channels (axis 1) but the weight expects 3
sd.nn.Conv2d(1, 8, 29)(img)  # E: [shape] conv2d: shapes (2, 1, 28, 28) and (8, 1, 29, 29)
sd.nn.Conv2d(1, 8, 3)(x)  # E: [shape] conv2d: shapes (5, 4) and (8, 1, 3, 3)
sd.nn.Conv1d(3, 4, 3)(sd.ones((1, 2, 10)))  # E: [shape] conv1d: shapes (1, 2, 10) and (4, 3, 3): input has 2 channels (axis 1) but the weight expects 3
sd.nn.ConvTranspose2d(4, 1, 2, stride=2)(sd.ones((1, 8, 7, 7)))  # E: [shape] conv_transpose2d: shapes (1, 8, 7, 7) and (4, 1, 2, 2): input has 8 channels (axis 1) but the weight expects 4 (axis 0)
sd.nn.Conv2d(1, 8, (3, 3, 3))  # E: [shape] Conv2d: kernel_size must be an int or 2 ints, got (3, 3, 3)
sd.nn.MaxPool2d(2, stride=(1, 2, 1))  # E: [arg-type] Argument "stride" to "MaxPool2d" has incompatible type "tuple[int, int, int]"
sd.nn.MaxPool2d(2)(x)  # E: [shape] max_pool2d: shape (5, 4): the input must have rank 4
sd.nn.AvgPool2d(30)(img)  # E: [shape] avg_pool2d: shape (2, 1, 28, 28): output size
sd.nn.Flatten(1, 3)(x)  # E: [shape] flatten: shape (5, 4): end_axis 3 is out of range for rank 2
sd.nn.LayerNorm(5)(x)  # E: [shape] layer_norm: shapes (5, 4) and (5,): input size 4 at axis -1 differs from normalized_shape size 5


def symbolic(x: Tensor[tuple[B, D]]) -> None:
    b, d = x.shape
    sd.nn.Linear(2 * d, d)(x)  # E: [shape] Linear: shapes (B, D) and (D, 2*D): input width D at axis -1 differs from in_features 2*D
    sd.nn.Linear(b, d)(x)  # E: [shape] input width D at axis -1 differs from in_features B
    sd.nn.LayerNorm(b)(x)  # E: [shape] layer_norm: shapes (B, D) and (B,)


class Twice(sd.nn.Module):
    """A user-defined module is called with its `forward`'s signature."""

    def forward(self, x: Tensor[tuple[B, Const[3]]]) -> Tensor[tuple[B, Const[3]]]:
        return x * 2


Twice()(x)  # E: [arg-type] Argument 1 to "forward" of "Twice" has incompatible type
y: Tensor[tuple[Const[5], Const[4]]] = Twice()(sd.ones((5, 3)))  # E: [assignment] Incompatible types in assignment


seq = sd.ones((2, 5, 7))
sd.nn.MultiHeadAttention(10, 3)  # E: [shape] MultiHeadAttention: embed_dim=10 must be divisible by num_heads=3
sd.nn.MultiHeadAttention(8, 2)(seq)  # E: [shape] Linear: shapes (2, 5, 7) and (8, 8): input width 7 at axis -1 differs from in_features 8
sd.nn.TransformerEncoderLayer(8, 2)(seq)  # E: [shape] Linear: shapes (2, 5, 7) and (8, 8): input width 7 at axis -1
sd.nn.TransformerDecoderLayer(7, 1)(seq, sd.ones((2, 3, 6)))  # E: [shape] Linear: shapes (2, 3, 6) and (7, 7): input width 6 at axis -1 differs from in_features 7


def heads(x: Tensor[tuple[B, D, sd.Mul[B, D]]], b: sd.Size[B], d: sd.Size[D]) -> None:
    sd.nn.MultiHeadAttention(b * d, d)(x)
    sd.nn.MultiHeadAttention(b, d)(x)  # E: [shape] Linear: shapes (B, D, B*D) and (B, B): input width B*D at axis -1 differs from in_features B
