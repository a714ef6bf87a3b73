"""PyTorch's layers users port: exact types from their registrations."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

k = len([1, 2])
x = sd.randn((2, 12))
reveal_type(sd.nn.Unflatten(1, (3, 4)))  # R: Unflatten[Literal[1], tuple[Literal[3], Literal[4]]]
reveal_type(sd.nn.Unflatten(1, (3, 4))(x))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.nn.Unflatten(1, (k, 4))(x))  # R: Tensor[tuple[Literal[2], Any, Literal[4]], f32, NoTape]
reveal_type(sd.nn.Unflatten(k, (3, 4))(x))  # R: Tensor[Any, f32, NoTape]
reveal_type(sd.nn.Hardtanh()(x.traced()))  # R: Tensor[tuple[Literal[2], Literal[12]], f32, Traced]
reveal_type(sd.nn.Embedding.from_pretrained(sd.randn((10, 4))))  # R: Embedding[Literal[10], Literal[4]]
