"""Module construction records sizes in the type; a call computes the output shape."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Tensor

B = TypeVar("B", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)

reveal_type(sd.nn.Linear(784, 128))  # R: Linear[Literal[784], Literal[128]]
reveal_type(sd.nn.Linear(8 * 13 * 13, 10))  # R: Linear[Literal[1352], Literal[10]]
reveal_type(sd.nn.Linear(in_features=3, out_features=2, bias=False))  # R: Linear[Literal[3], Literal[2]]
reveal_type(sd.nn.Embedding(65, 32))  # R: Embedding[Literal[65], Literal[32]]
reveal_type(sd.nn.Flatten())  # R: Flatten[Literal[1], Literal[-1]]
reveal_type(sd.nn.Flatten(0, 2))  # R: Flatten[Literal[0], Literal[2]]
reveal_type(sd.nn.LayerNorm(16))  # R: LayerNorm[tuple[Literal[16]]]
reveal_type(sd.nn.LSTM(4, 8, 2, bidirectional=True))  # R: LSTM[Literal[4], Literal[8], Literal[2], Literal[16], Literal[4]]
reveal_type(sd.nn.GRU(4, 8, bidirectional=True)(sd.ones((2, 5, 4)))[0])  # R: Tensor[tuple[Literal[2], Literal[5], Literal[16]], f32, NoTape]
reveal_type(sd.nn.MaxPool2d(2))  # R: MaxPool2d[tuple[Literal[2], Literal[2]], None, tuple[Literal[0], Literal[0]], Literal[False]]
reveal_type(sd.nn.MaxPool2d(2, ceil_mode=True)(sd.ones((1, 3, 7, 7))))  # R: Tensor[tuple[Literal[1], Literal[3], Literal[4], Literal[4]], f32, NoTape]
reveal_type(sd.nn.AvgPool2d(2, ceil_mode=bool(int("1")))(sd.ones((1, 3, 7, 7))))  # R: Tensor[tuple[Literal[1], Literal[3], Any, Any], f32, NoTape]
reveal_type(sd.ops.avg_pool2d(sd.ones((1, 3, 7, 7)), 3, 2, 1, ceil_mode=True, count_include_pad=False))  # R: Tensor[tuple[Literal[1], Literal[3], Literal[4], Literal[4]], f32, NoTape]
reveal_type(sd.ops.max_pool2d(sd.ones((1, 3, 7, 7)), 2, 3, 1, ceil_mode=True))  # R: Tensor[tuple[Literal[1], Literal[3], Literal[3], Literal[3]], f32, NoTape]
reveal_type(sd.nn.MultiHeadAttention(64, 8))  # R: MultiHeadAttention[Literal[64], Literal[8], Literal[64], Literal[64]]
reveal_type(sd.nn.TransformerEncoderLayer(64, 8))  # R: TransformerEncoderLayer[Literal[64]]
reveal_type(sd.nn.TransformerEncoderLayer(64, 8, norm_first=True))  # R: TransformerEncoderLayer[Any]
reveal_type(sd.nn.Conv2d(1, 8, (3, 5), stride=2))  # R: Conv2d[Literal[1], Literal[8], tuple[Literal[3], Literal[5]], tuple[Literal[2], Literal[2]], tuple[Literal[0], Literal[0]], tuple[Literal[1], Literal[1]], Literal[1]]


def sized(n: int, x: Tensor[tuple[B, D]]) -> None:
    _, d = x.shape
    reveal_type(sd.nn.Linear(d, 4 * d))  # R: Linear[D, Mul[Literal[4], D]]
    reveal_type(sd.nn.Linear(n, 10))  # R: Linear[Any, Literal[10]]
    reveal_type(sd.nn.LayerNorm(d))  # R: LayerNorm[tuple[D]]
    reveal_type(sd.nn.Linear(d, 4 * d)(x))  # R: Tensor[tuple[B, Mul[Literal[4], D]], f32, NoTape]
    reveal_type(sd.nn.Linear(n, 10)(x))  # R: Tensor[tuple[B, Literal[10]], f32, NoTape]


img = sd.ones((2, 1, 28, 28))
reveal_type(sd.nn.Conv2d(1, 8, 3)(img))  # R: Tensor[tuple[Literal[2], Literal[8], Literal[26], Literal[26]], f32, NoTape]
reveal_type(sd.nn.Conv2d(1, 4, 5, stride=2, padding=2)(img))  # R: Tensor[tuple[Literal[2], Literal[4], Literal[14], Literal[14]], f32, NoTape]
reveal_type(sd.nn.Conv2d(1, 4, 3, padding="same")(img.traced()))  # R: Tensor[tuple[Literal[2], Literal[4], Literal[28], Literal[28]], f32, Traced]
reveal_type(sd.nn.Conv1d(2, 4, 3, stride=2, padding="valid")(sd.ones((1, 2, 10))))  # R: Tensor[tuple[Literal[1], Literal[4], Literal[4]], f32, NoTape]
reveal_type(sd.nn.ConvTranspose2d(1, 3, 3, stride=2, padding=1, output_padding=1)(img))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[56], Literal[56]], f32, NoTape]
reveal_type(sd.nn.MaxPool2d(2)(img))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[14], Literal[14]], f32, NoTape]
reveal_type(sd.nn.AvgPool2d(3, stride=1, padding=1)(img))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.nn.Flatten()(img))  # R: Tensor[tuple[Literal[2], Literal[784]], f32, NoTape]
reveal_type(sd.nn.Flatten(2)(img))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[784]], f32, NoTape]
reveal_type(sd.nn.ReLU()(img))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.nn.LayerNorm(28)(img))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.nn.Linear(28, 3)(img))  # R: Tensor[tuple[Literal[2], Literal[1], Literal[28], Literal[3]], f32, NoTape]
reveal_type(sd.nn.MultiHeadAttention(28, 4)(img[0], causal=True))  # R: Tensor[tuple[Literal[1], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.nn.TransformerEncoderLayer(28, 4)(img[0]))  # R: Tensor[tuple[Literal[1], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.nn.Embedding(65, 32)(sd.zeros((4, 7), dtype=sd.i64)))  # R: Tensor[tuple[Literal[4], Literal[7], Literal[32]], f32, NoTape]


class Scale(sd.nn.Module):
    """A user-defined module: `module(x)` has the type of its `forward`."""

    weight: Tensor[tuple[Const[3]]]

    def forward(self, x: Tensor[tuple[B, Const[3]]]) -> Tensor[tuple[B, Const[3]]]:
        return x * self.weight


reveal_type(Scale(sd.ones((3,)))(sd.ones((5, 3))))  # R: Tensor[tuple[Literal[5], Literal[3]], f32, NoTape]


# a repeated size written once in a layer's type is the tuple the layer records
def _annotated(conv: sd.nn.Conv2d[Const[1], Const[8], Const[3]], norm: sd.nn.LayerNorm[D]) -> None:
    reveal_type(conv)  # R: Conv2d[Literal[1], Literal[8], tuple[Literal[3], Literal[3]], Any, Any, Any, Any]
    reveal_type(norm)  # R: LayerNorm[tuple[D]]


def _any_chain(chain: sd.nn.Sequential[Any], one: sd.nn.Sequential[sd.nn.ReLU]) -> None:
    reveal_type(chain)  # R: Sequential[*tuple[Any, ...]]
    reveal_type(one)  # R: Sequential[ReLU]
