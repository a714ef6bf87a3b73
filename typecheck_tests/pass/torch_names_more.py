"""More of PyTorch's names users port: movedim/moveaxis, swapaxes/swapdims, diagonal, diag,
trace, isclose/allclose, meshgrid, randperm, tan, written as a model writes them (sizes in type variables and in variables)."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Sub, Tensor, Traced

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)
N = TypeVar("N", bound=Dim)


def channels_last(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, H, W, C]]:
    return x.movedim(1, -1)  # op: movedim


def channels_first(x: Tensor[tuple[B, H, W, C]]) -> Tensor[tuple[B, C, H, W]]:
    return sd.moveaxis(x, -1, 1)


def spatial_first(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[H, W, B, C]]:
    return sd.ops.movedim(x, (2, 3), (0, 1))


def heads_swapped(x: Tensor[tuple[B, H, W, C]]) -> Tensor[tuple[B, W, H, C]]:
    return x.swapaxes(1, 2)  # op: transpose


def columns(x: Tensor[tuple[H, W]]) -> Tensor[tuple[W, H]]:
    return sd.swapdims(x, 0, 1)


batch, width = 4, 8
images = sd.randn((batch, 3, 5, width))
m1 = channels_last(images)
m2: Tensor[tuple[Const[3], Const[5]]] = sd.ones((5, 3)).swapdims(0, 1)
m3: Tensor[tuple[Const[2], Const[3], Const[4]], sd.f32, Traced] = (
    sd.ones((4, 2, 3)).traced().moveaxis(0, -1)
)
assert channels_first(m1).shape == images.shape and spatial_first(images).shape == (5, 8, 4, 3)
assert heads_swapped(images).shape == (4, 5, 3, 8) and columns(m2).shape == (5, 3)


def per_head_diagonal(scores: Tensor[tuple[B, H, N, N]]) -> Tensor[tuple[B, H, N]]:
    return scores.diagonal(0, -2, -1)  # op: diagonal


def superdiagonal(scores: Tensor[tuple[B, N, N]]) -> Tensor[tuple[B, Sub[N, Const[1]]]]:
    return sd.diagonal(scores, 1, 1, 2)


def gram_trace(x: Tensor[tuple[N, C]]) -> Tensor[tuple[()]]:
    return (x @ x.T).trace()  # op: trace


def scaled_identity(v: Tensor[tuple[N]]) -> Tensor[tuple[N, N]]:
    return sd.diag(v)  # op: diag


n = 5
gram = sd.randn((n, n))
d1: Tensor[tuple[Const[4]]] = sd.ones((4, 6)).diag()
d2: Tensor[tuple[Const[3], Const[3]]] = sd.ops.diag(sd.ones((2,)), -1)
counts = sd.ones((3, 3)).astype(sd.i32)
t1 = sd.trace(counts)
assert t1.dtype is sd.i64
assert per_head_diagonal(sd.ones((2, 3, 4, 4))).shape == (2, 3, 4)
assert superdiagonal(sd.ones((2, 4, 4))).shape == (2, 3) and gram_trace(gram).shape == ()
assert scaled_identity(gram.diagonal()).shape == (5, 5)


def converged(new: Tensor[tuple[B, C]], old: Tensor[tuple[B, C]]) -> Tensor[tuple[B, C], sd.bool_]:
    return new.isclose(old, atol=1e-6)  # op: isclose


near: Tensor[tuple[Const[2], Const[3]], sd.bool_] = sd.isclose(sd.ones((2, 3)), sd.ones((3,)))
same: bool = sd.allclose(gram, gram.traced(), rtol=0.0)
assert converged(sd.ones((n, 3)), sd.ones((n, 3))).shape == (5, 3) and same


def pixel_grid(ys: Tensor[tuple[H]], xs: Tensor[tuple[W]]) -> Tensor[tuple[H, W]]:
    rows, cols = sd.meshgrid(ys, xs, indexing="ij")  # op: meshgrid
    return rows * cols


def cartesian(xs: Tensor[tuple[W]], ys: Tensor[tuple[H]]) -> Tensor[tuple[H, W]]:
    gx, gy = sd.ops.meshgrid(xs, ys, indexing="xy")
    return gx + gy


height, width_ = 3, 4
g1 = pixel_grid(sd.arange(height).astype(sd.f32), sd.arange(width_).astype(sd.f32))
g2: Tensor[tuple[Const[2], Const[5]]] = sd.meshgrid(sd.ones((2,)), sd.ones((5,)))[1]
assert g1.shape == cartesian(sd.ones((width_,)), sd.ones((height,))).shape == (3, 4)


def shuffled(x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, C]]:
    (b, _) = x.shape
    return x[sd.randperm(b)]  # op: randperm


p1: Tensor[tuple[Const[6]], sd.i64] = sd.randperm(6)
p2: Tensor[tuple[Const[3]], sd.i32] = sd.ops.randperm(3, dtype=sd.i32)
assert shuffled(sd.ones((n, 2))).shape == (5, 2) and sd.randperm(n).shape == (5,)


def slope(angle: Tensor[tuple[B, C]]) -> Tensor[tuple[B, C]]:
    return angle.tan() + sd.tan(angle)  # op: tan


assert slope(sd.zeros((n, 3))).shape == (5, 3)
