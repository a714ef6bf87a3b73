"""What plain typing promises without the plugin (mypy and pyright alike)."""

from __future__ import annotations

from typing import Literal, TypeVar, assert_type

from shapedl import Const, Dim, NoTape, Tape, Tensor, Traced, f32

Three = Const[Literal[3]]
Four = Const[Literal[4]]
Five = Const[Literal[5]]


def matmul_2d(a: Tensor[tuple[Three, Four]], b: Tensor[tuple[Four, Five]]) -> None:
    assert_type(a @ b, Tensor[tuple[Three, Five], f32, NoTape])


def matmul_mismatch(a: Tensor[tuple[Three, Four]], b: Tensor[tuple[Five, Five]]) -> None:
    a @ b  # E: [operator] Unsupported operand types for @


B = TypeVar("B", bound=Dim)


def keeps_batch(x: Tensor[tuple[B, Four]]) -> Tensor[tuple[B, Four]]:
    return (x + x).relu()


def uses_batch(x: Tensor[tuple[Three, Four]]) -> None:
    assert_type(keeps_batch(x), Tensor[tuple[Three, Four], f32, NoTape])


def traced_scalar(x: Tensor[tuple[()], f32, Traced]) -> None:
    x.backward()


def untraced(x: Tensor[tuple[()]]) -> None:
    x.backward()  # E: [misc] Invalid self argument


TT = TypeVar("TT", bound=Tape)


def layer(x: Tensor[tuple[B, Four], f32, TT]) -> Tensor[tuple[B, Four], f32, TT]:
    return x.tanh()


def generic_forward(x: Tensor[tuple[B, Four], f32, TT]) -> Tensor[tuple[B, Four], f32, TT]:
    # a residual written once for traced and untraced inputs keeps its tape type
    return x + layer(x) * 2.0


def tapes_combine(a: Tensor[tuple[Three, Four]], b: Tensor[tuple[Three, Four], f32, Traced]) -> None:
    assert_type(a + a, Tensor[tuple[Three, Four], f32, NoTape])
    assert_type(a + b, Tensor[tuple[Three, Four], f32, Traced])
    assert_type(b - a, Tensor[tuple[Three, Four], f32, Traced])
    assert_type(generic_forward(b), Tensor[tuple[Three, Four], f32, Traced])
    assert_type(generic_forward(a), Tensor[tuple[Three, Four], f32, NoTape])
