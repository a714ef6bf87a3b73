"""The nanoGPT of examples/nanogpt.py, imported: built from sizes, every type exact.

The model's own `assert_type`s (checked by `make typecheck-examples`) name each intermediate's
shape, symbolic in the vocabulary `V`, context `L`, heads `H`, head width `K`, batch `B` and
length `T` (no `Dyn`, no `Any`); this file checks the model built from sizes and its layers'
types, then runs a training step on small sizes. `nanogpt` imports as the examples' scripts
import it: typecheck_tests puts examples/ on mypy's path and on the program's sys.path.
"""

from __future__ import annotations

from typing import assert_type

from nanogpt import GPT, B, H, K, T, V, next_token_loss

import shapedl as sd
from shapedl import Const, Mul, Size, Tensor, Traced, f32, i64
from shapedl.nn import GELU, Linear, Sequential


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
