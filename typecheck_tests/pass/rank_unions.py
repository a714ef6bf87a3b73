"""A tensor whose type is a union of ranks (a mask given as `(B, T)` or `(B, T, T)`, as
HF's `get_extended_attention_mask` takes it) is narrowed by a test of its rank, in every
spelling: `mask.ndim == 2` narrows it as mypy narrows a tagged union, and `mask.dim() == 3`
(PyTorch's) leaves out the members of another rank in that branch."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, f32, i64

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
H = TypeVar("H", bound=Dim)


def extended(
    mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64],
) -> Tensor[tuple[B, Any, Any, T], f32]:
    if mask.dim() == 3:
        ext = mask[:, None, :, :]
    elif mask.dim() == 2:
        ext = mask[:, None, None, :]
    else:
        raise ValueError(f"a mask of shape {mask.shape}")
    return (1.0 - ext.float()) * -10000.0


def apply(
    scores: Tensor[tuple[B, H, T, T], f32],
    mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64],
) -> Tensor[tuple[B, H, T, T], f32]:
    if mask.ndim == 2:
        ext = mask[:, None, None, :]
    else:
        ext = mask[:, None, :, :]
    return scores.masked_fill(ext == 0, -1e4)


s = sd.randn((2, 2, 3, 3))
for m in (sd.ones((2, 3), dtype=sd.i64), sd.ones((2, 3, 3), dtype=sd.i64)):
    assert apply(s, m).shape == (2, 2, 3, 3) and extended(m).shape[-1] == 3


def add_batch(x: Tensor[tuple[B, T], f32]) -> Tensor[tuple[Any, B, T], f32]:
    if x.dim() == 2:
        x = x.unsqueeze(0)
        y = x.sum(axis=2)
        assert y.shape[0] == 1
    return x


assert add_batch(sd.randn((2, 3))).shape == (1, 2, 3)
