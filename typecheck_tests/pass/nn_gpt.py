"""The nanoGPT of examples/nanogpt.py (its model, copied): every intermediate's shape exact.

Each `assert_type` names the shape the plugin infers, symbolic in the vocabulary `V`, context
`L`, heads `H`, head width `K`, batch `B` and length `T` (no `Dyn`, no `Any`); the program then
runs a training step on small sizes. Keep the model in step with examples/nanogpt.py.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Mul, Size, Tape, Tensor, Traced, bool_, f32, i64
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


def train_step(
    vocab: Size[V], heads: Size[H], head_width: Size[K], idx: Tensor[tuple[B, T], i64]
) -> Tensor[tuple[B, T, V], f32, Traced]:
    """Build a GPT from sizes, run it on `idx` and take one optimizer step."""
    _, t = idx.shape
    model = GPT(vocab, t, heads, head_width, depth=2)
    assert_type(model, GPT[V, T, H, K])
    assert_type(model.blocks[0].attn.query, Linear[Mul[H, K], Mul[H, K]])
    # NOTE: `Mlp[D]` at `D = Mul[H, K]` is mypy's substitution, not the plugin's canonical form
    assert_type(
        model.blocks[0].mlp.layers,
        Sequential[
            Linear[Mul[H, K], Mul[Const[4], Mul[H, K]]],
            GELU,
            Linear[Mul[Const[4], Mul[H, K]], Mul[H, K]],
        ],
    )
    assert_type(model.head, Linear[Mul[H, K], V])
    logits = model(idx.traced())
    assert_type(logits, Tensor[tuple[B, T, V], f32, Traced])
    loss = next_token_loss(model, idx, idx)
    assert_type(loss, Tensor[tuple[()], f32, Traced])
    sd.optim.Sgd(lr=0.1).update(model, loss.backward())
    return logits


def sized(n: int) -> Size[sd.Dyn]:
    return Size(n)


tokens = sd.tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]])
out = train_step(sized(7), sized(2), sized(4), tokens)
assert_type(out, Tensor[tuple[Const[2], Const[5], sd.Dyn], f32, Traced])
assert out.shape == (2, 5, 7)


def model_source(text: str) -> str:
    """The model's code: from the first TypeVar to the end of `next_token_loss`."""
    start = text.index('V = TypeVar("V"')
    return text[start : text.index("    return loss\n", start)]


here = Path(__file__).read_text()
there = (Path(__file__).resolve().parents[2] / "examples" / "nanogpt.py").read_text()
assert model_source(here) == model_source(there), "the model differs from examples/nanogpt.py"
