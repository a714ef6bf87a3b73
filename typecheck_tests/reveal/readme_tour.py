"""The README's 30-second tour, so the README stays true: every type it claims, checked
(tests/test_readme.py sees that its lines and types are the README's)."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, reveal_type

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)

x = sd.randn((32, 784))
reveal_type(x)  # R: Tensor[tuple[Literal[32], Literal[784]], f32, NoTape]
w = sd.randn((784, 128))
h = (x @ w).relu()
reveal_type(h)  # R: Tensor[tuple[Literal[32], Literal[128]], f32, NoTape]
fc = nn.Linear(128, 10)
reveal_type(fc)  # R: Linear[Literal[128], Literal[10]]


def head(x: Tensor[tuple[B, Const[128]], f32, TT]) -> Tensor[tuple[B, Const[10]], f32, TT]:
    return fc(x)


b, t, c = x.reshape((4, 8, 784)).shape
reveal_type(b)  # R: Size[Literal[4]]
reveal_type(t)  # R: Size[Literal[8]]
reveal_type(c)  # R: Size[Literal[784]]
y = x.reshape((b * t, c))
reveal_type(y)  # R: Tensor[tuple[Literal[32], Literal[784]], f32, NoTape]
loss = head((x.traced() @ w).relu()).square().mean()
reveal_type(loss)  # R: Tensor[tuple[()], f32, Traced]
grads = loss.backward()
grads[w]
reveal_type(grads[w])  # R: Tensor[tuple[Literal[784], Literal[128]], f32, NoTape]
