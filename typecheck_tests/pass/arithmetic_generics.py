"""Generic functions whose parameters hold dimension arithmetic over their own type variables.

`halves(x: Tensor[tuple[B, Mul[Const[2], D]]])` given `(3, 8)` binds `D` to 4: a variable used
only inside arithmetic is solved from the argument (exactly where the formal is linear in it,
else `Dyn`), and a formal whose variable another argument binds is folded before it is compared.
"""

from __future__ import annotations

from typing import TypeVar, assert_type

import shapedl as sd
from shapedl import Add, Const, Dim, Dyn, FloorDiv, Mul, Size, Tape, Tensor, f32

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)
TT = TypeVar("TT", bound=Tape)


def halves(
    x: Tensor[tuple[B, Mul[Const[2], D]]],
) -> tuple[Tensor[tuple[B, D]], Tensor[tuple[B, D]]]:
    a, b = x.chunk(2, axis=1)
    return a, b


def glu(x: Tensor[tuple[B, Mul[Const[2], D]], f32, TT]) -> Tensor[tuple[B, D], f32, TT]:
    d = x.shape[1] // 2
    return x[:, :d] * x[:, d:].sigmoid()


def trim(x: Tensor[tuple[B, Add[D, Const[2]]]]) -> Tensor[tuple[B, D]]:
    return x[:, 1:-1]


def gate(x: Tensor[tuple[B, Mul[Const[2], D]]], bias: Tensor[tuple[D]]) -> Tensor[tuple[B, D]]:
    return x[:, ::2] + bias


def split_heads(x: Tensor[tuple[B, Mul[H, K]]], heads: Size[H]) -> Tensor[tuple[B, H, K]]:
    b, d = x.shape
    return x.reshape((b, heads, d // heads))


def unpool(x: Tensor[tuple[B, FloorDiv[D, Const[2]]]]) -> Tensor[tuple[B, Dyn]]:
    return sd.concat([x, x], axis=1)


first, second = halves(sd.randn((3, 8)))
assert_type(first, Tensor[tuple[Const[3], Const[4]]])
assert_type(glu(sd.randn((3, 10))), Tensor[tuple[Const[3], Const[5]]])
assert_type(trim(sd.randn((2, 7))), Tensor[tuple[Const[2], Const[5]]])
assert_type(gate(sd.randn((2, 8)), sd.zeros((4,))), Tensor[tuple[Const[2], Const[4]]])
assert_type(split_heads(sd.randn((2, 12)), 3), Tensor[tuple[Const[2], Const[3], Const[4]]])
assert unpool(sd.randn((2, 4))).shape == (2, 8)
unknown: Tensor[tuple[Dyn, Dyn]] = sd.randn((2, 6))
assert_type(glu(unknown), Tensor[tuple[Dyn, Dyn]])


def inside(x: Tensor[tuple[B, Mul[Const[2], D]], f32, TT], width: Tensor[tuple[B, D]]) -> None:
    assert_type(glu(x), Tensor[tuple[B, D], f32, TT])
    doubled = sd.concat([width, width], axis=1)
    assert_type(halves(doubled)[0], Tensor[tuple[B, D]])


inside(sd.randn((2, 6)), sd.randn((2, 3)))
