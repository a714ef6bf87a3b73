"""The types model-building code gets, as PyTorch users port it."""

# fmt: off
from __future__ import annotations

from typing import Any, Generic, TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Dim, Size, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)
TT = TypeVar("TT", bound=Tape)


# ---- a function generic in its tape: traced if one argument is, as for the ops --------------
def mix(a: Tensor[tuple[B, D], f32, TT], b: Tensor[tuple[B, D], f32, TT]) -> Tensor[tuple[B, D], f32, TT]:
    return a * b.sigmoid()


def both(a: Tensor[tuple[B], f32, TT], b: Tensor[tuple[B], f32, TT]) -> tuple[Tensor[tuple[B], f32, TT], int]:
    return a + b, 0


x = sd.ones((2, 4))
reveal_type(mix(x.traced(), x))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, Traced]
reveal_type(mix(x, x.traced()))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, Traced]
reveal_type(mix(x, x))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(both(x[0], x[1].traced()))  # R: tuple[Tensor[tuple[Literal[4]], f32, Traced], int]


def listed(parts: list[Tensor[tuple[B], f32, TT]], extra: Tensor[tuple[B], f32, TT]) -> Tensor[tuple[B], f32, TT]:
    return extra


def paired(pair: tuple[Tensor[tuple[B], f32, TT], Tensor[tuple[B], f32, TT]]) -> Tensor[tuple[B], f32, TT]:
    return pair[0] + pair[1]


reveal_type(listed([x[0], x[1]], x[0].traced()))  # R: Tensor[tuple[Literal[4]], f32, Traced]
reveal_type(listed([x[0]], x[0]))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(paired((x[0].traced(), x[1])))  # R: Tensor[tuple[Literal[4]], f32, Traced]


def inside(a: Tensor[tuple[B, D], f32, TT], w: Tensor[tuple[B, D], f32]) -> None:
    reveal_type(mix(a, w))  # R: Tensor[tuple[B, D], f32, TT]


# ---- a module class called through a value: its sizes from the value's type, or the class's --
class Head(nn.Module, Generic[D]):
    def __init__(self, width: Size[D]) -> None:
        self.fc = nn.Linear(width, 2)

    @classmethod
    def make(cls, width: int) -> None:
        reveal_type(cls(width))  # R: Head[D]


def build(kind: type[Head[Any]], eight: type[Head[Const[8]]], width: int) -> None:
    reveal_type(kind(width))  # R: Head[Any]
    reveal_type(eight(8))  # R: Head[Literal[8]]
    reveal_type(eight(width))  # R: Head[Literal[8]]


# ---- a library layer's output is traced if any tensor input is ----------------------------
attention = nn.MultiHeadAttention(4, 2)
seq = sd.ones((2, 3, 4))
reveal_type(attention(seq, seq.traced(), seq.traced()))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, Traced]
reveal_type(attention(seq, seq, seq))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(nn.TransformerDecoderLayer(4, 2, 8)(seq, seq.traced()))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, Traced]


def decode(tgt: Tensor[tuple[B, D, Const[4]], f32], memory: Tensor[tuple[B, D, Const[4]], f32, TT]) -> None:
    reveal_type(attention(tgt, memory, memory))  # R: Tensor[tuple[B, D, Literal[4]], f32, TT]



def rebound(rnn: nn.GRU[Const[4], Const[3], Const[1]], x: Tensor[tuple[Const[2], Const[5], Const[4]]]) -> None:
    y, h = rnn(x.traced())
    y, h = rnn(x)
    reveal_type(y)  # R: Tensor[tuple[Literal[2], Literal[5], Literal[3]], f32, NoTape]
