"""Real bugs in model-building code: still caught where the correct spellings pass."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Size, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
TT = TypeVar("TT", bound=Tape)


# ---- a function generic in its tape: untraced arguments give an untraced result -------------
def mix(a: Tensor[tuple[B, D], f32, TT], b: Tensor[tuple[B, D], f32, TT]) -> Tensor[tuple[B, D], f32, TT]:
    return a * b.sigmoid()


x = sd.ones((2, 4))
mix(x, x).sum().backward()  # E: [tape] call .traced() on an input
mix(x, x.traced()).backward()  # E: [tape] backward() needs a scalar, but the tensor has shape (2, 4)
def paired(pair: tuple[Tensor[tuple[B], f32, TT], Tensor[tuple[B], f32, TT]]) -> Tensor[tuple[B], f32, TT]:
    return pair[0] + pair[1]


paired((x[0], x[1])).sum().backward()  # E: [tape] call .traced() on an input
mix(x.traced(), sd.ones((2, 5)))  # E: [shape] mix: shapes (2, 4) and (2, 5): D is 4 at axis 1 of a but 5 at axis 1 of b


# ---- a module class called through a value: a literal that cannot be its size ---------------
class Head(nn.Module, Generic[D]):
    def __init__(self, width: Size[D]) -> None:
        self.fc = nn.Linear(width, 2)


def build(eight: type[Head[Const[8]]]) -> None:
    eight(5)  # E: [arg-type] Argument 1 to "Head" has incompatible type "int"; expected "Size[Literal[8]]"
    eight(width=5)  # E: [arg-type] Argument "width" to "Head" has incompatible type "int"
    eight("8")  # E: [arg-type] Argument 1 to "Head" has incompatible type "str"


# ---- a library layer given untraced inputs only: untraced --------------------------------
attention = nn.MultiHeadAttention(4, 2)
seq = sd.ones((2, 3, 4))
attention(seq, seq, seq).sum().backward()  # E: [tape] call .traced() on an input
attention(seq, sd.ones((2, 3, 5)).traced()).sum().backward()  # E: [shape] Linear: shapes (2, 3, 5) and (4, 4): input width 5 at axis -1 differs from in_features 4
