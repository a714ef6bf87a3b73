"""A forward generic in its tape (TT) with untraced weights keeps TT in plain typing: `x @ w`
and `w @ x` for an untraced `w` (mypy and pyright alike); `x + b` is an unknown tensor there."""

from __future__ import annotations

from typing import Literal, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, NoTape, Tape, Tensor, Traced, f32

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
TT = TypeVar("TT", bound=Tape)
Four = Const[Literal[4]]
Three = Const[Literal[3]]


def layer(
    x: Tensor[tuple[B, D], f32, TT], w: Tensor[tuple[D, D]], b: Tensor[tuple[B, D]]
) -> Tensor[tuple[B, D], f32, TT]:
    assert_type(x @ w, Tensor[tuple[B, D], f32, TT])
    assert_type(w @ x.T, Tensor[tuple[D, B], f32, TT])
    return x + (x @ w).tanh() @ w


def callers(x: Tensor[tuple[Three, Four]], t: Tensor[tuple[Three, Four], f32, Traced]) -> None:
    w: Tensor[tuple[Four, Four]] = sd.ones((4, 4))
    assert_type(layer(x, w, x), Tensor[tuple[Three, Four], f32, NoTape])
    assert_type(layer(t, w, x), Tensor[tuple[Three, Four], f32, Traced])
    assert_type(t @ w, Tensor[tuple[Three, Four], f32, Traced])
    assert_type(x @ w, Tensor[tuple[Three, Four], f32, NoTape])


def mismatch(x: Tensor[tuple[B, D], f32, TT], w: Tensor[tuple[B, B]]) -> None:
    x @ w  # E: [operator] Unsupported operand types for @
