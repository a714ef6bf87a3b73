"""Helpers generic over the whole shape, the dtype and the tape, as users write them: no error
(also from a warm mypy cache: tests/test_plugin.py), and it runs."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import DType, Tape, Tensor, f32, i64

S = TypeVar("S", bound=tuple[Any, ...])
DT = TypeVar("DT", bound=DType)
TT = TypeVar("TT", bound=Tape)


def standardize(x: Tensor[S, f32, TT]) -> Tensor[S, f32, TT]:
    return (x - x.mean()) / (x.std() + 1e-6)


def relu6(x: Tensor[S, f32, TT]) -> Tensor[S, f32, TT]:
    return 6.0 - (6.0 - x.relu()).relu()


def elu(x: Tensor[S, f32, TT]) -> Tensor[S, f32, TT]:
    return sd.where(x > 0, x, x.exp() - 1)


def scale(x: Tensor[S, DT, TT], s: float) -> Tensor[S, DT, TT]:
    return s * x


def mse(x: Tensor[S, f32, TT], y: Tensor[S, f32, Any]) -> Tensor[tuple[()], f32, TT]:
    return ((x - y) ** 2).mean()


def l2(x: Tensor[S, f32, TT]) -> Tensor[tuple[()], f32, TT]:
    return (-x * -x).sum().sqrt()


a = sd.randn((3, 4))
assert standardize(a).shape == relu6(a).shape == elu(a).shape == (3, 4)
assert scale(sd.arange(3, dtype=i64), 2).tolist() == [0, 2, 4]
grads = (mse(a.traced(), a * 0) + l2(standardize(a.traced()))).backward()
assert grads[a].shape == (3, 4)
