"""More of PyTorch's names users port: an axis that is not there is a `[shape]` error; axes
moved to the wrong places give a shape the annotation refuses."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)
N = TypeVar("N", bound=Dim)


def channels_last(x: Tensor[tuple[B, C, H, W]]) -> Tensor[tuple[B, H, W, C]]:
    return x.movedim(-1, 1)  # E: [return-value]  # op: movedim


def swapped(x: Tensor[tuple[B, H, W, C]]) -> Tensor[tuple[B, W, H, C]]:
    return x.swapaxes(2, 3)  # E: [return-value]


x = sd.zeros((2, 3, 4))
x.movedim(3, 0)  # E: [shape] movedim: shape (2, 3, 4): source 3 is out of range for rank 3
sd.moveaxis(x, (0, 1), (2, 2))  # E: [shape] movedim: shape (2, 3, 4): destination (2, 2) repeats an axis
sd.movedim(x, (0, 1), 2)  # E: [shape] movedim: shape (2, 3, 4): source (0, 1) and destination (2,) name 2 and 1 axes
x.swapdims(0, -4)  # E: [shape] transpose: shape (2, 3, 4): axis1 -4 is out of range for rank 3  # op: transpose


def per_head_diagonal(scores: Tensor[tuple[B, H, N, N]]) -> Tensor[tuple[B, H, N]]:
    return scores.diagonal()  # E: [return-value]  # op: diagonal


def unbatched_trace(scores: Tensor[tuple[B, N, N]]) -> Tensor[tuple[()]]:
    return scores.trace()  # E: [shape] trace: shape (B, N, N): x must be 2-d, not 3-d  # op: trace


def eye_of(v: Tensor[tuple[N]]) -> Tensor[tuple[N, N]]:
    return sd.diag(v, 1)  # E: [return-value]  # op: diag


sd.ones((3,)).diagonal()  # E: [shape] diagonal: shape (3,): needs at least 2 axes, got rank 1
sd.ones((2, 3, 3)).diagonal(0, 1, -2)  # E: [shape] diagonal: shape (2, 3, 3): axis1 1 and axis2 -2 are the same axis
sd.diag(sd.ones((2, 3, 4)))  # E: [shape] diag: shape (2, 3, 4): x must be 1-d or 2-d, not 3-d
sd.isclose(sd.ones((2, 3)), sd.ones((2,)))  # E: [shape] isclose: shapes (2, 3) and (2,): cannot broadcast 3 against 2 at axis -1  # op: isclose


def converged(new: Tensor[tuple[B, C]], old: Tensor[tuple[C, B]]) -> Tensor[tuple[B, C], sd.bool_]:
    return new.isclose(old)  # E: [shape] isclose: shapes (B, C) and (C, B): cannot broadcast


def pixel_grid(ys: Tensor[tuple[H]], xs: Tensor[tuple[W]]) -> Tensor[tuple[H, W]]:
    rows, cols = sd.meshgrid(ys, xs, indexing="xy")
    return rows * cols  # E: [return-value]


sd.meshgrid(sd.ones((2, 2)), sd.ones((3,)))  # E: [shape] meshgrid: shapes (2, 2) and (3,): tensor 0 must be 0-d or 1-d, not 2-d  # op: meshgrid
sd.meshgrid(sd.ones((2,)), indexing="yx")  # E: [shape] meshgrid: shape (2,): indexing must be 'ij' or 'xy', not 'yx'
sd.randperm(-3)  # E: [shape] randperm: size -3 at axis 0 of (-3,) is negative  # op: randperm

p: Tensor[tuple[Const[4]], sd.i64] = sd.randperm(5)  # E: [assignment]


def slope(angle: Tensor[tuple[B, C]]) -> Tensor[tuple[C, B]]:
    return angle.tan()  # E: [return-value]  # op: tan
