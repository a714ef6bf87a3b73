"""Attention with masks as ports write it: a causal mask sliced to the length, a padding mask
from the token ids broadcast over heads and queries, PyTorch's `attn_mask=`/`is_causal=`
keywords of `scaled_dot_product_attention`, and the transformer layers' masks."""

# fmt: off
from __future__ import annotations

from typing import Any, Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Size, Tape, Tensor, Traced, bool_, f32, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
E = TypeVar("E", bound=Dim)
TT = TypeVar("TT", bound=Tape)


class Block(nn.Module, Generic[E]):
    def __init__(self, width: Size[E], heads: int, ctx: int = 32) -> None:
        super().__init__()
        self.attn = nn.MultiHeadAttention(width, heads)
        self.ln = nn.LayerNorm(width)
        self.mask = sd.tril(sd.ones((ctx, ctx))).astype(sd.bool_)

    def forward(self, x: Tensor[tuple[B, T, E], f32, TT],
                keep: Tensor[tuple[B, T], bool_, Any] | None = None) -> Tensor[tuple[B, T, E], f32, TT]:
        _, t, _ = x.shape
        causal = self.mask[:t, :t]
        if keep is not None:
            both = keep[:, None, None, :] & causal
            assert_type(both, Tensor[tuple[B, Const[1], T, T], bool_])
            return x + self.attn(self.ln(x), mask=both)
        return x + self.attn(self.ln(x), mask=causal)

    __call__ = forward


ids = sd.randint(0, 5, (2, 10))
x = sd.randn((2, 10, 16))
out = Block(16, 4)(x.traced(), ids != 0)
assert_type(out, Tensor[tuple[Const[2], Const[10], Const[16]], f32, Traced])


def heads(x: Tensor[tuple[B, T, Const[16]], f32, TT]) -> Tensor[tuple[B, Const[4], T, Const[4]], f32, TT]:
    b, t, _ = x.shape
    return x.reshape((b, t, 4, 4)).transpose(1, 2)


q = heads(x)
pad = (ids != 0)[:, None, None, :]
att = sd.ops.scaled_dot_product_attention(q, q, q, attn_mask=pad, is_causal=True)
assert_type(att, Tensor[tuple[Const[2], Const[4], Const[10], Const[4]], f32])
plain = sd.ops.scaled_dot_product_attention(q, q, q, is_causal=True)
assert (plain.numpy() == sd.ops.scaled_dot_product_attention(q, q, q, causal=True).numpy()).all()

memory = sd.randn((2, 7, 16))
dec = nn.TransformerDecoderLayer(16, 4, 32, dropout=0.0)
y = dec(x, memory, tgt_mask=sd.tril(sd.ones((10, 10))).astype(sd.bool_),
        memory_mask=sd.ones((10, 7)).astype(sd.bool_))
assert_type(y, Tensor[tuple[Const[2], Const[10], Const[16]], f32])
