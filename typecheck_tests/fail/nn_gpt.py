"""One-character shape bugs planted in the nanoGPT of examples/nanogpt.py are [shape] errors.

The model is imported (typecheck_tests puts examples/ on mypy's path) and checks clean;
each function below takes what one of its lines takes, typed as the model's `assert_type`s
say it is, and repeats that line with one character changed: the plugin names the dims that
no longer agree.
"""

# fmt: off
from __future__ import annotations

import math

from nanogpt import GPT, B, CausalSelfAttention, D, H, K, L, T, V

import shapedl as sd
from shapedl import Mul, Size, Tensor, bool_, f32, i64
from shapedl.nn import GELU, Linear, Sequential


def split_heads_bug(attn: CausalSelfAttention[H, K], x: Tensor[tuple[B, T, Mul[H, K]], f32]) -> None:
    b, t, d = x.shape
    attn.query(x).reshape((b, b, attn.heads, attn.head_width)).transpose(1, 2)  # E: [shape] reshape: shapes (B, T, H*K) and (B, B, H, K): B*H*K*T values cannot take the shape of B**2*H*K


def transpose_bug(q: Tensor[tuple[B, H, T, K], f32], k: Tensor[tuple[B, H, T, K], f32]) -> None:
    q @ k.transpose(1, 3)  # E: [shape] matmul: shapes (B, H, T, K) and (B, K, T, H): inner dimensions differ: K (axis -1 of the left) vs T (axis -2 of the right)


def mask_bug(scores: Tensor[tuple[B, H, T, T], f32], b: Size[B], t: Size[T]) -> None:
    future = sd.ones((t, b), dtype=bool_).triu(1)  # one character changed
    scores.masked_fill(future, -math.inf).softmax(-1)  # E: [shape] masked_fill: shapes (B, H, T, T) and (T, B): cannot broadcast T against B at axis -1


def merge_heads_bug(heads: Tensor[tuple[B, H, T, K], f32], x: Tensor[tuple[B, T, Mul[H, K]], f32]) -> None:
    b, t, d = x.shape
    heads.transpose(1, 2).reshape((b, b, d))  # E: [shape] reshape: shapes (B, T, H, K) and (B, B, H*K): B*H*K*T values cannot take the shape of B**2*H*K


def mlp_bug(width: Size[D]) -> None:
    Sequential(Linear(width, 4 * width), GELU(), Linear(3 * width, width))  # E: [shape] Sequential: shapes (..., 4*D) and (D, 3*D): layer 2 (Linear) takes width 3*D at axis -1 but layer 0 gives width 4*D


def positions_bug(idx: Tensor[tuple[B, T], i64]) -> None:
    b, t = idx.shape
    sd.arange(b, dtype=i64, device=idx.device) + idx * 0  # E: [shape] add: shapes (B,) and (B, T): cannot broadcast B against T at axis -1


def loss_bug(model: GPT[V, L, H, K], idx: Tensor[tuple[B, T], i64]) -> None:
    logits = model(idx.traced())
    b, t, v = logits.shape
    logits.reshape((b * b, v))  # E: [shape] reshape: shapes (B, T, V) and (B**2, V): B*T*V values cannot take the shape of B**2*V
