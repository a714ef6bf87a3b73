"""Shape-keeping layers that hold a size (RMSNorm's width, PReLU's slopes, GroupNorm's
channels, Softmax's axis, Residual's block) pass inputs that fit: literal, symbolic and
`Dyn` sizes alike, as at run time."""

from __future__ import annotations

from typing import Any, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dyn, Size, Tensor, f32

B = TypeVar("B", bound=sd.Dim)
C = TypeVar("C", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)


def symbolic(x: Tensor[tuple[B, C, T]], c: Size[C], t: Size[T]) -> Tensor[tuple[B, C, T]]:
    y = sd.nn.RMSNorm(t)(x)
    y = sd.nn.PReLU(c)(y) + sd.nn.PReLU()(y)
    y = sd.nn.GroupNorm(1, c)(y)
    y = sd.nn.Softmax(axis=1)(y) + sd.nn.LogSoftmax()(y)
    return sd.nn.Residual(sd.nn.Linear(t, t))(y)


def dynamic(
    x: Tensor[tuple[Dyn, Dyn, Dyn]], c: int, t: int, axis: int
) -> Tensor[tuple[Dyn, Dyn, Dyn]]:
    y = sd.nn.RMSNorm(t)(x) + sd.nn.RMSNorm(8)(x) + sd.nn.PReLU(6)(x) + sd.nn.PReLU(c)(x)
    y = sd.nn.GroupNorm(2, c)(y) + sd.nn.GroupNorm(2, 6)(y)
    y = sd.nn.Softmax(axis=axis)(y) + sd.nn.Softmax(axis=2)(y)
    return sd.nn.Residual(sd.nn.Linear(t, t))(y) + sd.nn.Residual(sd.nn.Linear(8, 8))(y)


def unknown_block(x: Tensor[tuple[B, C, T]], block: sd.nn.Residual) -> Tensor[Any]:
    return block(x)


x = sd.randn((2, 6, 8))
out = sd.nn.RMSNorm(8)(x)
out = sd.nn.RMSNorm((6, 8))(out) + sd.nn.RMSNorm([8])(out)
out = sd.nn.PReLU(6)(out) + sd.nn.PReLU()(out)
out = sd.nn.GroupNorm(2, 6)(out) + sd.nn.GroupNorm(3, 6, affine=False)(out)
out = sd.nn.Softmax(axis=2)(out) + sd.nn.LogSoftmax(axis=-3)(out)
out = sd.nn.Residual(sd.nn.Linear(8, 8))(out) + sd.nn.Residual(sd.nn.ReLU())(out)
assert_type(out, Tensor[tuple[Const[2], Const[6], Const[8]], f32])
assert symbolic(x, x.shape[1], x.shape[2]).shape == (2, 6, 8)
assert dynamic(x, 6, 8, 1).shape == (2, 6, 8)
assert unknown_block(x, sd.nn.Residual(sd.nn.Identity())).shape == (2, 6, 8)
