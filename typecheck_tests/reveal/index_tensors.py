"""Index tensors: `C[X]` has the shape getitem's rule gives at run time (a mask's count is
`Dyn`); a traced index traces the result; a union of sizes is one `Dyn` size."""

# fmt: off
from __future__ import annotations

import math
from typing import Any, TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor, bool_, i64

C = sd.randn((27, 10))
X = sd.randint(0, 27, (32, 3))
reveal_type(C[X])  # R: Tensor[tuple[Literal[32], Literal[3], Literal[10]], f32, NoTape]
reveal_type(C[X].view(-1, 30))  # R: Tensor[tuple[Literal[32], Literal[30]], f32, NoTape]
P = sd.randn((5, 6))
xs, ys = sd.tensor([1, 2, 3]), sd.tensor([0, 0, 1])
reveal_type(P[xs, ys])  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(P[:, xs])  # R: Tensor[tuple[Literal[5], Literal[3]], f32, NoTape]
reveal_type(P[None, xs, 1:])  # R: Tensor[tuple[Literal[1], Literal[3], Literal[5]], f32, NoTape]
reveal_type(P[xs[:, None], ys[None, :]])  # R: Tensor[tuple[Literal[3], Literal[3]], f32, NoTape]
reveal_type(P[0, xs])  # R: Tensor[tuple[Literal[3]], f32, NoTape]
logprobs = sd.randn((4, 5)).log_softmax()
Yb = sd.randint(0, 5, (4,))
reveal_type(logprobs[sd.arange(4), Yb])  # R: Tensor[tuple[Literal[4]], f32, NoTape]
n = 4
reveal_type(logprobs[sd.arange(n), Yb])  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(P[P > 0])  # R: Tensor[tuple[Any], f32, NoTape]
reveal_type(P[P[:, 0] > 0])  # R: Tensor[tuple[Any, Literal[6]], f32, NoTape]

# an index of unknown shape: the result's shape is unknown, as before
u: Tensor[Any, i64] = sd.tensor([1])
reveal_type(P[u])  # R: Tensor[Any, f32, NoTape]

# a traced index traces the result, as embedding's index does
reveal_type(C[X.traced()])  # R: Tensor[tuple[Literal[32], Literal[3], Literal[10]], f32, Traced]
reveal_type(P[xs, ys.traced()])  # R: Tensor[tuple[Literal[3]], f32, Traced]
reveal_type(P[u.traced()])  # R: Tensor[Any, f32, Traced]
reveal_type(sd.ops.embedding(X.traced(), C))  # R: Tensor[tuple[Literal[32], Literal[3], Literal[10]], f32, Traced]
reveal_type(P.gather(xs.traced()[None, :], axis=1))  # R: Tensor[tuple[Literal[1], Literal[3]], f32, Traced]
reveal_type(P.select(xs.traced()))  # R: Tensor[tuple[Literal[3], Literal[6]], f32, Traced]
reveal_type(C[X.traced()].sum().backward())  # R: Gradients

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def symbolic(w: Tensor[tuple[B, T]], i: Tensor[tuple[B], i64], m: Tensor[tuple[B], bool_]) -> None:
    reveal_type(w[i])  # R: Tensor[tuple[B, T], f32, NoTape]
    reveal_type(w[:, i])  # R: Tensor[tuple[B, B], f32, NoTape]
    reveal_type(w[m])  # R: Tensor[tuple[Any, T], f32, NoTape]


# a size whose type is a union of sizes is a `Dyn` size; the rest of the shape is kept
x = sd.randn((2, 3, 4, 4))
k = math.prod(x.shape[1:])
reveal_type(k)  # R: Size[int] | Literal[1]
reveal_type(x.reshape((2, k)))  # R: Tensor[tuple[Literal[2], Any], f32, NoTape]
reveal_type(sd.zeros((2, k)))  # R: Tensor[tuple[Literal[2], Any], f32, NoTape]


def either(x: Tensor[tuple[B, T]], flag: bool) -> None:
    b, t = x.shape
    s = b if flag else t
    reveal_type(sd.zeros((s, 4)))  # R: Tensor[tuple[Any, Literal[4]], f32, NoTape]
    r = x.shape[0] if flag else 4
    reveal_type(sd.zeros((r, 4)))  # R: Tensor[tuple[Any, Literal[4]], f32, NoTape]
    reveal_type(x.reshape((-1, r)))  # R: Tensor[tuple[Any, Any], f32, NoTape]
    same = b if flag else x.shape[0]
    reveal_type(sd.zeros((same, 4)))  # R: Tensor[tuple[B, Literal[4]], f32, NoTape]
