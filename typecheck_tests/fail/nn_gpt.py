"""One-character shape bugs planted in the nanoGPT of examples/nanogpt.py are [shape] errors.

The model (copied) checks clean; each class or function after it is one of its layers again
with one character changed, and the plugin names the dims that no longer agree.
"""

# fmt: off
from __future__ import annotations

import math
from typing import Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Dim, Mul, Size, Tape, Tensor, Traced, bool_, f32, i64
from shapedl.nn import GELU, Embedding, LayerNorm, Linear, Module, Sequential

V = TypeVar("V", bound=Dim)  # vocabulary
L = TypeVar("L", bound=Dim)  # context: the longest sequence the position table covers
H = TypeVar("H", bound=Dim)  # attention heads
K = TypeVar("K", bound=Dim)  # width of one head; the model's width is Mul[H, K]
D = TypeVar("D", bound=Dim)  # a width
B = TypeVar("B", bound=Dim)  # batch
T = TypeVar("T", bound=Dim)  # sequence length
TT = TypeVar("TT", bound=Tape)


class CausalSelfAttention(Module, Generic[H, K]):
    """`H` heads of width `K` attend to the positions before them (and their own)."""

    query: Linear[Mul[H, K], Mul[H, K]]
    key: Linear[Mul[H, K], Mul[H, K]]
    value: Linear[Mul[H, K], Mul[H, K]]
    proj: Linear[Mul[H, K], Mul[H, K]]
    heads: Size[H]
    head_width: Size[K]

    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.heads, self.head_width = heads, head_width

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        b, t, d = x.shape
        q = self.query(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        k = self.key(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        v = self.value(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        assert_type(q, Tensor[tuple[B, H, T, K], f32, TT])
        scores = (q @ k.transpose(2, 3)) * (1 / math.sqrt(self.head_width))
        assert_type(scores, Tensor[tuple[B, H, T, T], f32, TT])
        future = sd.ones((t, t), dtype=bool_).triu(1)
        assert_type(future, Tensor[tuple[T, T], bool_])
        weights = scores.masked_fill(future, -math.inf).softmax(-1)
        assert_type(weights, Tensor[tuple[B, H, T, T], f32, TT])
        heads = weights @ v
        assert_type(heads, Tensor[tuple[B, H, T, K], f32, TT])
        merged = heads.transpose(1, 2).reshape((b, t, d))
        assert_type(merged, Tensor[tuple[B, T, Mul[H, K]], f32, TT])
        return self.proj(merged)


class Mlp(Module, Generic[D]):
    """Widen to `4 * D`, GELU, and back to `D`: a `Sequential` whose chain the plugin checks."""

    def __init__(self, width: Size[D]) -> None:
        self.layers = Sequential(Linear(width, 4 * width), GELU(), Linear(4 * width, width))

    def forward(self, x: Tensor[tuple[B, T, D], f32, TT]) -> Tensor[tuple[B, T, D], f32, TT]:
        return self.layers(x)


class Block(Module, Generic[H, K]):
    """Pre-norm residual block: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`."""

    ln1: LayerNorm[tuple[Mul[H, K]]]
    attn: CausalSelfAttention[H, K]
    ln2: LayerNorm[tuple[Mul[H, K]]]
    mlp: Mlp[Mul[H, K]]

    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.ln1, self.attn = LayerNorm(width), CausalSelfAttention(heads, head_width)
        self.ln2, self.mlp = LayerNorm(width), Mlp(width)

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        # NOTE: each branch is named first: inside `x + f(x)`, mypy would infer `f`'s tape
        # from `+`'s overloads (any `Tape`) rather than from `x`
        attended = self.attn(self.ln1(x))
        x = x + attended
        transformed = self.mlp(self.ln2(x))
        return x + transformed


class GPT(Module, Generic[V, L, H, K]):
    """Token and position embeddings, `depth` blocks, a final norm and a vocabulary head.

    Shape:
        `(B, T) -> (B, T, V)` with `T <= L`.
    """

    tokens: Embedding[V, Mul[H, K]]
    positions: Embedding[L, Mul[H, K]]
    blocks: list[Block[H, K]]
    norm: LayerNorm[tuple[Mul[H, K]]]
    head: Linear[Mul[H, K], V]

    def __init__(
        self, vocab: Size[V], context: Size[L], heads: Size[H], head_width: Size[K], depth: int
    ) -> None:
        width = heads * head_width
        self.tokens, self.positions = Embedding(vocab, width), Embedding(context, width)
        self.blocks = [Block(heads, head_width) for _ in range(depth)]
        self.norm, self.head = LayerNorm(width), Linear(width, vocab)

    def forward(self, idx: Tensor[tuple[B, T], i64, TT]) -> Tensor[tuple[B, T, V], f32, TT]:
        b, t = idx.shape
        # NOTE: each token's position, on idx's tape: a table learns only through a traced
        # index (dfdx's rule), so the positions are traced exactly when the tokens are
        where = sd.arange(t, dtype=i64, device=idx.device) + idx * 0
        assert_type(where, Tensor[tuple[B, T], i64, TT])
        tokens, positions = self.tokens(idx), self.positions(where)
        x = tokens + positions
        assert_type(x, Tensor[tuple[B, T, Mul[H, K]], f32, TT])
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.norm(x))
        assert_type(logits, Tensor[tuple[B, T, V], f32, TT])
        return logits


def next_token_loss(
    model: GPT[V, L, H, K], idx: Tensor[tuple[B, T], i64], targets: Tensor[tuple[B, T], i64]
) -> Tensor[tuple[()], f32, Traced]:
    """Mean cross-entropy of every position's prediction of the token after it."""
    logits = model(idx.traced())
    b, t, v = logits.shape
    flat = logits.reshape((b * t, v))
    assert_type(flat, Tensor[tuple[Mul[B, T], V], f32, Traced])
    loss = sd.losses.cross_entropy_with_logits_loss(flat, targets.reshape((b * t,)))
    assert_type(loss, Tensor[tuple[()], f32, Traced])
    return loss


# ---- the same layers, each with one character changed ----------------------------------
class SplitHeadsBug(Module, Generic[H, K]):
    """`H` heads of width `K` attend to the positions before them (and their own)."""

    query: Linear[Mul[H, K], Mul[H, K]]
    key: Linear[Mul[H, K], Mul[H, K]]
    value: Linear[Mul[H, K], Mul[H, K]]
    proj: Linear[Mul[H, K], Mul[H, K]]
    heads: Size[H]
    head_width: Size[K]

    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.heads, self.head_width = heads, head_width

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        b, t, d = x.shape
        q = self.query(x).reshape((b, b, self.heads, self.head_width)).transpose(1, 2)  # E: [shape] reshape: shapes (B, T, H*K) and (B, B, H, K): B*H*K*T values cannot take the shape of B**2*H*K
        k = self.key(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        v = self.value(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        scores = (q @ k.transpose(2, 3)) * (1 / math.sqrt(self.head_width))
        future = sd.ones((t, t), dtype=bool_).triu(1)
        weights = scores.masked_fill(future, -math.inf).softmax(-1)
        heads = weights @ v
        merged = heads.transpose(1, 2).reshape((b, t, d))
        return self.proj(merged)


class TransposeBug(Module, Generic[H, K]):
    """`H` heads of width `K` attend to the positions before them (and their own)."""

    query: Linear[Mul[H, K], Mul[H, K]]
    key: Linear[Mul[H, K], Mul[H, K]]
    value: Linear[Mul[H, K], Mul[H, K]]
    proj: Linear[Mul[H, K], Mul[H, K]]
    heads: Size[H]
    head_width: Size[K]

    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.heads, self.head_width = heads, head_width

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        b, t, d = x.shape
        q = self.query(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        k = self.key(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        v = self.value(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        scores = (q @ k.transpose(1, 3)) * (1 / math.sqrt(self.head_width))  # E: [shape] matmul: shapes (B, H, T, K) and (B, K, T, H): inner dimensions differ: K (axis -1 of the left) vs T (axis -2 of the right)
        future = sd.ones((t, t), dtype=bool_).triu(1)
        weights = scores.masked_fill(future, -math.inf).softmax(-1)
        heads = weights @ v
        merged = heads.transpose(1, 2).reshape((b, t, d))
        return self.proj(merged)


class MaskBug(Module, Generic[H, K]):
    """`H` heads of width `K` attend to the positions before them (and their own)."""

    query: Linear[Mul[H, K], Mul[H, K]]
    key: Linear[Mul[H, K], Mul[H, K]]
    value: Linear[Mul[H, K], Mul[H, K]]
    proj: Linear[Mul[H, K], Mul[H, K]]
    heads: Size[H]
    head_width: Size[K]

    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.heads, self.head_width = heads, head_width

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        b, t, d = x.shape
        q = self.query(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        k = self.key(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        v = self.value(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        scores = (q @ k.transpose(2, 3)) * (1 / math.sqrt(self.head_width))
        future = sd.ones((t, b), dtype=bool_).triu(1)  # one character changed
        weights = scores.masked_fill(future, -math.inf).softmax(-1)  # E: [shape] masked_fill: shapes (B, H, T, T) and (T, B): cannot broadcast T against B at axis -1
        heads = weights @ v
        merged = heads.transpose(1, 2).reshape((b, t, d))
        return self.proj(merged)


class MergeHeadsBug(Module, Generic[H, K]):
    """`H` heads of width `K` attend to the positions before them (and their own)."""

    query: Linear[Mul[H, K], Mul[H, K]]
    key: Linear[Mul[H, K], Mul[H, K]]
    value: Linear[Mul[H, K], Mul[H, K]]
    proj: Linear[Mul[H, K], Mul[H, K]]
    heads: Size[H]
    head_width: Size[K]

    def __init__(self, heads: Size[H], head_width: Size[K]) -> None:
        width = heads * head_width
        self.query, self.key = Linear(width, width), Linear(width, width)
        self.value, self.proj = Linear(width, width), Linear(width, width)
        self.heads, self.head_width = heads, head_width

    def forward(
        self, x: Tensor[tuple[B, T, Mul[H, K]], f32, TT]
    ) -> Tensor[tuple[B, T, Mul[H, K]], f32, TT]:
        b, t, d = x.shape
        q = self.query(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        k = self.key(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        v = self.value(x).reshape((b, t, self.heads, self.head_width)).transpose(1, 2)
        scores = (q @ k.transpose(2, 3)) * (1 / math.sqrt(self.head_width))
        future = sd.ones((t, t), dtype=bool_).triu(1)
        weights = scores.masked_fill(future, -math.inf).softmax(-1)
        heads = weights @ v
        merged = heads.transpose(1, 2).reshape((b, b, d))  # E: [shape] reshape: shapes (B, T, H, K) and (B, B, H*K): B*H*K*T values cannot take the shape of B**2*H*K
        return self.proj(merged)


class MlpBug(Module, Generic[D]):
    """Widen to `4 * D`, GELU, and back to `D`: a `Sequential` whose chain the plugin checks."""

    def __init__(self, width: Size[D]) -> None:
        self.layers = Sequential(Linear(width, 4 * width), GELU(), Linear(3 * width, width))  # E: [shape] Sequential: shapes (..., 4*D) and (D, 3*D): layer 2 (Linear) takes width 3*D at axis -1 but layer 0 gives width 4*D

    def forward(self, x: Tensor[tuple[B, T, D], f32, TT]) -> Tensor[tuple[B, T, D], f32, TT]:
        return self.layers(x)  # E: [shape] Linear: shapes (B, T, 4*D) and (D, 3*D): input width 4*D at axis -1 differs from in_features 3*D


class PositionsBug(Module, Generic[V, L, H, K]):
    """Token and position embeddings, `depth` blocks, a final norm and a vocabulary head.

    Shape:
        `(B, T) -> (B, T, V)` with `T <= L`.
    """

    tokens: Embedding[V, Mul[H, K]]
    positions: Embedding[L, Mul[H, K]]
    blocks: list[Block[H, K]]
    norm: LayerNorm[tuple[Mul[H, K]]]
    head: Linear[Mul[H, K], V]

    def __init__(
        self, vocab: Size[V], context: Size[L], heads: Size[H], head_width: Size[K], depth: int
    ) -> None:
        width = heads * head_width
        self.tokens, self.positions = Embedding(vocab, width), Embedding(context, width)
        self.blocks = [Block(heads, head_width) for _ in range(depth)]
        self.norm, self.head = LayerNorm(width), Linear(width, vocab)

    def forward(self, idx: Tensor[tuple[B, T], i64, TT]) -> Tensor[tuple[B, T, V], f32, TT]:
        b, t = idx.shape
        # NOTE: each token's position, on idx's tape: a table learns only through a traced
        # index (dfdx's rule), so the positions are traced exactly when the tokens are
        where = sd.arange(b, dtype=i64, device=idx.device) + idx * 0  # E: [shape] add: shapes (B,) and (B, T): cannot broadcast B against T at axis -1
        tokens, positions = self.tokens(idx), self.positions(where)
        x = tokens + positions
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.norm(x))
        return logits


def loss_bug(
    model: GPT[V, L, H, K], idx: Tensor[tuple[B, T], i64], targets: Tensor[tuple[B, T], i64]
) -> Tensor[tuple[()], f32, Traced]:
    """Mean cross-entropy of every position's prediction of the token after it."""
    logits = model(idx.traced())
    b, t, v = logits.shape
    flat = logits.reshape((b * b, v))  # E: [shape] reshape: shapes (B, T, V) and (B**2, V): B*T*V values cannot take the shape of B**2*V
    loss = sd.losses.cross_entropy_with_logits_loss(flat, targets.reshape((b * t,)))
    return loss
