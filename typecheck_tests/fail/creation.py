"""Creation and the type spellings: bad sizes are errors where they are written."""

# fmt: off
from __future__ import annotations

from typing import Any

import shapedl as sd
from shapedl import Const, Rank2, Tensor

sd.zeros((3, -4))  # E: [shape] zeros: size -4 at axis 1 of (3, -4) is negative  # op: zeros
sd.ones((-1,))  # E: [shape] ones: size -1 at axis 0  # op: ones
sd.full((2, -2), 0.5)  # E: [shape] full: size -2  # op: full
sd.randn(-3)  # E: [shape] randn: size -3  # op: randn
sd.rand((1, -1))  # E: [shape] rand: size -1  # op: rand
# eye and arange: their rules never refuse; a wrong annotation is caught instead
e3: Tensor[tuple[Const[3], Const[4]]] = sd.eye(3)  # E: [assignment]  # op: eye
a5: Tensor[tuple[Const[4]]] = sd.arange(1, 6)  # E: [assignment]  # op: arange
a6: Tensor[tuple[Const[5]]] = sd.arange(1, 6)  # E: [assignment]

b: Tensor[Rank2[3, -2]]  # E: [shape] a dimension size must be >= 0, got -2
d: Tensor[tuple[Const[3], Const[4]]] = sd.zeros((3, 5))  # E: [assignment]
e: Tensor[Rank2[3, 4]] = sd.tensor([[1.0, 2.0], [3.0, 4.0]])  # E: [assignment]
f: Tensor[tuple[int, int]] = sd.zeros((3,))  # E: [assignment] Incompatible types in assignment (expression has type "Tensor[tuple[Literal[3]], f32, NoTape]", variable has type "Tensor[tuple[Any, Any], f32, NoTape]")

# a size NumPy types as Any is Dyn: the literal sizes beside it are still checked
def _from_data(n: Any) -> None:
    sd.zeros((n, 6)) @ sd.zeros((5, 3))  # E: [shape] matmul: shapes (Dyn, 6) and (5, 3)
    sd.randn((n, 4)).realize((n, 5))  # E: [shape] realize: shape (Dyn, 4) is not (Dyn, 5)
    g: Tensor[tuple[Const[2], Const[4]]] = sd.ones((n, 5))  # E: [assignment]

# no `dtype=`: the default (f32; i64 for randint), whatever the tensor is passed to or
# declared as; mypy would solve the dtype from there
sd.nn.Embedding(10, 4)(sd.zeros((2, 3)))  # E: [arg-type] expected "Tensor[tuple[Literal[2], Literal[3]], i64, NoTape]"
ids: Tensor[Any, sd.i64] = sd.randn((2, 3))  # E: [assignment] expression has type "Tensor[tuple[Literal[2], Literal[3]], f32, NoTape]"
scores: Tensor[Any, sd.f32] = sd.randint(0, 5, (2, 3))  # E: [assignment] expression has type "Tensor[tuple[Literal[2], Literal[3]], i64, NoTape]"
sd.arange(4) + sd.zeros((4,))  # E: [dtype] add: dtypes int64 and float32 differ
