"""PyTorch's layers users port: activations, Unflatten and Embedding.from_pretrained, typed by
their registrations (no plugin code of their own)."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced, i64

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)

x = sd.randn((2, 12))
a1: Tensor[tuple[Const[2], Const[12]]] = sd.nn.ELU(0.5)(x)
a2: Tensor[tuple[Const[2], Const[12]], sd.f32, Traced] = sd.nn.SELU()(x.traced())
a3: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Softplus(beta=2.0)(x)
a4: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Mish()(x)
a5: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Hardtanh(-2.0, 2.0)(x)
a6: Tensor[tuple[Const[2], Const[12]]] = sd.nn.LogSoftmax(axis=1)(x)
a7: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Softsign()(x)
a8: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Hardswish()(x)
a9: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Hardsigmoid()(x)
u1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.nn.Unflatten(1, (3, 4))(x)
u2: Tensor[tuple[Const[2], Const[2], Const[6]]] = sd.nn.Unflatten(-1, (2, -1))(x)

model = sd.nn.Sequential(
    sd.nn.Linear(12, 24), sd.nn.Hardswish(), sd.nn.Unflatten(1, (4, 6)), sd.nn.LogSoftmax()
)
m1: Tensor[tuple[Const[2], Const[4], Const[6]]] = model(x)

emb = sd.nn.Embedding.from_pretrained(sd.randn((10, 4)), padding_idx=0)
e1: Tensor[tuple[Const[3], Const[4]]] = emb(sd.zeros((3,), dtype=i64))
e2 = emb(sd.tensor([[1, 2]], dtype=sd.i32)) + emb(sd.from_numpy(np.array([[0, 3]])))


def head(x: Tensor[tuple[B, D]], table: Tensor[tuple[Const[5], D]]) -> Tensor[tuple[B, D]]:
    words = sd.nn.Embedding.from_pretrained(table, freeze=False)
    return sd.nn.Mish()(x) + words(x.argmax(axis=1).clamp_max(4))


def lookup(
    ids: Tensor[tuple[Const[3]], i64] | Tensor[tuple[Const[3]], sd.i32],
) -> Tensor[tuple[Const[3], Const[4]]]:
    return emb(ids)  # NOTE: either integer dtype: an overload each


print(
    lookup(sd.zeros((3,), dtype=sd.i32)).shape,
    m1.shape,
    e1.shape,
    e2.shape,
    head(sd.randn((2, 4)), sd.randn((5, 4))).shape,
)


def deep_blocks(x: Tensor[tuple[B, Const[16]]]) -> Tensor[tuple[B, Const[16]]]:
    """Layers of one type repeated a run-time number of times keep the input's type where
    the layer does (16 to 16)."""
    return sd.nn.Sequential(*[sd.nn.Linear(16, 16) for _ in range(3)])(x)


assert deep_blocks(sd.randn((2, 16))).shape == (2, 16)
