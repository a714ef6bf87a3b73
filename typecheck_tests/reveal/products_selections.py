"""Products of fixed ranks, fmod, nansum/nanmean, nonzero and masked_select: the shape each
gives (`Any`, that is `Dyn`, for a size the data decides), dtypes and tapes as the runtime's."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((2, 3))
reveal_type(sd.mm(x, sd.ones((3, 4))))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(x.traced().mm(sd.ones((3, 1))))  # R: Tensor[tuple[Literal[2], Literal[1]], f32, Traced]
reveal_type(sd.bmm(sd.ones((5, 2, 3)), sd.ones((5, 3, 4)).traced()))  # R: Tensor[tuple[Literal[5], Literal[2], Literal[4]], f32, Traced]
reveal_type(x.mv(sd.ones((3,))))  # R: Tensor[tuple[Literal[2]], f32, NoTape]
reveal_type(sd.dot(sd.arange(3), sd.arange(3)))  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(sd.fmod(x.traced(), sd.ones((3,))))  # R: Tensor[tuple[Literal[2], Literal[3]], f32, Traced]
reveal_type(sd.arange(3).fmod(2))  # R: Tensor[tuple[Literal[3]], i64, NoTape]
reveal_type(sd.nansum(x.traced(), axis=0))  # R: Tensor[tuple[Literal[3]], f32, Traced]
reveal_type(x.nanmean(axis=-1, keepdims=True))  # R: Tensor[tuple[Literal[2], Literal[1]], f32, NoTape]
reveal_type(sd.arange(3).astype(sd.i32).nansum())  # R: Tensor[tuple[()], i64, NoTape]
reveal_type(sd.arange(3).nanmean())  # R: Tensor[tuple[()], f64, NoTape]
reveal_type(sd.nonzero(x))  # R: Tensor[tuple[Any, Literal[2]], i64, NoTape]
reveal_type(x.traced().argwhere())  # R: Tensor[tuple[Any, Literal[2]], i64, NoTape]
reveal_type(sd.masked_select(x.traced(), x > 0))  # R: Tensor[tuple[Any], f32, Traced]
reveal_type(x.masked_select(sd.ones((3,)) > 0))  # R: Tensor[tuple[Any], f32, NoTape]
