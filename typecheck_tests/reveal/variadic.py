"""Inside a helper generic in its leading axes (`*Bs`), a shape-keeping op keeps `(*Bs, D)`,
as plain typing gives it (the plugin made it `Tensor[Any]`)."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, TypeVarTuple, reveal_type

import shapedl as sd
from shapedl import Dim, Tensor

Bs = TypeVarTuple("Bs")
D = TypeVar("D", bound=Dim)


def rms_norm(x: Tensor[tuple[*Bs, D]]) -> Tensor[tuple[*Bs, D]]:
    reveal_type(x.relu())  # R: Tensor[tuple[*Bs, D], f32, NoTape]
    reveal_type(x + x)  # R: Tensor[tuple[*Bs, D], f32, NoTape]
    reveal_type(sd.tanh(x) * 2.0)  # R: Tensor[tuple[*Bs, D], f32, NoTape]
    return x / x.square().mean(axis=-1, keepdims=True).sqrt()


reveal_type(rms_norm(sd.randn((2, 3, 8))))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[8]], f32, NoTape]
