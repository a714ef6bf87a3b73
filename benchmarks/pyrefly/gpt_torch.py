"""The small GPT of `gpt_shapedl.py`, in PyTorch, spelled for Pyrefly's tensor shapes.

Structurally identical to `gpt_shapedl.py`, line for line, so that `compare.py` can plant the
same bug in both (see `bugs.py`). Pyrefly (1.4) tracks shapes when the `shape_extensions`
package resolves, with the shape-aware `pyrefly-torch-stubs`; `compare.py --install` puts
both in a temporary environment. Never run, and not checked by `make test`.
"""

from __future__ import annotations

import math
from typing import Generic

import torch
import torch.nn.functional as F
from shape_extensions import Int, IntVar
from torch import Tensor
from torch.nn import GELU, Embedding, LayerNorm, Linear, Module, Sequential

V = IntVar("V")  # vocabulary
L = IntVar("L")  # context: the longest sequence
H = IntVar("H")  # heads
K = IntVar("K")  # width of one head; the model's width is H * K
B = IntVar("B")  # batch
T = IntVar("T")  # sequence length


class Attention(Module, Generic[L, H, K]):
    def __init__(self, context: Int[L], heads: Int[H], head_width: Int[K]) -> None:
        super().__init__()
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.mask = torch.ones((context, context), dtype=torch.bool).triu(1)
        self.heads, self.head_width = heads, head_width

    def forward(self, x: Tensor[[B, T, H * K]]) -> Tensor[[B, T, H * K]]:
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
    def __init__(self, context: Int[L], heads: Int[H], head_width: Int[K]) -> None:
        super().__init__()
        width = heads * head_width
        self.ln1, self.attn = LayerNorm(width), Attention(context, heads, head_width)
        self.ln2 = LayerNorm(width)
        self.mlp = Sequential(Linear(width, 4 * width), GELU(), Linear(4 * width, width))

    def forward(self, x: Tensor[[B, T, H * K]]) -> Tensor[[B, T, H * K]]:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(Module, Generic[V, L, H, K]):
    def __init__(
        self, vocab: Int[V], context: Int[L], heads: Int[H], head_width: Int[K]
    ) -> None:
        super().__init__()
        width = heads * head_width
        self.tokens, self.positions = Embedding(vocab, width), Embedding(context, width)
        self.block = Block(context, heads, head_width)
        self.norm, self.head = LayerNorm(width), Linear(width, vocab)

    def forward(self, idx: Tensor[[B, T]]) -> Tensor[[B, T, V]]:
        b, t = idx.shape
        where = torch.arange(t, dtype=torch.int64)
        x = self.tokens(idx) + self.positions(where)
        x = self.block(x)
        return self.head(self.norm(x))


def next_token_loss(
    model: GPT[V, L, H, K], idx: Tensor[[B, T]], targets: Tensor[[B, T]]
) -> Tensor[[]]:
    logits = model(idx)
    b, t, v = logits.shape
    flat = logits.reshape((b * t, v))
    return F.cross_entropy(flat, targets.reshape((b * t,)))


model: GPT[11, 8, 2, 4] = GPT(11, 8, 2, 4)
idx = torch.zeros((2, 5), dtype=torch.int64)
targets = torch.zeros((2, 5), dtype=torch.int64)
loss = next_token_loss(model, idx, targets)
