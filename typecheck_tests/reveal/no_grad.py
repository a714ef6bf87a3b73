"""Inside `with sd.no_grad():` (or a function decorated with it) results are untraced, as at run
time; `.traced()` still makes a traced leaf."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd
from shapedl import Const, Tensor, f32, nn

x = sd.randn((8, 4)).traced()
net = nn.Linear(4, 2)
with sd.no_grad():
    reveal_type(x.mean(axis=0))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
    reveal_type(net(x))  # R: Tensor[tuple[Literal[8], Literal[2]], f32, NoTape]
    reveal_type(x.detach().traced())  # R: Tensor[tuple[Literal[8], Literal[4]], f32, Traced]
reveal_type(x.mean(axis=0))  # R: Tensor[tuple[Literal[4]], f32, Traced]


@sd.no_grad()
def target(t: Tensor[tuple[Const[8], Const[4]], f32]) -> None:
    reveal_type(net(t.traced()))  # R: Tensor[tuple[Literal[8], Literal[2]], f32, NoTape]


@sd.no_grad
def bare(t: Tensor[tuple[Const[8], Const[4]], f32]) -> None:
    reveal_type(t.traced() * 2)  # R: Tensor[tuple[Literal[8], Literal[4]], f32, NoTape]
