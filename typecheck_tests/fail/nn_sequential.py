"""A broken chain is a `[shape]` error: at construction where it can be, else at the call."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Tensor

B = TypeVar("B", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)

sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(16, 2))  # E: [shape] Sequential: shapes (..., 8) and (2, 16): layer 2 (Linear) takes width 16 at axis -1 but layer 0 gives width 8
sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.LayerNorm(8), sd.nn.Dropout(0.5), sd.nn.Linear(9, 2))  # E: [shape] layer 3 (Linear) takes width 9 at axis -1 but layer 0 gives width 8

sd.nn.Sequential(sd.nn.Embedding(65, 32), sd.nn.Linear(64, 65))  # E: [shape] Sequential: shapes (..., 32) and (65, 64): layer 1 (Linear) takes width 64 at axis -1 but layer 0 gives width 32
sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.ReLU(), sd.nn.MaxPool2d(2), sd.nn.Conv2d(16, 4, 3))  # E: [shape] Sequential: shapes (N, 8, ...) and (4, 16, 3, 3): layer 3 (Conv2d) takes 16 channels at axis 1 but layer 0 gives 8
sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.Flatten(), sd.nn.Linear(8, 2), sd.nn.Conv2d(1, 8, 3))
sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.ConvTranspose2d(4, 1, 2))  # E: [shape] Sequential: shapes (N, 8, ...) and (4, 1, 2, 2): layer 1 (ConvTranspose2d) takes 4 channels at axis 1 but layer 0 gives 8
sd.nn.Sequential(sd.nn.Conv1d(2, 4, 3), sd.nn.BatchNorm1d(4), sd.nn.Conv1d(4, 2, 3), sd.nn.Conv1d(4, 2, 3))  # E: [shape] Sequential: shapes (N, 2, ...) and (2, 4, 3): layer 3 (Conv1d) takes 4 channels at axis 1 but layer 2 gives 2

cnn = sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.ReLU(), sd.nn.Flatten(), sd.nn.Linear(100, 10))
pooled = sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.MaxPool2d(2), sd.nn.Flatten(), sd.nn.Linear(8 * 26 * 26, 10))
mlp = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 2))


def images(x: Tensor[tuple[B, Const[1], Const[28], Const[28]]]) -> None:
    cnn(x)  # E: [shape] Linear: shapes (B, 5408) and (10, 100): input width 5408 at axis -1 differs from in_features 100
    pooled(x)  # E: [shape] Linear: shapes (B, 1352) and (10, 5408): input width 1352 at axis -1 differs from in_features 5408
    mlp(x)  # E: [shape] Linear: shapes (B, 1, 28, 28) and (8, 4): input width 28 at axis -1 differs from in_features 4


def symbolic(x: Tensor[tuple[B, D]]) -> None:
    _, d = x.shape
    sd.nn.Sequential(sd.nn.Linear(d, 4 * d), sd.nn.GELU(), sd.nn.Linear(3 * d, d))  # E: [shape] Sequential: shapes (..., 4*D) and (D, 3*D): layer 2 (Linear) takes width 3*D at axis -1 but layer 0 gives width 4*D
    block = sd.nn.Sequential(sd.nn.Linear(2 * d, d), sd.nn.GELU())
    block(x)  # E: [shape] Linear: shapes (B, D) and (D, 2*D): input width D at axis -1 differs from in_features 2*D

# the broken link is reported at the layer that does not fit, and once: not again at the call
chain = sd.nn.Sequential(
    sd.nn.Linear(4, 16),
    sd.nn.ReLU(),
    sd.nn.Linear(8, 2),  # E: [shape] Sequential: shapes (..., 16) and (2, 8): layer 2 (Linear) takes width 8 at axis -1 but layer 0 gives width 16
)
chain(sd.randn((3, 4)))
sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.BatchNorm2d(16))  # E: [shape] Sequential: shapes (N, 8, ...) and (16,): layer 1 (BatchNorm2d) takes 16 channels at axis 1 but layer 0 gives 8
# shape-keeping layers declared as such (nn/registry.py) pass the width through
sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.RMSNorm(8), sd.nn.Identity(), sd.nn.Linear(16, 2))  # E: [shape] Sequential: shapes (..., 8) and (2, 16): layer 3 (Linear) takes width 16 at axis -1 but layer 0 gives width 8
# a layer taken by its index is checked as that layer
mlp = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 2))
mlp[0](sd.ones((3, 5)))  # E: [shape] Linear: shapes (3, 5) and (8, 4)
mlp[1].weight  # E: [attr-defined]
