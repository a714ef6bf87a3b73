# mypy: disallow-any-generics, disallow-untyped-defs
"""A user's model under strict settings: layers annotated bare, sizes from a config object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

import shapedl as sd
from shapedl import Const, Dim, Dyn, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)


@dataclass
class Config:
    channels: int = 16
    kernel: int = 3
    classes: int = 10


class Net(nn.Module):
    conv1: nn.Conv2d
    bn: nn.BatchNorm2d
    conv2: nn.Conv2d
    head: nn.Linear
    drop: nn.Dropout

    def __init__(self, cfg: Config) -> None:
        self.conv1 = nn.Conv2d(1, cfg.channels, cfg.kernel, padding=cfg.kernel // 2)
        self.bn = nn.BatchNorm2d(cfg.channels)
        self.conv2 = nn.Conv2d(cfg.channels, cfg.channels * 2, cfg.kernel, stride=2, padding=1)
        self.head = nn.Linear(cfg.channels * 2 * 2 * 2, cfg.classes)
        self.drop = nn.Dropout(0.1)

    def forward(
        self, x: Tensor[tuple[B, Const[1], Const[8], Const[8]], f32, TT]
    ) -> Tensor[tuple[B, Dyn], f32, TT]:
        h = self.bn(self.conv1(x)).relu()
        h = sd.ops.max_pool2d(h, 2)
        h = self.drop(self.conv2(h).relu().flatten(1))
        return self.head(h)

    __call__ = forward


net = Net(Config())
rng = np.random.default_rng(0)
x = sd.from_numpy(rng.standard_normal((32, 1, 8, 8)).astype(np.float32)).realize((32, 1, 8, 8), sd.f32)
y = sd.from_numpy(rng.integers(0, 10, 32)).realize((32,), sd.i64)
opt = sd.optim.Adam(lr=1e-3)
for _ in range(2):
    logits = net(x.traced())
    loss = sd.losses.cross_entropy_with_logits_loss(logits, y)
    opt.update(net, loss.backward())
accuracy: float = (net(x).argmax(axis=1) == y).astype(sd.f32).mean().item()

class Encoder(nn.Module):
    embed: nn.Embedding
    attn: nn.MultiHeadAttention

    def __init__(self, vocab: int, width: int) -> None:
        self.embed = nn.Embedding(vocab, width)
        self.attn = nn.MultiHeadAttention(width, 2)


encoder = Encoder(10, 8)
tokens = encoder.embed(y.reshape((4, 8)))
assert encoder.attn(tokens).shape == (4, 8, 8)
