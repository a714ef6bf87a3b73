"""PyTorch's names users port: hardswish, hardsigmoid, clamp_min/max, logaddexp, lerp, expand,
view, contiguous, unbind, narrow, diff, amax/amin, repeat_interleave, linear, index_add,
scatter_reduce, bincount, searchsorted and bucketize, literal and symbolic."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Tensor, Traced

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)

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
li1: Tensor[tuple[Const[2], Const[3], Const[5]]] = sd.ops.linear(x, sd.randn((5, 4)), sd.zeros((5,)))  # op: linear
li2: Tensor[tuple[Const[2], Const[3], Const[5]], sd.f32, Traced] = sd.ops.linear(x.traced(), sd.randn((5, 4)))
ia1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.index_add(x, 1, sd.tensor([0, 2, 2, 1, 0]), sd.ones((2, 5, 4)))  # op: index_add
sr1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.ops.scatter_reduce(x, 1, sd.zeros((2, 6, 4), dtype=sd.i64), sd.ones((2, 6, 4)), "amax")  # op: scatter_reduce
bc1: Tensor[tuple[Dyn], sd.i64] = sd.ops.bincount(sd.tensor([1, 3, 1]))  # op: bincount
bc2: Tensor[tuple[Dyn], sd.f32] = sd.bincount(sd.tensor([1, 3, 1]), sd.ones((3,)), minlength=5)
ss1: Tensor[tuple[Const[2], Const[3], Const[4]], sd.i64] = sd.ops.searchsorted(sd.tensor([-1.0, 0.0, 2.0]), x)  # op: searchsorted
ss2: Tensor[tuple[Const[2], Const[3], Const[4]], sd.i64] = sd.searchsorted(sd.ones((2, 3, 9)), x, right=True)
bu1: Tensor[tuple[Const[2], Const[3], Const[4]], sd.i64] = sd.ops.bucketize(x, sd.tensor([-1.0, 0.0, 1.0]))  # op: bucketize


def model(x: Tensor[tuple[B, T, C]], w: Tensor[tuple[C]]) -> Tensor[tuple[B, T, C]]:
    y = sd.ops.hardswish(sd.ops.lerp(sd.ops.normalize(x), x.clamp_min(0.0), w))
    return sd.ops.logaddexp(y, x.view(x.shape[0], -1, x.shape[2]))


def deltas(x: Tensor[tuple[B, T]]) -> Tensor[tuple[B, T]]:
    steps = sd.ops.diff(x, axis=1)
    return sd.ops.concat([x.narrow(1, 0, 1), steps], axis=1)


def dense(h: Tensor[tuple[B, T, C]], w: Tensor[tuple[D, C]], b: Tensor[tuple[D]]) -> Tensor[tuple[B, T, D]]:
    return sd.ops.linear(h, w, b)


def pool(h: Tensor[tuple[T, C]], batch: Tensor[tuple[T], sd.i64], out: Tensor[tuple[B, C]]) -> Tensor[tuple[B, C]]:
    # NOTE: a graph network's readout: node features summed, then averaged, per graph
    summed = sd.ops.index_add(out, 0, batch, h)
    return sd.ops.scatter_reduce(summed, 0, batch[:, None].expand(-1, h.shape[1]), h, "mean")


def stretch(x: Tensor[tuple[B, Const[1]]], t: sd.Size[T]) -> Tensor[tuple[B, T]]:
    return x.expand(-1, t)


print(model(x, sd.ones((4,))).shape, deltas(x[0]).shape, stretch(sd.ones((2, 1)), 5).shape)
assert bc1.tolist() == [0, 2, 0, 1] and bc2.shape == (5,) and li2.is_traced and ss2.shape == (2, 3, 4)
print(dense(x, sd.ones((5, 4)), sd.ones((5,))).shape, pool(sd.ones((6, 4)), sd.tensor([0, 1, 1, 0, 2, 2]), sd.zeros((3, 4))).shape)
