"""Code generic in its dtype (`DT`) or on f64/i64 data: joins, `where` and `embedding` keep
the data's dtype, so the annotations that say so are accepted (and it runs)."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f64, i64
from shapedl.types import DT, TT

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
T = TypeVar("T", bound=Dim)


def relu_where(x: Tensor[tuple[B, D], DT, TT]) -> Tensor[tuple[B, D], DT, TT]:
    return sd.where(x > 0, x, 0)


def doubled(x: Tensor[tuple[B, D], DT, TT]) -> Tensor[tuple[B, Dim], DT, TT]:
    return sd.concat([x, x], axis=1)


def pairs(x: Tensor[tuple[B, D], DT, TT]) -> Tensor[tuple[Const[2], B, D], DT, TT]:
    return sd.stack([x, x.maximum(0)])


def lookup(
    ids: Tensor[tuple[B, T], i64], table: Tensor[tuple[Dim, D], DT, TT]
) -> Tensor[tuple[B, T, D], DT, TT]:
    return sd.ops.embedding(ids, table)


def joined64(x: Tensor[tuple[B, Const[4]], f64]) -> Tensor[tuple[Dim, Const[4]], f64]:
    return sd.concat([x, x * 2])


x = sd.randn((3, 4)).astype(sd.f64)
assert relu_where(x).dtype is sd.f64
assert doubled(x).shape == (3, 8) and pairs(x.traced()).shape == (2, 3, 4)
assert lookup(sd.tensor([[0, 2]], dtype=sd.i64), x).dtype is sd.f64
assert joined64(x).shape == (6, 4)
ids = sd.tensor([1, 0], dtype=sd.i64)
assert sd.concat([ids, ids]).dtype is sd.i64
