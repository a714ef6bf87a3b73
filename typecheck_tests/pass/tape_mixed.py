"""A forward generic in its tape with untraced weights and biases, written functionally: no
error (with the plugin here; `noplugin/tape_mixed.py` checks plain typing), and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tape, Tensor, f32

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
TT = TypeVar("TT", bound=Tape)


def layer(
    x: Tensor[tuple[B, D], f32, TT], w: Tensor[tuple[D, D]], b: Tensor[tuple[B, D]]
) -> Tensor[tuple[B, D], f32, TT]:
    h = (x @ w + b).relu()
    return x + (h @ w).tanh() + (w @ x.T).T * b


x, w = sd.randn((3, 4)), sd.randn((4, 4)) * 0.1
assert layer(x, w, x).shape == (3, 4)
grads = layer(x.traced(), w, x).sum().backward()
assert grads[w].shape == (4, 4)
