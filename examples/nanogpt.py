"""nanoGPT, typed: a decoder-only transformer whose every shape mypy checks, for any sizes.

The model is written once for a symbolic vocabulary `V`, context `L`, heads `H`, head width
`K` (the model width is `D = H * K`, so splitting it into heads is exact), batch `B` and
length `T`. With the plugin (`python -m shapedl_mypy examples/nanogpt.py`) each intermediate
below has the shape its `assert_type` names, and a slip such as `transpose(1, 3)` for
`transpose(1, 2)`, `3 * d` for `4 * d` or `(t, b)` for `(t, t)` is a `[shape]` error.

Run it: `python examples/nanogpt.py --quick` trains a few steps on a tiny text and prints
the loss; without `--quick` it trains longer and writes a sample. `--device cuda` trains on
the GPU, where the training step, under `sd.graphed`, is recorded once as a CUDA graph and
replayed (on the CPU it runs eagerly at each call, with the same results; `--eager` runs it
without `sd.graphed`).
"""

from __future__ import annotations

import argparse
import math
from typing import Generic, TypeVar, assert_type

import numpy as np

import shapedl as sd
from shapedl import Dim, Dyn, Mul, Size, Tape, Tensor, Traced, bool_, f32, i64
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
        # NOTE: each token's position, of idx's shape and tape (`+ idx * 0`), so that the
        # positions' type is the tokens' in training and inference alike; the table would
        # learn through an untraced index too (its output keeps its link to the tape)
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


TEXT = """\
Beautiful is better than ugly. Explicit is better than implicit. Simple is better than
complex. Complex is better than complicated. Flat is better than nested. Sparse is better
than dense. Readability counts. Errors should never pass silently. Unless explicitly
silenced. In the face of ambiguity, refuse the temptation to guess. There should be one --
and preferably only one -- obvious way to do it. Now is better than never.
"""


def batch(
    ids: np.ndarray, size: int, length: int, rng: np.random.Generator
) -> tuple[Tensor[tuple[Dyn, Dyn], i64], Tensor[tuple[Dyn, Dyn], i64]]:
    """`size` random windows of `length` tokens and the same windows one token on."""
    starts = rng.integers(0, len(ids) - length - 1, size)
    take = starts[:, None] + np.arange(length)[None, :]
    x: Tensor[tuple[Dyn, Dyn], i64] = sd.tensor(ids[take])
    y: Tensor[tuple[Dyn, Dyn], i64] = sd.tensor(ids[take + 1])
    return x, y


def sample(model: GPT[V, L, H, K], prompt: list[int], length: int, context: int) -> list[int]:
    """Extend `prompt` greedily by `length` tokens."""
    out = list(prompt)
    for _ in range(length):
        idx: Tensor[tuple[Dyn, Dyn], i64] = sd.tensor(np.array([out[-context:]]))
        out.append(int(model(idx).numpy()[0, -1].argmax()))
    return out


def dyn(n: int) -> Size[Dyn]:
    """`n` as a size known only at run time (the model is checked for every size anyway)."""
    return Size(n)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps, then the loss")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--eager", action="store_true", help="the step without sd.graphed")
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cuda(seed=0) if args.device == "cuda" else sd.Cpu(seed=0))
    rng = np.random.default_rng(0)

    chars = sorted(set(TEXT))
    code = {c: i for i, c in enumerate(chars)}
    ids = np.array([code[c] for c in TEXT], dtype=np.int64)
    context = 32
    model = GPT(dyn(len(chars)), dyn(context), heads=dyn(4), head_width=dyn(8), depth=2)
    opt = sd.optim.AdamW(lr=3e-3, weight_decay=0.01)
    steps = 5 if args.quick else args.steps
    loss = math.nan

    def train_step(
        x: Tensor[tuple[Dyn, Dyn], i64], y: Tensor[tuple[Dyn, Dyn], i64]
    ) -> Tensor[tuple[()], f32, Traced]:
        value = next_token_loss(model, x, y)
        opt.update(model, value.backward())
        return value  # NOTE: graphed, the same tensor at each call, with that call's loss

    run = train_step if args.eager else sd.graphed(train_step)
    for step in range(steps):
        x, y = batch(ids, 16, context, rng)
        loss = run(x, y).item()
        if args.quick or step % 50 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss:.4f}")
    if not args.quick:
        written = sample(model, [code[c] for c in "Simple is"], 80, context)
        print("".join(chars[i] for i in written))
    return loss


if __name__ == "__main__":
    main()
