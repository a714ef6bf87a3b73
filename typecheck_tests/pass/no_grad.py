"""A BatchNorm written by hand (makemore's): its running statistics are updated from the traced
batch inside `no_grad`, so they stay untraced buffers (no error), and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, NoTape, Tape, Tensor, f32

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)


class BatchNorm1d:
    def __init__(self) -> None:
        self.gamma = sd.ones((4,))
        self.beta = sd.zeros((4,))
        self.running_mean: Tensor[tuple[Const[4]], f32, NoTape] = sd.zeros((4,))
        self.running_var: Tensor[tuple[Const[4]], f32, NoTape] = sd.ones((4,))

    def __call__(
        self, x: Tensor[tuple[B, Const[4]], f32, TT]
    ) -> Tensor[tuple[B, Const[4]], f32, TT]:
        mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
        out = self.gamma * (x - mean) / (var + 1e-5).sqrt() + self.beta
        with sd.no_grad():
            self.running_mean = 0.9 * self.running_mean + 0.1 * mean.squeeze(0)
            self.running_var = 0.9 * self.running_var + 0.1 * var.squeeze(0)
        return out


bn = BatchNorm1d()
loss = bn(sd.randn((8, 4)).traced()).square().mean()
assert loss.backward()[bn.gamma].shape == (4,) and not bn.running_mean.is_traced
