"""A small ViT as PyTorch code writes it: a conv patch embedding flattened and transposed, a
class token expanded to the batch (`expand(B, -1, -1)`) and concatenated, a learned position
embedding, encoder layers in a list, the head on the class token."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)
Images = Tensor[tuple[B, Const[3], Const[32], Const[32]], f32, TT]


class ViT(nn.Module):
    def __init__(self, depth: int = 2) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, 64, 8, stride=8)
        self.cls_token = sd.zeros((1, 1, 64))
        self.pos_embed = sd.randn((1, 17, 64)) * 0.02
        self.blocks = [nn.TransformerEncoderLayer(64, 4, dim_feedforward=128) for _ in range(depth)]
        self.norm = nn.LayerNorm(64)
        self.head = nn.Linear(64, 10)

    def forward(self, x: Images[B, TT]) -> Tensor[tuple[B, Const[10]], f32, TT]:
        b = x.shape[0]
        h = self.patch(x).flatten(2).transpose(1, 2)  # (B, 16, 64)
        cls = self.cls_token.expand(b, -1, -1)
        h = sd.concat([cls, h], axis=1) + self.pos_embed
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.norm(h)[:, 0])


vit = ViT()
logits = vit(sd.randn((2, 3, 32, 32)).traced())
grads = sd.losses.cross_entropy_with_logits_loss(logits, sd.tensor([3, 7])).backward()
assert logits.shape == (2, 10) and grads[vit.cls_token].shape == (1, 1, 64)
assert grads[vit.pos_embed].shape == (1, 17, 64)
