"""`Sequential` keeps its layers in its type and folds a call through every one of them."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Tensor

B = TypeVar("B", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)

mlp = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 2))
reveal_type(mlp)  # R: Sequential[Linear[Literal[4], Literal[8]], ReLU, Linear[Literal[8], Literal[2]]]
reveal_type(mlp(sd.ones((5, 4))))  # R: Tensor[tuple[Literal[5], Literal[2]], f32, NoTape]
reveal_type(mlp(sd.ones((5, 4)).traced()))  # R: Tensor[tuple[Literal[5], Literal[2]], f32, Traced]

cnn = sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.ReLU(), sd.nn.Flatten(), sd.nn.Linear(8 * 26 * 26, 10))
deeper = sd.nn.Sequential(
    sd.nn.Conv2d(1, 8, 3, padding=1), sd.nn.ReLU(), sd.nn.MaxPool2d(2),
    sd.nn.Conv2d(8, 16, 3, padding=1), sd.nn.ReLU(), sd.nn.MaxPool2d(2),
    sd.nn.Flatten(), sd.nn.Linear(16 * 7 * 7, 10),
)
with_functions = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.ops.relu, sd.nn.LayerNorm(8), sd.nn.Dropout(0.1))


def images(x: Tensor[tuple[B, Const[1], Const[28], Const[28]]]) -> None:
    reveal_type(cnn(x))  # R: Tensor[tuple[B, Literal[10]], f32, NoTape]
    reveal_type(deeper(x))  # R: Tensor[tuple[B, Literal[10]], f32, NoTape]
    reveal_type(sd.nn.Sequential(sd.nn.Conv2d(1, 8, 3), sd.nn.Flatten())(x))  # R: Tensor[tuple[B, Literal[5408]], f32, NoTape]


def symbolic(x: Tensor[tuple[B, D]]) -> None:
    _, d = x.shape
    block = sd.nn.Sequential(sd.nn.Linear(d, 4 * d), sd.nn.GELU(), sd.nn.Linear(4 * d, d))
    reveal_type(block)  # R: Sequential[Linear[D, Mul[Literal[4], D]], GELU, Linear[Mul[Literal[4], D], D]]
    reveal_type(block(x))  # R: Tensor[tuple[B, D], f32, NoTape]
    reveal_type(with_functions(sd.ones((3, 4))))  # R: Tensor[tuple[Literal[3], Literal[8]], f32, NoTape]


# `model[i]` with a literal index is that layer (PyTorch's `model[0].weight`), else Any
mlp = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 2))
reveal_type(mlp[0])  # R: Linear[Literal[4], Literal[8]]
reveal_type(mlp[-1].out_features)  # R: int
reveal_type(mlp[0].weight)  # R: Tensor[tuple[Literal[8], Literal[4]], f32, NoTape]
reveal_type(mlp[len(mlp) - 1])  # R: Any


# ---- a slice is a Sequential of those layers (PyTorch's model[:-1], a feature extractor) -------
chain = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 2))
reveal_type(chain[:-1])  # R: Sequential[Linear[Literal[4], Literal[8]], ReLU]
reveal_type(chain[:-1](sd.ones((3, 4))))  # R: Tensor[tuple[Literal[3], Literal[8]], f32, NoTape]
reveal_type(chain[1:])  # R: Sequential[ReLU, Linear[Literal[8], Literal[2]]]
deep = sd.nn.Sequential(*[sd.nn.Linear(8, 8) for _ in range(3)])  # NOTE: how many: run time
reveal_type(deep(sd.ones((5, 8))))  # R: Tensor[tuple[Literal[5], Literal[8]], f32, NoTape]
