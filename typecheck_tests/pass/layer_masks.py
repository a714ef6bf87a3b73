"""PyTorch's key padding masks on the attention layers, typed and run: `(B, T)`, True where a
position is padding; and the same padding as a mask of the scores (executed too)."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def encode(
    layer: sd.nn.TransformerEncoderLayer[Const[8]],
    y: Tensor[tuple[B, T, Const[8]]],
    pad: Tensor[tuple[B, T], sd.bool_],
) -> Tensor[tuple[B, T, Const[8]]]:
    return layer(y, src_key_padding_mask=pad) + layer(y, src_mask=~pad[:, None, None, :])


x = sd.randn((2, 3, 8))
pad = sd.tensor([[False, False, True], [False, False, False]])
attn = sd.nn.MultiHeadAttention(8, 2)
a: Tensor[tuple[Const[2], Const[3], Const[8]]] = attn(x, key_padding_mask=pad)
b = attn(x, mask=~pad[:, None, None, :])
assert (a - b).abs().max().item() < 1e-6
both: Tensor[tuple[Const[2], Const[3], Const[8]]] = encode(
    sd.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), x, pad
)
memory = sd.randn((2, 5, 8))
decoder = sd.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0)
out: Tensor[tuple[Const[2], Const[3], Const[8]]] = decoder(
    x, memory, tgt_key_padding_mask=pad, memory_key_padding_mask=sd.zeros((2, 5)) > 0
)
