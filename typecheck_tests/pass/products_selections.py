"""PyTorch's products of fixed ranks (mm, bmm, mv, dot), C's remainder (fmod), reductions that
skip nan (nansum, nanmean) and what a mask selects (nonzero/argwhere, masked_select), written
as a model writes them (sizes in type variables and in variables)."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Tensor, Traced

B = TypeVar("B", bound=Dim)
N = TypeVar("N", bound=Dim)
K = TypeVar("K", bound=Dim)
M = TypeVar("M", bound=Dim)


def project(x: Tensor[tuple[N, K]], w: Tensor[tuple[K, M]]) -> Tensor[tuple[N, M]]:
    return sd.mm(x, w)  # op: mm


def attend(q: Tensor[tuple[B, N, K]], k: Tensor[tuple[B, M, K]]) -> Tensor[tuple[B, N, M]]:
    return q.bmm(k.transpose(1, 2))  # op: bmm


def score(x: Tensor[tuple[N, K]], v: Tensor[tuple[K]]) -> Tensor[tuple[N]]:
    return x.mv(v)  # op: mv


def similarity(u: Tensor[tuple[K]], v: Tensor[tuple[K]]) -> Tensor[tuple[()]]:
    return sd.ops.dot(u, v)  # op: dot


batch, rows, width, out = 4, 3, 8, 5
x = sd.randn((rows, width))
w = sd.randn((width, out))
y1 = project(x, w)
y2: Tensor[tuple[Const[3], Const[5]], sd.f32, Traced] = x.traced().mm(w)
q = sd.randn((batch, rows, width))
a1 = attend(q, sd.randn((batch, out, width)))
a2: Tensor[tuple[Const[4], Const[3], Const[3]]] = sd.bmm(q, q.transpose(1, 2))
v = sd.ones((width,))
s1: Tensor[tuple[Const[3]]] = sd.mv(x, v)
s2: Tensor[tuple[()], sd.f32, Traced] = v.traced().dot(v)
assert y1.shape == (3, 5) and y2.shape == (3, 5) and a1.shape == (4, 3, 5)
assert a2.shape == (4, 3, 3) and score(x, v).shape == (3,) and s1.shape == (3,)
assert similarity(v, v).item() == 8.0 and s2.shape == ()


def wrap_angle(theta: Tensor[tuple[B, N]], period: Tensor[tuple[N]]) -> Tensor[tuple[B, N]]:
    return sd.fmod(theta, period)  # op: fmod


angles = sd.randn((batch, rows))
w1: Tensor[tuple[Const[4], Const[3]], sd.f32, Traced] = angles.traced().fmod(2.0)
w2 = wrap_angle(angles, sd.ones((rows,)))
assert w1.shape == w2.shape == (4, 3)


def masked_average(x: Tensor[tuple[B, N, K]]) -> Tensor[tuple[B, K]]:
    return x.nanmean(axis=1)  # op: nanmean


def total_loss(losses: Tensor[tuple[B, N]]) -> Tensor[tuple[B, Const[1]]]:
    return sd.nansum(losses, axis=-1, keepdims=True)  # op: nansum


scores = sd.randn((batch, rows, width))
n1 = masked_average(scores)
n2: Tensor[tuple[()], sd.f32, Traced] = scores.traced().nansum()
n3: Tensor[tuple[Const[4], Const[8]]] = sd.ops.nanmean(scores, 1)
n4: Tensor[tuple[Const[4]], sd.i64] = sd.arange(batch * rows).reshape((batch, rows)).nansum(1)
assert n1.shape == (4, 8) and total_loss(scores[:, 0]).shape == (4, 1) and n2.shape == ()
assert n3.shape == (4, 8) and n4.shape == (4,)


def positives(x: Tensor[tuple[B, N]]) -> Tensor[tuple[Dyn]]:
    return sd.masked_select(x, x > 0)  # op: masked_select


def hits(grid: Tensor[tuple[B, N, K]]) -> Tensor[tuple[Dyn, Const[3]], sd.i64]:
    return grid.nonzero()  # op: nonzero


grid = sd.randn((batch, rows, width))
p1 = positives(grid[:, 0])
p2 = grid.traced().masked_select(sd.ones((width,)) > 0)
h1 = hits(grid)
h2: Tensor[tuple[Dyn, Const[3]], sd.i64] = sd.argwhere(grid > 0)
assert p1.ndim == 1 and p2.shape == (4 * 3 * 8,) and h1.shape == (4 * 3 * 8, 3)
assert h2.shape[1] == 3 and p2.is_traced
