"""A small GPT for shapedl + its mypy plugin; `gpt_torch.py` is the same model for Pyrefly.

The two files are structurally identical, line for line, so that `compare.py` can plant the
same bug in both (see `bugs.py`). Checked with `mypy --strict` and the plugin; never run.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Mul, Size, Tensor, bool_, f32, i64
from shapedl.nn import GELU, Embedding, LayerNorm, Linear, Module, Sequential

V = TypeVar("V", bound=Dim)  # vocabulary
L = TypeVar("L", bound=Dim)  # context: the longest sequence
H = TypeVar("H", bound=Dim)  # heads
K = TypeVar("K", bound=Dim)  # width of one head; the model's width is H * K
B = TypeVar("B", bound=Dim)  # batch
T = TypeVar("T", bound=Dim)  # sequence length


class Attention(Module, Generic[L, H, K]):
    def __init__(self, context: Size[L], heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.mask = sd.ones((context, context), dtype=bool_).triu(1)
        self.heads, self.head_width = heads, head_width

    def forward(self, x: Tensor[tuple[B, T, Mul[H, K]]]) -> Tensor[tuple[B, T, Mul[H, K]]]:
        b, t, d = x.shape
        q = self.query(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        k = self.key(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        v = self.value(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        scores = (q @ k.transpose(2, 3)) * (1 / math.sqrt(self.head_width))
        future = self.mask[:t, :t]
        weights = scores.masked_fill(future, -math.inf).softmax(-1)
        merged = (weights @ v).transpose(1, 2).reshape((b, t, d))
        return self.proj(merged)


class Block(Module, Generic[L, H, K]):
    def __init__(self, context: Size[L], heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.ln1, self.attn = LayerNorm(width), Attention(context, heads, head_width)
        self.ln2 = LayerNorm(width)
        self.mlp = Sequential(Linear(width, 4 * width), GELU(), Linear(4 * width, width))

    def forward(self, x: Tensor[tuple[B, T, Mul[H, K]]]) -> Tensor[tuple[B, T, Mul[H, K]]]:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(Module, Generic[V, L, H, K]):
    def __init__(
        self, vocab: Size[V], context: Size[L], heads: Size[H], head_width: Size[K]
    ) -> None:
        width = heads * head_width
        self.tokens, self.positions = Embedding(vocab, width), Embedding(context, width)
        self.block = Block(context, heads, head_width)
        self.norm, self.head = LayerNorm(width), Linear(width, vocab)

    def forward(self, idx: Tensor[tuple[B, T], i64]) -> Tensor[tuple[B, T, V]]:
        b, t = idx.shape
        where = sd.arange(t, dtype=i64)
        x = self.tokens(idx) + self.positions(where)
        x = self.block(x)
        return self.head(self.norm(x))


def next_token_loss(
    model: GPT[V, L, H, K], idx: Tensor[tuple[B, T], i64], targets: Tensor[tuple[B, T], i64]
) -> Tensor[tuple[()], f32]:
    logits = model(idx)
    b, t, v = logits.shape
    flat = logits.reshape((b * t, v))
    return sd.losses.cross_entropy_with_logits_loss(flat, targets.reshape((b * t,)))


model: GPT[Const[11], Const[8], Const[2], Const[4]] = GPT(11, 8, 2, 4)
idx = sd.zeros((2, 5), dtype=i64)
targets = sd.zeros((2, 5), dtype=i64)
loss = next_token_loss(model, idx, targets)
