"""`masked_fill` with a 0-d tensor value, as HF's `masked_fill(mask, torch.tensor(finfo.min))`:
x's dtype kept, traced when the value is, the value's gradient (executed too)."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def masked(
    scores: Tensor[tuple[B, T]], keep: Tensor[tuple[B, T], sd.bool_], low: Tensor[tuple[()]]
) -> Tensor[tuple[B, T]]:
    return scores.masked_fill(~keep, low)


scores = sd.randn((2, 5))
keep = scores > 0
low = sd.tensor(-3.0)
filled: Tensor[tuple[Const[2], Const[5]]] = masked(scores, keep, low)
learned: Tensor[tuple[Const[2], Const[5]], sd.f32, Traced] = scores.masked_fill(keep, low.traced())
half: Tensor[tuple[Const[2], Const[5]], sd.f16] = scores.half().masked_fill(keep, low)
grads = learned.sum().backward()
assert float(grads[low].item()) == float(keep.sum().item())


def unknown_scores(q: Tensor, k: Tensor) -> Tensor:
    """Scores of unknown shape and a value of unknown shape (`sd.tensor` of a NumPy scalar):
    the value's 0-d rule made the scores 0-d too, and softmax(axis=-1) an error."""
    import numpy as np

    scores = sd.matmul(q, k.mT)
    scores = scores.masked_fill(scores > 0, sd.tensor(np.finfo(np.float32).min))
    return sd.softmax(scores, axis=-1)


assert unknown_scores(sd.randn((2, 3, 4)), sd.randn((2, 3, 4))).shape == (2, 3, 3)
