"""Gradual: a Dyn dim (or an unknown shape, or a non-literal argument) is never an error."""

# fmt: off
from __future__ import annotations

from typing import Any, reveal_type

import shapedl as sd
from shapedl import Tensor

n = len([1, 2, 3])
k = len([1])
d = sd.zeros((3, n))
reveal_type(d @ sd.ones((5, 6)))  # R: Tensor[tuple[Literal[3], Literal[6]], f32, NoTape]
reveal_type(sd.zeros((n,)) + sd.ones((3,)))  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(d.reshape((-1, 2)))  # R: Tensor[tuple[Any, Literal[2]], f32, NoTape]
reveal_type(sd.ops.concat([d, sd.ones((3, 2))], axis=1))  # R: Tensor[tuple[Literal[3], Any], f32, NoTape]
reveal_type(d.sum(axis=k))  # R: Tensor[Any, f32, NoTape]
reveal_type(sd.zeros((2, 3)).reshape((k, 6)))  # R: Tensor[tuple[Any, Literal[6]], f32, NoTape]
reveal_type(sd.zeros((n, 4)).realize((5, 4)))  # R: Tensor[tuple[Literal[5], Literal[4]], f32, NoTape]
_ = sd.zeros((n, 4)) @ sd.ones((5, 6))  # E: [shape] matmul: shapes (Dyn, 4) and (5, 6): inner dimensions differ: 4 (axis -1 of the left) vs 5


def unknown(t: Tensor[Any, sd.f32, sd.Traced], u: Tensor[tuple[int, ...]]) -> None:
    reveal_type(t @ sd.ones((4, 5)))  # R: Tensor[Any, f32, Traced]
    reveal_type(t + 1)  # R: Tensor[Any, f32, Traced]
    reveal_type(u.sum(axis=0))  # R: Tensor[Any, f32, NoTape]


# `int` (or `Dim`) written as a size means any size, as `Dyn` does (plugin)
def spelled_int(a: Tensor[tuple[int, int]], b: Tensor[tuple[sd.Dim, ...]]) -> None:
    reveal_type(a)  # R: Tensor[tuple[Any, Any], f32, NoTape]
    reveal_type(b)  # R: Tensor[tuple[Any, ...], f32, NoTape]


# a bare `Tensor` (PyTorch habit) is any tensor: no [type-arg] under --strict, any dtype/tape
def bare(x: Tensor) -> list[Tensor]:
    reveal_type(x)  # R: Tensor[Any, Any, Any]
    return [x.relu()]


reveal_type(bare(sd.ones((2, 3)).traced())[0])  # R: Tensor[Any, Any, Any]


# ---- an operand of unknown rank: a result of one rank whatever it is keeps that rank -----------
def rankless(xs: list[Tensor[tuple[()], sd.f32, sd.Traced]], y: Tensor[Any, sd.f32, sd.Traced]) -> None:
    reveal_type(sd.stack(xs).mean())  # R: Tensor[tuple[()], f32, Traced]
    reveal_type(y.sum())  # R: Tensor[tuple[()], f32, Traced]
    reveal_type(y.argmax())  # R: Tensor[tuple[()], i64, NoTape]
    reveal_type(y.flatten())  # R: Tensor[tuple[Any], f32, Traced]
    reveal_type(y.reshape(2, -1))  # R: Tensor[tuple[Literal[2], Any], f32, Traced]
    reveal_type(y.sum(axis=0))  # R: Tensor[Any, f32, Traced]
    reveal_type(y.mean(keepdims=True))  # R: Tensor[Any, f32, Traced]


# ---- batches of typed tensors, built with the class as a DataLoader port does ----------------
def batched(x: Tensor[tuple[Any, sd.Const[8]]], y: Tensor[tuple[Any], sd.i64]) -> None:
    for xb, yb in sd.data.Batches(x, y, 16, shuffle=False):
        reveal_type(xb)  # R: Tensor[tuple[Any, Literal[8]], f32, NoTape]
        reveal_type(yb)  # R: Tensor[tuple[Any], i64, NoTape]
    reveal_type(sd.data.batches(x, y, 16))  # R: Batches[Tensor[tuple[Any, Literal[8]], f32, NoTape], Tensor[tuple[Any], i64, NoTape]]
