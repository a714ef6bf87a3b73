"""PyTorch's names users port: hardswish, hardsigmoid, clamp_min/max, logaddexp, lerp, expand,
view, contiguous, unbind, narrow, diff, amax/amin and repeat_interleave, literal and symbolic."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
C = TypeVar("C", bound=Dim)

x = sd.randn((2, 3, 4))
a1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.hardswish(x)  # op: hardswish
a2: Tensor[tuple[Const[2], Const[3], Const[4]], sd.f32, Traced] = sd.ops.hardsigmoid(x.traced())  # op: hardsigmoid
a3: Tensor[tuple[Const[2], Const[3], Const[4]]] = x.clamp_min(0.0)  # op: clamp_min
a4: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.clamp_max(x, 1.0)  # op: clamp_max
b1: Tensor[tuple[Const[5], Const[3], Const[4]]] = sd.ops.logaddexp(sd.ones((5, 1, 1)), x[0])  # op: logaddexp
b2: Tensor[tuple[Const[2], Const[3], Const[4]]] = x.logaddexp(1.0)
l1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.lerp(x, sd.ones((4,)), 0.5)  # op: lerp
l2: Tensor[tuple[Const[6], Const[2], Const[3], Const[4]]] = x.lerp(x, sd.ones((6, 1, 1, 1)))  # op: lerp
e1: Tensor[tuple[Const[5], Const[3], Const[2]]] = sd.ones((3, 1)).expand(5, -1, 2)  # op: expand
e2: Tensor[tuple[Const[3], Const[7]]] = sd.ops.expand(sd.ones((3, 1)), (-1, 7))  # op: expand
v1: Tensor[tuple[Const[6], Const[4]]] = x.view(-1, 4)  # op: reshape
v2: Tensor[tuple[Const[2], Const[3], Const[4]], sd.f32, Traced] = x.traced().contiguous()
u1, u2 = sd.ops.unbind(sd.ones((2, 5)))  # op: unbind
u3: Tensor[tuple[Const[5]]] = u2
w1, w2, w3, w4 = x.unbind(-1)  # op: unbind
w5: Tensor[tuple[Const[2], Const[3]]] = w4
n1: Tensor[tuple[Const[2], Const[2], Const[4]]] = x.narrow(1, 1, 2)  # op: narrow
n2: Tensor[tuple[Const[2], Const[3], Const[1]]] = sd.ops.narrow(x, -1, -1, 1)  # op: narrow
d1: Tensor[tuple[Const[2], Const[3], Const[3]]] = sd.ops.diff(x)  # op: diff
d2: Tensor[tuple[Const[1], Const[3], Const[4]]] = x.diff(0)  # op: diff
m1: Tensor[tuple[Const[2], Const[4]]] = x.amax(1)  # op: max
m2: Tensor[tuple[Const[2], Const[1], Const[1]]] = sd.ops.amin(x, (1, 2), keepdims=True)  # op: min
m3: Tensor[tuple[Const[3]]] = sd.amax(x, (0, 2))
r1: Tensor[tuple[Const[2], Const[6], Const[4]]] = x.repeat_interleave(2, 1)  # op: repeat
r2: Tensor[tuple[Const[2], Const[3], Const[8]]] = sd.ops.repeat_interleave(x, 2, axis=-1)
z1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.normalize(x)  # op: normalize
z2: Tensor[tuple[Const[2], Const[3], Const[4]], sd.f32, Traced] = sd.ops.normalize(x.traced(), 1.0, 0)


def model(x: Tensor[tuple[B, T, C]], w: Tensor[tuple[C]]) -> Tensor[tuple[B, T, C]]:
    y = sd.ops.hardswish(sd.ops.lerp(sd.ops.normalize(x), x.clamp_min(0.0), w))
    return sd.ops.logaddexp(y, x.view(x.shape[0], -1, x.shape[2]))


def deltas(x: Tensor[tuple[B, T]]) -> Tensor[tuple[B, T]]:
    steps = sd.ops.diff(x, axis=1)
    return sd.ops.concat([x.narrow(1, 0, 1), steps], axis=1)


def stretch(x: Tensor[tuple[B, Const[1]]], t: sd.Size[T]) -> Tensor[tuple[B, T]]:
    return x.expand(-1, t)


print(model(x, sd.ones((4,))).shape, deltas(x[0]).shape, stretch(sd.ones((2, 1)), 5).shape)
