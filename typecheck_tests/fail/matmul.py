"""matmul: inner dimensions must agree; batch dimensions must broadcast; no 0-d operands."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor

m = sd.zeros((3, 4))
m @ sd.ones((5, 6))  # E: [shape] matmul: shapes (3, 4) and (5, 6): inner dimensions differ: 4 (axis -1 of the left) vs 5 (axis -2 of the right)  # op: matmul
sd.ops.matmul(m, sd.ones((3,)))  # E: [shape] matmul: shapes (3, 4) and (3,): inner dimensions differ
m.matmul(sd.ones((2, 5, 6)))  # E: [shape] matmul: shapes (3, 4) and (2, 5, 6)
sd.ones((2, 3, 4)) @ sd.ones((5, 4, 6))  # E: [shape] matmul: shapes (2, 3, 4) and (5, 4, 6)
m @ sd.ones(())  # E: [shape] matmul: shapes (3, 4) and (): a 0-d operand has no axis to contract

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def generic(x: Tensor[tuple[B, T]], y: Tensor[tuple[B, T]]) -> None:
    x @ y  # E: [shape] matmul: shapes (B, T) and (B, T): inner dimensions differ: T (axis -1 of the left) vs B (axis -2 of the right)
    x.traced() @ x.reshape((5, -1))  # E: [shape] inner dimensions differ: T
