"""`einsum` against PyTorch: attention scores and the weighted sum of values,
`"bhtd,bhsd->bhts"` then `"bhts,bhsd->bhtd"`, at GPT-2 small's shape with batch 8 and 128
positions (8, 12, 128, 64); forward (untraced) and forward + backward (traced queries)."""

from __future__ import annotations

import torch

import shapedl as sd
from benchmarks import Bench
from benchmarks.conv import _arrays, _pair


def _sd(q: sd.Tensor, k: sd.Tensor, v: sd.Tensor) -> sd.Tensor:
    scores = sd.ops.einsum("bhtd,bhsd->bhts", q, k) * 0.125
    return sd.ops.einsum("bhts,bhsd->bhtd", scores.softmax(-1), v)


def _torch(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    scores = torch.einsum("bhtd,bhsd->bhts", q, k) * 0.125
    return torch.einsum("bhts,bhsd->bhtd", scores.softmax(-1), v)


def run(bench: Bench) -> None:
    shape = (8, 12, 128, 64)
    _pair(bench, "einsum attention (8,12,128,64)", _arrays(shape, shape, shape), _sd, _torch)
