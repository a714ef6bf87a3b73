"""One bug, one error: where the shape rule refuses an argument, mypy's own `[arg-type]` for it
(in the words of the signature: `Tensor[tuple[Never, Never, Never]]`) is taken back."""

# fmt: off
from __future__ import annotations

import shapedl as sd

sd.nn.Linear(4, 2)(sd.ones(()))  # E: [shape] Linear: shapes () and (2, 4): a scalar input has no axis -1
sd.nn.MultiHeadAttention(4, 2)(sd.randn((3, 4)))  # E: [shape] MultiHeadAttention: shape (3, 4): the query must have rank 3
sd.ops.max_pool2d(sd.ones((1, 3, 8, 8)), (2, 2, 2))  # E: [shape] max_pool2d: shape (1, 3, 8, 8): kernel_size must be an int or 2 ints
sd.ones((3, 4)).argmax(axis=(0, 1))  # E: [shape] argmax: shape (3, 4): axis must be one int or None
