"""Elementwise: shapes that do not broadcast are `[shape]` errors naming both shapes."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Tensor

x = sd.zeros((3, 4))
y = sd.ones((5,))
x + y  # E: [shape] add: shapes (3, 4) and (5,): cannot broadcast 4 against 5 at axis -1  # op: add
x - y  # E: [shape] sub: shapes (3, 4) and (5,)  # op: sub
x * sd.ones((2, 4))  # E: [shape] mul: shapes (3, 4) and (2, 4): cannot broadcast 3 against 2 at axis -2  # op: mul
x / y  # E: [shape] div: shapes (3, 4) and (5,)  # op: div
x**y  # E: [shape] pow: shapes (3, 4) and (5,)  # op: pow
x.pow(y)  # E: [shape] pow: shapes (3, 4) and (5,)
x // y  # E: [shape] floor_divide: shapes (3, 4) and (5,)  # op: floor_divide
x % y  # E: [shape] remainder: shapes (3, 4) and (5,)  # op: remainder
y + x.traced()  # E: [shape] add: shapes (5,) and (3, 4)
sd.ops.maximum(x, y)  # E: [shape] maximum: shapes (3, 4) and (5,)  # op: maximum
x.minimum(y)  # E: [shape] minimum: shapes (3, 4) and (5,)  # op: minimum
sd.ops.xlogy(x, y)  # E: [shape] xlogy: shapes (3, 4) and (5,)  # op: xlogy

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)


def generic(a: Tensor[tuple[B, T]], b: Tensor[tuple[T, B]]) -> None:
    a + b  # E: [shape] add: shapes (B, T) and (T, B): cannot broadcast T against B at axis -1


# Unary rules never refuse: their precise result makes a wrong annotation an error.
def unary(z: Tensor[tuple[B]], other: Tensor[tuple[T]]) -> None:
    w1: Tensor[tuple[T]] = -z  # E: [assignment]  # op: neg
    w2: Tensor[tuple[T]] = z.abs()  # E: [assignment]  # op: abs
    w3: Tensor[tuple[T]] = z.exp()  # E: [assignment]  # op: exp
    w4: Tensor[tuple[T]] = z.log()  # E: [assignment]  # op: log
    w5: Tensor[tuple[T]] = z.sqrt()  # E: [assignment]  # op: sqrt
    w6: Tensor[tuple[T]] = z.square()  # E: [assignment]  # op: square
    w7: Tensor[tuple[T]] = z.sin()  # E: [assignment]  # op: sin
    w8: Tensor[tuple[T]] = z.cos()  # E: [assignment]  # op: cos
    w9: Tensor[tuple[T]] = z.tanh()  # E: [assignment]  # op: tanh
    w10: Tensor[tuple[T]] = z.sigmoid()  # E: [assignment]  # op: sigmoid
    w11: Tensor[tuple[T]] = z.relu()  # E: [assignment]  # op: relu
    w12: Tensor[tuple[T]] = z.leaky_relu()  # E: [assignment]  # op: leaky_relu
    w13: Tensor[tuple[T]] = z.gelu()  # E: [assignment]  # op: gelu
    z.gelu(approximate="erf")  # E: [arg-type]
    w14: Tensor[tuple[T]] = z.silu()  # E: [assignment]  # op: silu
    w15: Tensor[tuple[T]] = z.softplus()  # E: [assignment]  # op: softplus
    w16: Tensor[tuple[T]] = z.clamp(0.0)  # E: [assignment]  # op: clamp
    w17: Tensor[tuple[T]] = z.reciprocal()  # E: [assignment]  # op: reciprocal
    w18: Tensor[tuple[T]] = z.astype(sd.f32)  # E: [assignment]  # op: astype


def symbolic_mismatch(x: Tensor[tuple[B, T]]) -> None:
    b, t = x.shape
    flat = x.reshape((b * t,))
    flat + sd.zeros((b,))  # E: [shape] add: shapes (B*T,) and (B,): cannot broadcast B*T against B at axis -1
    flat + sd.zeros((t * b,))
    flat + sd.zeros((len([1]),))


_ = x + y  # type: ignore[shape]

# a reduction that dropped its axis: the message names the axis nearest the end, and the fix
v = sd.ones((2, 3, 4))
v / v.sum(axis=-1)  # E: [shape] div: shapes (2, 3, 4) and (2, 3): cannot broadcast 4 against 3 at axis -1; a reduction over axis -1 keeps it with keepdims=True
