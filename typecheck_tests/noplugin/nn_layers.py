"""The issue 11 layers without the plugin (mypy and pyright alike): `Size`-typed widths bind
the type parameters, plain ints give `Any`, LSTM's hidden width reaches its output. The
default `num_layers` is recorded by the plugin only (the constructor is LSTM's and GRU's
base's, and a base cannot write a subclass's type arguments for other checkers)."""

from __future__ import annotations

from typing import Any, TypeVar, assert_type

import shapedl as sd
from shapedl import NoTape, Size, Tensor, f32

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)
H = TypeVar("H", bound=sd.Dim)


def typed(x: Tensor[tuple[B, T, D]], d: Size[D], h: Size[H]) -> None:
    lstm = sd.nn.LSTM(d, h)
    assert_type(lstm, sd.nn.LSTM[D, H, Any])
    out, (h_n, _) = lstm(x)
    assert_type(out, Tensor[tuple[B, T, H], f32, NoTape])
    assert_type(h_n, Tensor[tuple[Any, B, H], f32, NoTape])
    assert_type(sd.nn.GRU(d, h)(x)[0], Tensor[tuple[B, T, H], f32, NoTape])
    # NOTE: plain typing cannot double H: a bidirectional layer's widths are Any (plugin: 2 * H)
    assert_type(sd.nn.GRU(d, h, bidirectional=True)(x)[0], Tensor[tuple[B, T, Any], f32, NoTape])
    assert_type(sd.nn.RMSNorm(d)(x), Tensor[tuple[B, T, D], f32, NoTape])
    assert_type(sd.nn.GroupNorm(1, d), sd.nn.GroupNorm[D])
    assert_type(sd.nn.PReLU(d)(x), Tensor[tuple[B, T, D], f32, NoTape])
    assert_type(sd.nn.AdaptiveAvgPool2d((h, h)), sd.nn.AdaptiveAvgPool2d[H, H])
    assert_type(sd.nn.AdaptiveAvgPool2d(h), sd.nn.AdaptiveAvgPool2d[Any, Any])  # plugin: [H, H]
    sd.nn.LSTM(h, h)(x)  # E: [arg-type] Argument 1 has incompatible type "Tensor[tuple[B, T, D], f32, NoTape]"


assert_type(sd.nn.LSTM(4, 8), sd.nn.LSTM[Any, Any, Any])
sd.nn.Upsample(scale_factor=2)
sd.nn.AdaptiveMaxPool2d((2, None))
sd.nn.SplitInto(sd.nn.Linear(4, 3), sd.nn.Identity())
sd.nn.AddInto(sd.nn.Linear(4, 4), sd.nn.Identity())
