"""The typed nanoGPT of `examples/nanogpt.py`, trained with `sd.train.fit` on the Zen of
Python (the text that ships with every Python as the `this` module), then asked to write
some of its own.

    python examples/char_transformer.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import io
from typing import Any, TypeVar

import numpy as np
from nanogpt import GPT, dyn

import shapedl as sd
from shapedl import Tensor, f32, i64
from shapedl.types import Tape

TT = TypeVar("TT", bound=Tape)
CONTEXT = 32


def zen() -> str:
    """The Zen of Python, decoded from the `this` module (which prints it when imported)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return "".join(this.d.get(c, c) for c in this.s)


def next_char_loss(logits: Tensor[Any, f32, TT], targets: Tensor[Any, i64, Any]) -> Any:
    """Cross-entropy of every position's prediction of the character after it."""
    vocab = logits.shape[-1]
    return sd.losses.cross_entropy_with_logits_loss(
        logits.reshape((-1, vocab)), targets.reshape((-1,))
    )


def windows(ids: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of `context` characters, and the same run shifted on by one."""
    starts = np.arange(len(ids) - context)
    take = starts[:, None] + np.arange(context)[None, :]
    return ids[take], ids[take + 1]


def sample(
    model: GPT[Any, Any, Any, Any], prompt: list[int], length: int, seed: int = 0
) -> list[int]:
    """Extend `prompt` by `length` characters drawn from the model (temperature 0.8)."""
    rng = np.random.default_rng(seed)
    out = list(prompt)
    for _ in range(length):
        idx: Tensor[Any, i64] = sd.tensor(np.array([out[-CONTEXT:]], dtype=np.int64))
        logits = model(idx).numpy()[0, -1] / 0.8
        p = np.exp(logits - logits.max())
        out.append(int(rng.choice(len(p), p=p / p.sum())))
    return out


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two steps and a short sample")
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cpu(seed=0))

    text = zen()
    chars = sorted(set(text))
    code = {c: i for i, c in enumerate(chars)}
    ids = np.array([code[c] for c in text], dtype=np.int64)
    x, y = windows(ids, CONTEXT)
    if args.quick:
        x, y = x[:64], y[:64]

    model = GPT(dyn(len(chars)), dyn(CONTEXT), heads=dyn(4), head_width=dyn(16), depth=2)
    history = sd.train.fit(
        model,
        (x, y),
        loss=next_char_loss,
        optimizer=sd.optim.AdamW(lr=3e-3, weight_decay=0.01),
        epochs=1 if args.quick else args.epochs,
        batch_size=32,
        metrics=["accuracy"],
        callbacks=[sd.train.Warmup(20, then=sd.train.CosineDecay(total=10_000))],
    )
    print(history.sparkline())
    prompt = "Beautiful is"
    written = sample(model, [code[c] for c in prompt], 40 if args.quick else 300)
    result = "".join(chars[i] for i in written)
    print("\n--- sample ---\n" + result)
    return result


if __name__ == "__main__":
    main()
