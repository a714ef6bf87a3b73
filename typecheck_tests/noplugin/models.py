"""Model code without the plugin: a forward generic in its tape with untraced weights."""

from __future__ import annotations

from typing import Literal, TypeVar, assert_type

from shapedl import Const, Dim, NoTape, Tape, Tensor, Traced, f32

Three = Const[Literal[3]]
Four = Const[Literal[4]]
B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)


def layer(x: Tensor[tuple[B, Four], f32, TT], w: Tensor[tuple[Four, Three]]) -> Tensor[tuple[B, Three], f32, TT]:
    assert_type(w.T @ x.T, Tensor[tuple[Three, B], f32, TT])
    return x @ w


def use(
    x: Tensor[tuple[Three, Four]],
    t: Tensor[tuple[Three, Four], f32, Traced],
    w: Tensor[tuple[Four, Three]],
    square: Tensor[tuple[Three, Three]],
) -> None:
    assert_type(layer(t, w), Tensor[tuple[Three, Three], f32, Traced])
    assert_type(layer(x, w), Tensor[tuple[Three, Three], f32, NoTape])
    assert_type(t @ w, Tensor[tuple[Three, Three], f32, Traced])
    x @ square  # E: [operator] Unsupported operand types for @
    t @ square  # E: [operator] Unsupported operand types for @


def mismatched(x: Tensor[tuple[B, Three], f32, TT], w: Tensor[tuple[Four, Three]]) -> None:
    x @ w  # E: [operator] Unsupported operand types for @
