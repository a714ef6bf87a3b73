"""Elementwise ops broadcast; a traced operand on either side makes a traced result."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Tape, Tensor, Traced

x = sd.zeros((3, 4))
row = sd.ones((4,))
col = sd.ones((3, 1))
s: Tensor[tuple[Const[3], Const[4]]] = x + row  # op: add
s = x - col  # op: sub
s = col * row  # op: mul
s = x / (row + 1)  # op: div
s = (x + 1) ** 2  # op: pow
s = (x + 1).pow(row)  # NOTE: PyTorch's method name
s = x // (row + 1)  # op: floor_divide
s = 7.0 % (x + 1)  # op: remainder
s = 1 - x
s = sd.ops.maximum(x, row)  # op: maximum
s = x.minimum(col)  # op: minimum
s = sd.ops.xlogy(x, row)  # op: xlogy
t: Tensor[tuple[Const[3], Const[4]], sd.f32, Traced] = x.traced() * row
t = row + x.traced()
s = -x  # op: neg
s = abs(x).abs()  # op: abs
s = x.exp().log().sqrt().square()  # op: exp  op: log  op: sqrt  op: square
s = x.sin().cos().tanh().sigmoid()  # op: sin  op: cos  op: tanh  op: sigmoid
s = (
    x.relu().leaky_relu(0.1).gelu().silu().softplus()
)  # op: relu  op: leaky_relu  op: gelu  op: silu  op: softplus
s = x.gelu(approximate="tanh") + sd.ops.gelu(x, "none") + sd.nn.GELU(approximate="tanh")(x)
s = x.clamp(0.0, 1.0)  # op: clamp
s = (x + 1).reciprocal()  # op: reciprocal
w: Tensor[tuple[Const[3], Const[4]], sd.f64] = x.astype(sd.f64)  # op: astype

B = TypeVar("B", bound=sd.Dim)
TT = TypeVar("TT", bound=Tape)


def scale(z: Tensor[tuple[B, Const[4]], sd.f32, TT]) -> Tensor[tuple[B, Const[4]], sd.f32, TT]:
    return (z * 2).relu()


u: Tensor[tuple[Const[3], Const[4]], sd.f32, Traced] = scale(x.traced())
assert u.is_traced and scale(x).shape == (3, 4)

kl = -0.5 * (1 + x - x.pow(2) - x.exp()).sum()  # NOTE: a VAE's KL term, as PyTorch writes it
assert kl.shape == () and (x.pow(2) - x**2).abs().max().item() == 0
