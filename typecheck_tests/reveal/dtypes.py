"""A result's dtype is its data's: joins of f64 or i64 tensors, `where`'s branches (not its
condition), `embedding`'s table (not its indices), and a generic caller's `DT`."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor, i64
from shapedl.types import DT, TT

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)

x64 = sd.randn((3, 4)).astype(sd.f64)
idx = sd.tensor([[0, 1]], dtype=sd.i64)
reveal_type(sd.concat([x64, x64]))  # R: Tensor[tuple[Literal[6], Literal[4]], f64, NoTape]
reveal_type(sd.stack((x64, x64), axis=1))  # R: Tensor[tuple[Literal[3], Literal[2], Literal[4]], f64, NoTape]
reveal_type(sd.concat([idx, idx], axis=1))  # R: Tensor[tuple[Literal[1], Literal[4]], i64, NoTape]
reveal_type(sd.concat([x64.traced(), x64]))  # R: Tensor[tuple[Literal[6], Literal[4]], f64, Traced]
reveal_type(sd.ops.embedding(idx, x64))  # R: Tensor[tuple[Literal[1], Literal[2], Literal[4]], f64, NoTape]
reveal_type(sd.where(x64 > 0, x64, 0.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f64, NoTape]
reveal_type(sd.where(x64 > 0, 1.0, 0.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.where(x64 > 0, 1, 0))  # R: Tensor[tuple[Literal[3], Literal[4]], i64, NoTape]
reveal_type(sd.where(x64 > 0, True, False))  # R: Tensor[tuple[Literal[3], Literal[4]], bool_, NoTape]


def unknown(scale: Any) -> None:
    reveal_type(sd.where(x64 > 0, x64, scale))  # R: Tensor[Any, Any, Any]
    reveal_type(sd.ops.embedding(scale, x64))  # R: Tensor[Any, f64, Any]


def generic(x: Tensor[tuple[B, D], DT, TT], ids: Tensor[tuple[B], i64]) -> None:
    reveal_type(sd.where(x > 0, x, 0))  # R: Tensor[tuple[B, D], DT, TT]
    reveal_type(sd.concat([x, x], axis=1))  # R: Tensor[tuple[B, Mul[Literal[2], D]], DT, TT]
    reveal_type(sd.stack([x, x]))  # R: Tensor[tuple[Literal[2], B, D], DT, TT]
    reveal_type(sd.ops.embedding(ids, x))  # R: Tensor[tuple[B, D], DT, TT]


# reductions change the dtype as NumPy does: a count of bools is i64, a mean of ints f64
hits = sd.tensor([1, 2, 3]) > 1
reveal_type(hits.sum())  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(hits.sum().item())  # R: int
reveal_type(hits.mean().item())  # R: float
reveal_type(idx.mean(axis=1))  # R: Tensor[tuple[Literal[1]], f64, NoTape]
reveal_type(idx.std())  # R: Tensor[tuple[()], f64, NoTape]
reveal_type(x64.var(axis=0))  # R: Tensor[tuple[Literal[4]], f64, NoTape]
