"""`==`/`!=` are elementwise (typed bool tensors), `.item()` follows the dtype, `sd.cat` et al."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((2, 3, 4))
v = sd.ones((4,))
reveal_type(x == v)  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], bool_, NoTape]
reveal_type(x != 0)  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], bool_, NoTape]
_ = x == sd.ones((3,))  # E: [shape] eq: shapes (2, 3, 4) and (3,): cannot broadcast 4 against 3 at axis -1
_ = x != sd.ones((3,))  # E: [shape] ne: shapes (2, 3, 4) and (3,): cannot broadcast 4 against 3 at axis -1
reveal_type(x.sum().item())  # R: float
reveal_type(x.astype(sd.i64).sum().item())  # R: int
reveal_type((x.sum() > 0).item())  # R: bool
reveal_type(sd.cat([x, x], axis=2))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[8]], f32, NoTape]
reveal_type(sd.concat([x, x], axis=0))  # R: Tensor[tuple[Literal[4], Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.stack([v, v]))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(sd.where(x > 0, x, v))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
_ = sd.cat([x, v], axis=0)  # E: [shape] concat
