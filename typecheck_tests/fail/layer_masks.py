"""A mask of the wrong shape given to an attention layer is the layer's error, naming its
argument and how a padding mask is written, in the run time's words."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)

x = sd.randn((2, 3, 8))
keep = sd.tensor([[True, True, False], [True, True, True]])
sd.nn.MultiHeadAttention(8, 2)(x, mask=keep)  # E: [shape] MultiHeadAttention: shapes (2, 3) and (2, 2, 3, 3): mask size 2 at axis -2 does not broadcast to 3; mask must broadcast to the scores (B, H, Tq, Tk); a padding mask keep of shape (B, Tk) is written keep[:, None, None, :], or give key_padding_mask=~keep
sd.nn.TransformerEncoderLayer(8, 2, 16)(x, src_mask=keep)  # E: [shape] TransformerEncoderLayer: shapes (2, 3) and (2, H, 3, 3): src_mask size 2 at axis -2 does not broadcast to 3; src_mask must broadcast to the scores (B, H, Tq, Tk); a padding mask keep of shape (B, Tk) is written keep[:, None, None, :], or give src_key_padding_mask=~keep
sd.nn.MultiHeadAttention(8, 2)(x, key_padding_mask=sd.ones((2, 4)) > 0)  # E: [shape] MultiHeadAttention: shapes (2, 4) and (2, 3, 8): key_padding_mask must be (B, Tk) = (2, 3), one flag per key (True: padding, as PyTorch's)
sd.nn.TransformerDecoderLayer(8, 2, 16)(x, sd.randn((2, 5, 8)), memory_key_padding_mask=~keep)  # E: [shape] TransformerDecoderLayer: shapes (2, 3) and (2, 3, 8) and (2, 5, 8): memory_key_padding_mask must be (B, Tk) = (2, 5)


def encode(
    layer: sd.nn.TransformerEncoderLayer[Const[8]],
    y: Tensor[tuple[B, T, Const[8]]],
    k: Tensor[tuple[B, T], sd.bool_],
) -> None:
    layer(y, src_mask=k)  # E: [shape] TransformerEncoderLayer: shapes (B, T) and (B, H, T, T): src_mask size B at axis -2 does not broadcast to T
