"""Module construction records sizes in the type; a call computes the output shape."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Tensor

B = TypeVar("B", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)

reveal_type(sd.nn.Linear(784, 128))  # R: Linear[Const[784], Const[128]]
reveal_type(sd.nn.Linear(8 * 13 * 13, 10))  # R: Linear[Const[1352], Const[10]]
reveal_type(sd.nn.Linear(in_features=3, out_features=2, bias=False))  # R: Linear[Const[3], Const[2]]
reveal_type(sd.nn.Embedding(65, 32))  # R: Embedding[Const[65], Const[32]]
reveal_type(sd.nn.Flatten())  # R: Flatten[Literal[1], Literal[-1]]
reveal_type(sd.nn.Flatten(0, 2))  # R: Flatten[Literal[0], Literal[2]]
reveal_type(sd.nn.LayerNorm(16))  # R: LayerNorm[tuple[Const[16]]]
reveal_type(sd.nn.MaxPool2d(2))  # R: MaxPool2d[tuple[Const[2], Const[2]], None, tuple[Const[0], Const[0]]]
reveal_type(sd.nn.MultiHeadAttention(64, 8))  # R: MultiHeadAttention[Const[64], Const[8]]
reveal_type(sd.nn.TransformerEncoderLayer(64, 8))  # R: TransformerEncoderLayer[Const[64]]
reveal_type(sd.nn.TransformerEncoderLayer(64, 8, norm_first=True))  # R: TransformerEncoderLayer[Any]
reveal_type(sd.nn.Conv2d(1, 8, (3, 5), stride=2))  # R: Conv2d[Const[1], Const[8], tuple[Const[3], Const[5]], tuple[Const[2], Const[2]], tuple[Const[0], Const[0]], tuple[Const[1], Const[1]]]


def sized(n: int, x: Tensor[tuple[B, D]]) -> None:
    _, d = x.shape
    reveal_type(sd.nn.Linear(d, 4 * d))  # R: Linear[D, Mul[Const[4], D]]
    reveal_type(sd.nn.Linear(n, 10))  # R: Linear[Dyn, Const[10]]
    reveal_type(sd.nn.LayerNorm(d))  # R: LayerNorm[tuple[D]]
    reveal_type(sd.nn.Linear(d, 4 * d)(x))  # R: Tensor[tuple[B, Mul[Const[4], D]], f32, NoTape]
    reveal_type(sd.nn.Linear(n, 10)(x))  # R: Tensor[tuple[B, Const[10]], f32, NoTape]


img = sd.ones((2, 1, 28, 28))
reveal_type(sd.nn.Conv2d(1, 8, 3)(img))  # R: Tensor[tuple[Const[2], Const[8], Const[26], Const[26]], f32, NoTape]
reveal_type(sd.nn.Conv2d(1, 4, 5, stride=2, padding=2)(img))  # R: Tensor[tuple[Const[2], Const[4], Const[14], Const[14]], f32, NoTape]
reveal_type(sd.nn.Conv2d(1, 4, 3, padding="same")(img.traced()))  # R: Tensor[tuple[Const[2], Const[4], Const[28], Const[28]], f32, Traced]
reveal_type(sd.nn.Conv1d(2, 4, 3, stride=2, padding="valid")(sd.ones((1, 2, 10))))  # R: Tensor[tuple[Const[1], Const[4], Const[4]], f32, NoTape]
reveal_type(sd.nn.ConvTranspose2d(1, 3, 3, stride=2, padding=1, output_padding=1)(img))  # R: Tensor[tuple[Const[2], Const[3], Const[56], Const[56]], f32, NoTape]
reveal_type(sd.nn.MaxPool2d(2)(img))  # R: Tensor[tuple[Const[2], Const[1], Const[14], Const[14]], f32, NoTape]
reveal_type(sd.nn.AvgPool2d(3, stride=1, padding=1)(img))  # R: Tensor[tuple[Const[2], Const[1], Const[28], Const[28]], f32, NoTape]
reveal_type(sd.nn.Flatten()(img))  # R: Tensor[tuple[Const[2], Const[784]], f32, NoTape]
reveal_type(sd.nn.Flatten(2)(img))  # R: Tensor[tuple[Const[2], Const[1], Const[784]], f32, NoTape]
reveal_type(sd.nn.ReLU()(img))  # R: Tensor[tuple[Const[2], Const[1], Const[28], Const[28]], f32, NoTape]
reveal_type(sd.nn.LayerNorm(28)(img))  # R: Tensor[tuple[Const[2], Const[1], Const[28], Const[28]], f32, NoTape]
reveal_type(sd.nn.Linear(28, 3)(img))  # R: Tensor[tuple[Const[2], Const[1], Const[28], Const[3]], f32, NoTape]
reveal_type(sd.nn.MultiHeadAttention(28, 4)(img[0], causal=True))  # R: Tensor[tuple[Const[1], Const[28], Const[28]], f32, NoTape]
reveal_type(sd.nn.TransformerEncoderLayer(28, 4)(img[0]))  # R: Tensor[tuple[Const[1], Const[28], Const[28]], f32, NoTape]
reveal_type(sd.nn.Embedding(65, 32)(sd.zeros((4, 7), dtype=sd.i64)))  # R: Tensor[tuple[Const[4], Const[7], Const[32]], f32, NoTape]


class Scale(sd.nn.Module):
    """A user-defined module: `module(x)` has the type of its `forward`."""

    weight: Tensor[tuple[Const[3]]]

    def forward(self, x: Tensor[tuple[B, Const[3]]]) -> Tensor[tuple[B, Const[3]]]:
        return x * self.weight


reveal_type(Scale(sd.ones((3,)))(sd.ones((5, 3))))  # R: Tensor[tuple[Const[5], Const[3]], f32, NoTape]
