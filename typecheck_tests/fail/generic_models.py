# mypy: warn-return-any
"""Bugs in models generic in their widths and lengths, each reported once, with our code."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, FloorDiv, Mul, Size, Tensor, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
S = TypeVar("S", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)

class Widths(nn.Module, Generic[C]):
    def __init__(self, width: Size[C]) -> None:
        self.width = width

    def grow(self, width: Size[C]) -> None: ...


Widths(8).grow(9)  # E: [arg-type] Argument 1 to "grow" of "Widths" has incompatible type "int"; expected "Size[Literal[8]]"
vocab: Size[Const[11]] = Size(12)  # E: [assignment] Incompatible types in assignment (expression has type "Size[Literal[12]]", variable has type "Size[Literal[11]]")


def loss(idx: Tensor[tuple[B, T], i64], targets: Tensor[tuple[B, T], i64]) -> None: ...


loss(sd.zeros((3, 5), dtype=i64), sd.zeros((2, 5), dtype=i64))  # E: [shape] loss: shapes (3, 5) and (2, 5): B is 3 at axis 0 of idx but 2 at axis 0 of targets


def scores(q: Tensor[tuple[B, T, T]], s: Size[S]) -> None:
    mask = sd.ones((16, 16))
    q + mask[:s, :s]  # E: [shape] add: shapes (B, T, T) and (S, S): cannot broadcast T against S at axis -1


class Widen(nn.Module, Generic[C]):
    def __init__(self, c: Size[C]) -> None:
        self.conv = nn.Conv2d(c, 2 * c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x: Tensor[tuple[B, C, H, H]]) -> None:
        self.bn(self.conv(x))  # E: [shape] batch_norm: shapes (B, 2*C, H, H) and (C,): running_mean must have shape (2*C,): the channels at axis 1 of the input


def quarter(x: Tensor[tuple[B, C, H, H]]) -> Tensor[tuple[B, C, FloorDiv[H, Const[4]], FloorDiv[H, Const[4]]]]:
    # NOTE: (H - 1) // 2 + 1 is H // 4 for no H (it is H // 2 for an even H: accepted)
    return sd.ops.max_pool2d(x, 3, 2, 1)  # E: [return-value] Incompatible return value type


def merged(x: Tensor[tuple[B, C]], h: Size[H]) -> Tensor[tuple[B, Mul[Const[2], C]]]:
    b, c = x.shape
    heads = x.view(b, h, c // h)
    nn.Linear(2 * c, 4)(heads.reshape(b, -1))  # E: [shape] Linear: shapes (B, C) and (4, 2*C): input width C at axis -1 differs from in_features 2*C
    return heads.flatten(1)  # E: [return-value] Incompatible return value type (got "Tensor[tuple[B, C], f32, NoTape]", expected "Tensor[tuple[B, Mul[Literal[2], C]], f32, NoTape]")


class Net(nn.Module):
    def __init__(self) -> None:
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.head = nn.Conv2d(16, 2, 1)

    def forward(self, x: Tensor[tuple[B, Const[8], Const[5], Const[5]]]) -> None:
        self.head(self.up(x))  # E: [shape] conv2d: shapes


nn.TransformerEncoderLayer(64, 7)  # E: [shape] MultiHeadAttention: embed_dim=64 must be divisible by num_heads=7
decoder = nn.TransformerDecoderLayer(64, 8)
x, memory = sd.ones((2, 10, 64)), sd.ones((2, 7, 64))
causal = sd.tril(sd.ones((10, 10), dtype=sd.bool_))
decoder(x, memory, causal, causal)  # E: [shape] TransformerDecoderLayer: shapes (10, 10) and (2, H, 10, 7): memory_mask size 10 at axis -1 does not broadcast to 7
nn.TransformerEncoderLayer(64, 8)(x, sd.ones((7, 7), dtype=sd.bool_))  # E: [shape] TransformerEncoderLayer: shapes (7, 7) and (2, H, 10, 10): src_mask size 7 at axis -2 does not broadcast to 10
nn.MultiHeadAttention(64, 8)(x, memory, memory, causal)  # E: [shape] MultiHeadAttention: shapes (10, 10) and (2, 8, 10, 7): mask size 10 at axis -1 does not broadcast to 7


def mean_loss(idx: Tensor[tuple[B, T], i64], targets: Tensor[tuple[B, T], i64]) -> Tensor[tuple[()]]:
    return sd.ones(())


total = mean_loss(sd.zeros((3, 5), dtype=i64), sd.zeros((2, 5), dtype=i64))  # E: [shape] mean_loss: shapes (3, 5) and (2, 5): B is 3 at axis 0 of idx but 2 at axis 0 of targets


class Mlp(nn.Module):
    def __init__(self) -> None:
        self.net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(24, 8))  # E: [shape] Sequential: shapes (..., 32) and (8, 24): layer 2 (Linear) takes width 24 at axis -1 but layer 0 gives width 32

    def forward(self, x: Tensor[tuple[B, Const[8]]]) -> Tensor[tuple[B, Const[8]]]:
        return self.net(x)  # one bug, one error: no `Returning Any` after the broken chain


class Twice(nn.Module, Generic[C]):
    def __init__(self, c: Size[C]) -> None:
        self.fc = nn.Linear(2 * c, c)

    def forward(self, x: Tensor[tuple[B, Mul[Const[2], C]]]) -> Tensor[tuple[B, C]]:
        return self.fc(x)

    __call__ = forward


def halves_into_twice(skip: Tensor[tuple[B, FloorDiv[C, Const[2]]]], twice: Twice[C]) -> None:
    # NOTE: two halves of C are C where 2 divides it, never 2 * C
    twice(sd.concat([skip, skip], axis=1))  # E: [arg-type] Argument 1 to "forward" of "Twice"


W = TypeVar("W", bound=Dim)
pool2 = nn.MaxPool2d(2)


def forgot_a_pool(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, C, FloorDiv[H, Const[4]], FloorDiv[W, Const[4]]]]:
    # NOTE: H // 2 and H // 4 meet only at small sizes (both 0 at 1): still an error
    return pool2(x)  # E: [return-value] Incompatible return value type


def swapped(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, C, FloorDiv[W, Const[2]], FloorDiv[H, Const[2]]]]:
    # NOTE: H // 2 and W // 2 meet only where H and W do: as H against W, an error
    return pool2(x)  # E: [return-value] Incompatible return value type


def forgot_the_stride(x: Tensor[tuple[B, C, H, H]], c: Size[C]) -> Tensor[tuple[B, C, H, H]]:
    return nn.Conv2d(c, c, 3, stride=2, padding=1)(x)  # E: [return-value] Incompatible return value type
