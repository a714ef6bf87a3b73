"""The issue 11 layers refuse what their plain signatures rule out: an input whose width is
not the `Size`-typed width a layer was built with, a result typed with the wrong shape, an
input of too low a rank, a batch-major LSTM."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Size, Tensor

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)
H = TypeVar("H", bound=sd.Dim)


def recurrent(x: Tensor[tuple[B, T, D]], d: Size[D], h: Size[H]) -> None:
    sd.nn.LSTM(h, h)(x)  # E: [shape] LSTM: shapes (B, T, D) and (4*H, H): input width D at axis -1 differs from input_size H
    sd.nn.GRU(h, d)(x)  # E: [shape] GRU: shapes (B, T, D) and (3*D, H): input width D at axis -1 differs from input_size H
    lstm = sd.nn.LSTM(d, h)
    out, (h_n, c_n) = lstm(x)
    wide: Tensor[tuple[B, T, D]] = out  # E: [assignment]
    lstm(x, (h_n, x))  # E: [arg-type] Argument 2 to "forward" of "LSTM"
    sd.nn.GRU(d, h)(x, c_n[0])  # E: [arg-type] Argument 2 to "forward" of "GRU"
    both = sd.nn.LSTM(d, h, bidirectional=True)
    narrow: Tensor[tuple[B, T, H]] = both(x)[0]  # E: [assignment]
    both(x, (h_n, c_n))  # E: [arg-type] Argument 2 to "forward" of "LSTM"


def keeping(x: Tensor[tuple[B, T, D]], d: Size[D]) -> None:
    # NOTE: mypy solves the shape from the annotation and then refuses the argument
    a: Tensor[tuple[B, D]] = sd.nn.RMSNorm(d)(x)  # E: [arg-type] Argument 1 to "forward" of "RMSNorm"
    b: Tensor[tuple[B, T]] = sd.nn.GroupNorm(1, d)(x)  # E: [arg-type] Argument 1 to "forward" of "GroupNorm"
    c: Tensor[tuple[T, B, D]] = sd.nn.PReLU(d)(x)  # E: [arg-type] Argument 1 to "forward" of "PReLU"
    # NOTE: an Identity gives its argument's type, whatever the annotation wants
    e: Tensor[tuple[B, T, T]] = sd.nn.Identity()(x)  # E: [assignment] expression has type "Tensor[tuple[B, T, D], f32, NoTape]", variable has type "Tensor[tuple[B, T, T], f32, NoTape]"


def pools(x: Tensor[tuple[B, D, T, T]], h: Size[H]) -> None:
    sd.nn.AdaptiveAvgPool2d(h)(sd.ones((4,)))  # E: [arg-type] Argument 1 to "forward" of "_AdaptivePool2d" has incompatible type
    square: Tensor[tuple[B, D, H, T]] = sd.nn.AdaptiveMaxPool2d(h)(x)  # E: [assignment]
    sd.nn.Upsample(scale_factor=2)(sd.ones((4,)))  # E: [shape] interpolate: shape (4,): mode 'nearest' needs a 3-d or 4-d input, not rank 1


x = sd.ones((2, 5, 4))
sd.nn.LSTM(4, 8, batch_first=False)  # E: [shape] LSTM: only batch_first=True, (B, T, input_size) inputs
split: Tensor[tuple[Const[2], Const[5], Const[3]]] = sd.nn.SplitInto(sd.nn.Linear(4, 3))(x)  # E: [assignment]
sd.nn.AddInto(sd.nn.Linear(4, 3), sd.nn.Identity())([1.0, 2.0])  # E: [arg-type] Argument 1 to "forward" of "AddInto"
sd.nn.AddInto(sd.nn.Linear(4, 3), sd.nn.Linear(4, 2))(x)  # E: [shape] add: shapes (2, 5, 3) and (2, 5, 2): cannot broadcast 3 against 2 at axis -1

# a layer's type written with one size for a repeated one (`Const[3]`: kernel (3,)) is still
# that layer's type: another size does not fit it
def _trigrams(conv: sd.nn.Conv1d[Const[16], Const[8], Const[5]]) -> None: ...
_trigrams(sd.nn.Conv1d(16, 8, 3))  # E: [arg-type]
_pool: sd.nn.MaxPool2d[Const[3]] = sd.nn.MaxPool2d(2)  # E: [assignment]
