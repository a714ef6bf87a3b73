"""Resampling against PyTorch: `interpolate` (nearest and bilinear, 2x up) and
`adaptive_avg_pool2d` (to 7x7, as before a classifier head), on (16, 32, 56, 56); each forward
(untraced) and forward + backward (traced input, loss `sum`)."""

from __future__ import annotations

import torch.nn.functional as F

import shapedl as sd
from benchmarks import Bench
from benchmarks.conv import _arrays, _pair


def run(bench: Bench) -> None:
    x = _arrays((16, 32, 56, 56))
    _pair(
        bench,
        "interpolate nearest x2 (16,32,56,56)",
        x,
        lambda v: sd.ops.interpolate(v, scale_factor=2),
        lambda t: F.interpolate(t, scale_factor=2),
    )
    _pair(
        bench,
        "interpolate bilinear x2 (16,32,56,56)",
        x,
        lambda v: sd.ops.interpolate(v, scale_factor=2, mode="bilinear"),
        lambda t: F.interpolate(t, scale_factor=2, mode="bilinear"),
    )
    _pair(
        bench,
        "adaptive_avg_pool2d 7x7 (16,32,56,56)",
        x,
        lambda v: sd.ops.adaptive_avg_pool2d(v, 7),
        lambda t: F.adaptive_avg_pool2d(t, 7),
    )
