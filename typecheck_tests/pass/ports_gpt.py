"""A char-level GPT written as in PyTorch: positions from `sd.arange`, heads split with
`x.reshape(*x.shape[:-1], heads, -1)`, a causal mask, `generate()` sampling with temperature
and `multinomial`, and a KV cache grown with `concat` and read just after; no error, and it
runs.
"""

# fmt: off
from __future__ import annotations

import math
from typing import Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Dyn, Mul, Size, Tape, Tensor, f32, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
V = TypeVar("V", bound=Dim)
L = TypeVar("L", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)
TT = TypeVar("TT", bound=Tape)


class Attention(nn.Module, Generic[H, K]):
    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        self.qkv = nn.Linear(heads * head_width, 3 * (heads * head_width))
        self.proj = nn.Linear(heads * head_width, heads * head_width)
        self.heads = heads

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        b, t, c = x.shape
        q, k, v = self.qkv(x).chunk(3, axis=-1)
        q = q.reshape(*q.shape[:-1], self.heads, -1).transpose(1, 2)
        k = k.reshape(*k.shape[:-1], self.heads, -1).transpose(1, 2)
        v = v.reshape(*v.shape[:-1], self.heads, -1).transpose(1, 2)
        assert_type(q, Tensor[tuple[B, H, T, K], f32, TT])
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))
        future = sd.ones((t, t), dtype=sd.bool_).triu(1)
        att = att.masked_fill(future, -math.inf).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


class CharGPT(nn.Module, Generic[V, L, H, K]):
    def __init__(self, vocab: Size[V], context: Size[L], heads: Size[H], head_width: Size[K]) -> None:
        self.tok = nn.Embedding(vocab, heads * head_width)
        self.pos = nn.Embedding(context, heads * head_width)
        self.blocks = [Attention(heads, head_width) for _ in range(2)]
        self.ln = nn.LayerNorm(heads * head_width)
        self.lm_head = nn.Linear(heads * head_width, vocab)
        self.context = context

    def forward(self, idx: Tensor[tuple[B, T], i64, TT]) -> Tensor[tuple[B, T, V], f32, TT]:
        b, t = idx.shape
        x = self.tok(idx) + self.pos(sd.arange(t))
        for block in self.blocks:
            x = x + block(x)
        return self.lm_head(self.ln(x))

    def generate(self, idx: Tensor[tuple[B, Dyn], i64], steps: int, temperature: float = 1.0) -> Tensor[tuple[B, Dyn], i64]:
        for _ in range(steps):
            logits = self(idx[:, -self.context:])[:, -1, :] / temperature
            nxt = sd.multinomial(logits.softmax(axis=-1), num_samples=1)
            assert_type(nxt, Tensor[tuple[B, Const[1]], i64])
            idx = sd.concat([idx, nxt], axis=1)
        return idx


class KVCache(nn.Module):
    def __init__(self, width: int) -> None:
        self.keys = sd.zeros((1, 0, width))

    def append(self, k: Tensor[tuple[Const[1], Const[1], Dyn]]) -> Tensor[tuple[Const[1], Dyn]]:
        self.keys = sd.concat([self.keys, k], axis=1)
        return self.keys[:, -1]


sd.set_default_device(sd.Cpu(seed=0))
model = CharGPT(Size(27), Size(8), Size(2), Size(4))
x = sd.randint(0, 27, (3, 8))
logits = model(x.traced())
b, t, v = logits.shape
loss = sd.losses.cross_entropy_with_logits_loss(logits.reshape(-1, v), x.reshape(-1))
sd.optim.AdamW(lr=1e-3).update(model, loss.backward())
assert model.generate(sd.zeros((2, 1), dtype=i64), 10, temperature=0.8).shape == (2, 11)
cache = KVCache(4)
for _ in range(3):
    last = cache.append(sd.randn((1, 1, 4)))
assert last.shape == (1, 4) and cache.keys.shape == (1, 3, 4)
