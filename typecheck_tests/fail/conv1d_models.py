"""1-d signal models with a wrong channel count or a length too short: each 1-d layer and op
reports it, naming the `(N, C, L)` shapes and the axis."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Add, Const, Dim, Tensor, nn

B = TypeVar("B", bound=Dim)
L = TypeVar("L", bound=Dim)


def channels(x: Tensor[tuple[B, Const[4], L]]) -> None:
    nn.Conv1d(3, 8, 3)(x)  # E: [shape] conv1d: shapes (B, 4, L) and (8, 3, 3): input has 4 channels (axis 1) but the weight expects 3
    nn.ConvTranspose1d(3, 2, 4)(x)  # E: [shape] conv_transpose1d: shapes (B, 4, L) and (3, 2, 4): input has 4 channels (axis 1) but the weight expects 3 (axis 0)
    sd.ops.conv_transpose1d(x, sd.ones((3, 2, 4)))  # E: [shape] conv_transpose1d: shapes (B, 4, L) and (3, 2, 4): input has 4 channels  # op: conv_transpose1d
    nn.Sequential(nn.Conv1d(4, 8, 3), nn.MaxPool1d(2), nn.Conv1d(4, 8, 3))  # E: [shape] layer 2 (Conv1d) takes 4 channels at axis 1 but layer 0 gives 8
    sd.ops.max_pool1d(sd.ones((2, 3, 4, 4)), 2)  # E: [shape] max_pool1d: shape (2, 3, 4, 4): the input must have rank 3 (N, C, L), not 4


short = sd.ones((2, 3, 2))
sd.ops.max_pool1d(short, 3)  # E: [shape] max_pool1d: shape (2, 3, 2): output size 0 < 1 along axis 2 (input 2, kernel 3, stride 3, padding 0)  # op: max_pool1d
sd.ops.avg_pool1d(short, 2, padding=2)  # E: [shape] avg_pool1d: shape (2, 3, 2): padding 2 is more than half the kernel  # op: avg_pool1d
nn.AvgPool1d(4)(short)  # E: [shape] avg_pool1d: shape (2, 3, 2): output size 0 < 1 along axis 2
nn.Conv1d(3, 8, 5)(short)  # E: [shape] conv1d: shapes (2, 3, 2) and (8, 3, 5): output size -2 < 1 along axis 2
sd.ops.conv_transpose1d(short, sd.ones((3, 2, 1)), padding=2)  # E: [shape] conv_transpose1d: shapes (2, 3, 2) and (3, 2, 1): output size -2 < 1 along axis 2
sd.ops.adaptive_avg_pool1d(short, 0)  # E: [shape] adaptive_avg_pool1d: shape (2, 3, 2): output_size 0 must be a positive size  # op: adaptive_avg_pool1d
sd.ops.adaptive_max_pool1d(sd.ones((2, 3, 4, 4)), 1)  # E: [shape] adaptive_max_pool1d: shape (2, 3, 4, 4): needs (N, C, L) or (C, L), not rank 4  # op: adaptive_max_pool1d
wide: Tensor[tuple[Const[2], Const[3], Const[2]]] = nn.AdaptiveMaxPool1d(4)(short)  # E: [assignment]


def chomped(y: Tensor[tuple[B, Const[4], Add[L, Const[4]]]], x: Tensor[tuple[B, Const[4], L]]) -> None:
    # NOTE: a TCN's chomp of its left padding: `:-4` of `L + 4` is `L`; `:-2` is not
    y[:, :, :-2] + x  # E: [shape] add: shapes (B, 4, L + 2) and (B, 4, L): cannot broadcast L + 2 against L at axis -1

