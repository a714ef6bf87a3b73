"""Shape-keeping layers that hold a size refuse an input it does not fit, in the runtime's
words: RMSNorm's width, PReLU's slopes, GroupNorm's channels (with or without `affine`),
Softmax's axis, Residual's sum of input and block."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Size, Tensor

B = TypeVar("B", bound=sd.Dim)
C = TypeVar("C", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)

x = sd.randn((2, 6, 8))
sd.nn.RMSNorm(4)(x)  # E: [shape] rms_norm: shapes (2, 6, 8) and (4,): input size 8 at axis -1 differs from normalized_shape size 4; normalized_shape must be the trailing sizes of the input
sd.nn.RMSNorm([6])(x)  # E: [shape] rms_norm: shapes (2, 6, 8) and (6,): input size 8 at axis -1 differs from normalized_shape size 6
sd.nn.PReLU(4)(x)  # E: [shape] prelu: shapes (2, 6, 8) and (4,): weight has 4 slopes, but axis 1 of x has 6 channels; give one slope, or one per channel
sd.nn.GroupNorm(2, 4)(x)  # E: [shape] group_norm: shapes (2, 6, 8) and (4,): weight must be (6,), one value per channel at axis 1
sd.nn.GroupNorm(2, 4, affine=False)(x)  # E: [shape] group_norm: shapes (2, 6, 8) and (4,): weight must be (6,)
sd.nn.GroupNorm(5, 16)  # E: [shape] GroupNorm: num_groups=5 must be positive and divide num_channels=16
sd.nn.Residual(sd.nn.Linear(8, 4))(x)  # E: [shape] add: shapes (2, 6, 8) and (2, 6, 4): cannot broadcast 8 against 4 at axis -1
sd.nn.Softmax(axis=3)(x)  # E: [shape] softmax: shape (2, 6, 8): axis 3 is out of range for rank 3
sd.nn.LogSoftmax(axis=-4)(x)  # E: [shape] log_softmax: shape (2, 6, 8): axis -4 is out of range for rank 3


def symbolic(x: Tensor[tuple[B, C, T]], c: Size[C], t: Size[T]) -> None:
    sd.nn.RMSNorm(c)(x)  # E: [shape] rms_norm: shapes (B, C, T) and (C,): input size T at axis -1 differs from normalized_shape size C
    sd.nn.PReLU(t)(x)  # E: [shape] prelu: shapes (B, C, T) and (T,): weight has T slopes, but axis 1 of x has C channels
    sd.nn.GroupNorm(1, t)(x)  # E: [shape] group_norm: shapes (B, C, T) and (T,): weight must be (C,)
    sd.nn.Residual(sd.nn.Linear(t, c))(x)  # E: [shape] add: shapes (B, C, T) and (B, C, C): cannot broadcast T against C at axis -1
