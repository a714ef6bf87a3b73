"""A name whose type is a union with a member of unknown tape may be traced: no `[tape]` error
on its `backward()`, and an op given it is traced (makemore's ports hit both), and it runs."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Tape, Tensor, Traced, f32

TT = TypeVar("TT", bound=Tape)

w = sd.randn((3, 2))


def forward(x: Tensor) -> Tensor:  # NOTE: bare `Tensor`, the PyTorch habit
    return (x @ w).sum()


# an untraced value first bound to the name, then the training loss: mypy keeps the old
# member beside the new `Any`-typed one
loss = sd.randn((4, 3)).sum()
loss = forward(sd.randn((4, 3)).traced())
assert loss.backward()[w].shape == (3, 2)


def step(x: Any | Tensor[Any, f32, Traced], y: Tensor[Any, f32]) -> None:
    sd.maximum(x, y).sum().backward()
    sd.losses.mse_loss(x, y).backward()


step(sd.randn((3,)).traced(), sd.randn((3,)))

# a loop's start read from an untyped list: `h` is `Any | Tensor[...]`
params: list[Any] = [sd.randn((32, 27))]
h = params[0].traced()
for _ in range(2):
    h = sd.nn.Tanh()(h)
sd.losses.cross_entropy_with_logits_loss(h, sd.randint(0, 27, (32,))).backward()


# makemore's BatchNorm: the batch's variance in training, the running one otherwise, then a
# free function of an expression of that union (mypy joined the tapes into `object`)
def batchnorm(
    x: Tensor[tuple[Const[32], Const[64]], f32, TT],
    training: bool,
    running_var: Tensor[tuple[Const[1], Const[64]], f32],
) -> None:
    if training:
        xvar = x.var(0, keepdims=True, ddof=1)
    else:
        xvar = running_var
    assert sd.sqrt(xvar + 1e-5).shape == sd.tanh(xvar * 2).shape == (1, 64)


batchnorm(sd.randn((32, 64)).traced(), True, sd.ones((1, 64)))
batchnorm(sd.randn((32, 64)), False, sd.ones((1, 64)))


# an accumulator started untraced and grown in a loop over a list, in a tape-generic forward:
# an expression of it is returned (the loop's count is known at run time only)
mixers = [sd.nn.Linear(4, 4) for _ in range(3)]


def mix(
    x: Tensor[tuple[Const[2], Const[4]], f32, TT],
) -> Tensor[tuple[Const[2], Const[4]], f32, TT]:
    out = sd.zeros_like(x)
    for layer in mixers:
        out = out + layer(x)
    return out * 2


assert mix(sd.ones((2, 4)).traced()).is_traced
