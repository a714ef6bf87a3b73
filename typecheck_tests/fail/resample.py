"""Adaptive pools need 3-d or 4-d inputs and positive sizes; interpolate needs exactly one of
size and scale_factor, and a rank its mode handles."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.randn((2, 3, 7, 5))
sd.ops.adaptive_avg_pool2d(sd.ones((7, 5)), 1)  # E: [shape] adaptive_avg_pool2d: shape (7, 5): needs (N, C, H, W) or (C, H, W), not rank 2  # op: adaptive_avg_pool2d
sd.ops.adaptive_max_pool2d(x, (0, 2))  # E: [shape] adaptive_max_pool2d: shape (2, 3, 7, 5): output_size (0, 2) must be positive sizes  # op: adaptive_max_pool2d
sd.ops.interpolate(x)  # E: [shape] interpolate: shape (2, 3, 7, 5): give exactly one of size and scale_factor  # op: interpolate
sd.ops.interpolate(sd.ones((1, 2, 5)), 9, mode="bilinear")  # E: [shape] interpolate: shape (1, 2, 5): mode 'bilinear' needs a 4-d input, not rank 3
sd.ops.interpolate(x, (4, 5, 6))  # E: [shape] interpolate: shape (2, 3, 7, 5): size (4, 5, 6) has 3 sizes for 2 spatial axes
sd.ops.interpolate(x, scale_factor=0.1)  # E: [shape] interpolate: shape (2, 3, 7, 5): scale_factor 0.1 gives size 0 at axis 2; every output size must be at least 1
