"""A name whose type is a union with a member of unknown tape may be traced: no `[tape]` error
on its `backward()`, and an op given it is traced (makemore's ports hit both), and it runs."""

from __future__ import annotations

from typing import Any

import shapedl as sd
from shapedl import Tensor, Traced, f32

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
