"""Products of fixed ranks, fmod, nansum/nanmean, nonzero and masked_select: a rank an op does
not take, sizes that differ or an axis that is not there is a `[shape]` error naming the op
and the shapes; a result of another shape than annotated is refused."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Tensor

B = TypeVar("B", bound=Dim)
N = TypeVar("N", bound=Dim)
K = TypeVar("K", bound=Dim)
M = TypeVar("M", bound=Dim)


def project(x: Tensor[tuple[B, N, K]], w: Tensor[tuple[K, M]]) -> Tensor[tuple[B, N, M]]:
    return sd.mm(x, w)  # E: [shape] mm: shapes (B, N, K) and (K, M): the left operand must be 2-d, not 3-d  # op: mm


def attend(q: Tensor[tuple[B, N, K]], k: Tensor[tuple[B, M, K]]) -> Tensor[tuple[B, N, M]]:
    return q.bmm(k)  # E: [shape] bmm: shapes (B, N, K) and (B, M, K): inner dimensions differ: K (axis -1 of the left) vs M (axis -2 of the right)  # op: bmm


def score(x: Tensor[tuple[N, K]], v: Tensor[tuple[N]]) -> Tensor[tuple[N]]:
    return x.mv(v)  # E: [shape] mv: shapes (N, K) and (N,): inner dimensions differ: K (axis -1 of the left) vs N (axis -1 of the right)  # op: mv


def pairs(q: Tensor[tuple[B, N, K]], k: Tensor[tuple[M, K, N]]) -> Tensor[tuple[B, N, N]]:
    return sd.bmm(q, k)  # E: [shape] bmm: shapes (B, N, K) and (M, K, N): batch sizes differ: B vs M at axis 0 of both


def similarity(u: Tensor[tuple[K]], v: Tensor[tuple[K]]) -> Tensor[tuple[K]]:
    return sd.ops.dot(u, v)  # E: [return-value]  # op: dot


q = sd.randn((4, 3, 8))
sd.bmm(q, sd.randn((2, 8, 3)))  # E: [shape] bmm: shapes (4, 3, 8) and (2, 8, 3): batch sizes differ: 4 vs 2 at axis 0 of both
sd.dot(q[0], q[0, 0])  # E: [shape] dot: shapes (3, 8) and (8,): the left operand must be 1-d, not 2-d


def wrap_angle(theta: Tensor[tuple[B, N]], period: Tensor[tuple[B]]) -> Tensor[tuple[B, N]]:
    return sd.fmod(theta, period)  # E: [shape] fmod: shapes (B, N) and (B,): cannot broadcast N against B at axis -1  # op: fmod


sd.ones((2, 3)).fmod(sd.ones((2,)))  # E: [shape] fmod: shapes (2, 3) and (2,): cannot broadcast 3 against 2 at axis -1


def masked_average(x: Tensor[tuple[B, N, K]]) -> Tensor[tuple[B, K]]:
    return x.nanmean(axis=-1)  # E: [return-value]  # op: nanmean


def total_loss(losses: Tensor[tuple[B, N]]) -> Tensor[tuple[B]]:
    return sd.nansum(losses, axis=2)  # E: [shape] nansum: shape (B, N): axis 2 is out of range for rank 2  # op: nansum


def positives(x: Tensor[tuple[B, N]], keep: Tensor[tuple[B], sd.bool_]) -> Tensor[tuple[Dyn]]:
    return x.masked_select(keep)  # E: [shape] masked_select: shapes (B, N) and (B,): cannot broadcast N against B at axis -1  # op: masked_select


def hits(grid: Tensor[tuple[B, N, K]]) -> Tensor[tuple[Dyn, Const[2]], sd.i64]:
    return sd.nonzero(grid)  # E: [return-value]  # op: nonzero
