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

# d2l's update: in place inside no_grad, the parameters stay traced leaves
w = sd.ones((3,)).traced()
grads = (w * w).sum().backward()
with sd.no_grad():
    w -= 0.1 * grads[w]

    # a function made in the block runs later, outside it: its result is traced there
    def double(x: Tensor[tuple[Const[3]], f32, TT]) -> Tensor[tuple[Const[3]], f32, TT]:
        return x * 2.0


assert (w * w).sum().backward()[w].shape == (3,) and double(w).is_traced
