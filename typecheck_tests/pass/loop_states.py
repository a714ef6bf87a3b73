"""A hand-written recurrent loop: the state starts as untraced zeros and is rebound once per
time step, a count known at run time only. After the loop the state is traced as the input
is (`TT`), however it is used: returned in a tuple, given to a layer or an op. And a name a
run-time loop rebinds to another width fits where one of its widths does, in a tuple too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
TT = TypeVar("TT", bound=Tape)
w_hh = sd.randn((4, 4))
fc = nn.Linear(4, 2)
proj = nn.Linear(4, 4)


def rnn(
    x: Tensor[tuple[B, T, Const[4]], f32, TT],
) -> tuple[Tensor[tuple[B, T, Const[4]], f32, TT], Tensor[tuple[B, Const[4]], f32, TT]]:
    h = sd.zeros((x.shape[0], 4))
    outputs = []
    for t in range(x.shape[1]):
        h = (x[:, t] + h @ w_hh).tanh()
        outputs.append(h)
    return sd.stack(outputs, axis=1), h


def classify(x: Tensor[tuple[B, T, Const[4]], f32, TT]) -> Tensor[tuple[B, Const[2]], f32, TT]:
    h = sd.zeros((x.shape[0], 4))
    for t in range(x.shape[1]):
        h = (x[:, t] + h @ w_hh).tanh()
    return fc(h)


def with_cell(x: Tensor[tuple[B, T, Const[4]], f32, TT]) -> Tensor[tuple[B, Const[4]], f32, TT]:
    h = sd.zeros((x.shape[0], 4))
    c = sd.zeros((x.shape[0], 4))
    for t in range(x.shape[1]):
        h, c = (x[:, t] + h @ w_hh).tanh(), c + x[:, t]
    return h + c


def flow(
    x: Tensor[tuple[B, Const[3]], f32, TT], layers: list[nn.Linear[Const[3], Const[3]]]
) -> tuple[Tensor[tuple[B, Const[3]], f32, TT], Tensor[tuple[B], f32, TT]]:
    log_det = sd.zeros((x.shape[0],))
    for layer in layers:
        x = layer(x)
        log_det = log_det + x.sum(axis=1)
    return x, log_det


def shrink(
    x: Tensor[tuple[B, Const[8]], f32], n: int
) -> tuple[Tensor[tuple[B, Const[4]], f32], int]:
    h = x
    for _ in range(n):
        h = proj(x[:, :4])
    return h, n


Transform = Callable[[Tensor[tuple[Any, Dyn], f32]], Tensor[tuple[Any, Dyn], f32]]


def run(
    x: Tensor[tuple[Dyn, Const[784]], f32], fns: list[Transform]
) -> Tensor[tuple[Dyn, Const[10]], f32]:
    h = x
    for f in fns:
        h = f(h)
    return h


x = sd.randn((2, 3, 4)).traced()
assert rnn(x)[1].is_traced and classify(x).is_traced and with_cell(x).is_traced
assert flow(sd.randn((2, 3)).traced(), [nn.Linear(3, 3)])[1].is_traced
assert shrink(sd.randn((2, 8)), 1)[0].shape == (2, 4)
assert run(sd.randn((2, 784)), [lambda t: t[:, :10]]).shape == (2, 10)
