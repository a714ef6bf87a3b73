"""Activations, rms_norm, group_norm and cosine_similarity with literal and symbolic sizes."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
D = TypeVar("D", bound=Dim)

x = sd.randn((2, 6, 5))
a1: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.elu(x, alpha=0.5)  # op: elu
a2: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.selu(x)  # op: selu
a3: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.hardtanh(x, -2.0, 2.0)  # op: hardtanh
a4: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.softsign(x)  # op: softsign
a5: Tensor[tuple[Const[2], Const[6], Const[5]], sd.f32, Traced] = sd.ops.mish(x.traced())  # op: mish
a6: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.prelu(x, sd.ones((6,)))  # op: prelu
a7: Tensor[tuple[Const[2], Const[6], Const[5]], sd.f32, Traced] = sd.ops.logsigmoid(x.traced())  # op: logsigmoid
a8: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.nn.LogSigmoid()(x)
n1: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.rms_norm(x, 5, sd.ones((5,)))  # op: rms_norm
n2: Tensor[tuple[Const[2], Const[6], Const[5]]] = sd.ops.group_norm(x, 3)  # op: group_norm
c1: Tensor[tuple[Const[2], Const[5]]] = sd.ops.cosine_similarity(x, x, axis=1)  # op: cosine_similarity
c2: Tensor[tuple[Const[2], Const[6]]] = sd.ops.cosine_similarity(x, sd.ones((6, 5)))


def similarity(q: Tensor[tuple[B, D]], k: Tensor[tuple[T, D]], w: Tensor[tuple[D]]) -> Tensor[tuple[B, T]]:
    normed = sd.ops.rms_norm(q, q.shape[1], w)
    return sd.ops.cosine_similarity(normed.unsqueeze(1), k)


assert similarity(sd.ones((3, 4)), sd.ones((2, 4)), sd.ones((4,))).shape == (3, 2)
