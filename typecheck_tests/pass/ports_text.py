"""A padded-text classifier ported from PyTorch: the features of 2026-11-27 used together.

`Embedding(padding_idx=0)`, a bidirectional LSTM (`2 * H` wide), a mask from `sd.arange`
positions (int64) against the lengths, a masked mean, cross-entropy with class weights and
`ignore_index`, then a bidirectional GRU tagger; no error, and it runs.
"""

# fmt: off
from __future__ import annotations

from typing import Final, Generic, TypeVar, assert_type

import numpy as np

import shapedl as sd
from shapedl import Const, Dim, Mul, Size, Tape, Tensor, Traced, f32, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
D = TypeVar("D", bound=Dim)
H = TypeVar("H", bound=Dim)
C = TypeVar("C", bound=Dim)
TT = TypeVar("TT", bound=Tape)

VOCAB: Final = 50
CLASSES: Final = 4


class Classifier(nn.Module):
    def __init__(self) -> None:
        self.embed = nn.Embedding(VOCAB, 16, padding_idx=0)
        self.lstm = nn.LSTM(16, 12, num_layers=2, bidirectional=True)
        self.head = nn.Linear(2 * 12, CLASSES)

    def forward(
        self, tokens: Tensor[tuple[B, T], i64, TT], lengths: Tensor[tuple[B], i64]
    ) -> Tensor[tuple[B, Const[4]], f32, TT]:
        b, t = tokens.shape
        out, (h, _) = self.lstm(self.embed(tokens))
        assert_type(out, Tensor[tuple[B, T, Const[24]], f32, TT])
        assert_type(h, Tensor[tuple[Const[4], B, Const[12]], f32, TT])
        positions = sd.arange(t)
        assert_type(positions, Tensor[tuple[T], i64])
        keep = (positions.reshape(1, -1) < lengths.reshape(-1, 1)).astype(sd.f32).unsqueeze(-1)
        mean = (out * keep).sum(axis=1) / lengths.astype(sd.f32).reshape(b, 1)
        assert_type(mean, Tensor[tuple[B, Const[24]], f32, TT])
        return self.head(mean)


def step(model: Classifier, tokens: Tensor[tuple[B, T], i64], lengths: Tensor[tuple[B], i64],
         labels: Tensor[tuple[B], i64]) -> Tensor[tuple[()], f32, Traced]:
    weight = sd.tensor([1.0, 2.0, 0.5, 1.5]).realize((CLASSES,))
    logits = model(tokens.traced(), lengths)
    loss = sd.losses.cross_entropy_with_logits_loss(logits, labels, weight=weight, ignore_index=-100)
    assert_type(loss, Tensor[tuple[()], f32, Traced])
    return loss


class Tagger(nn.Module, Generic[D, H, C]):
    """Any sizes: the output is `Mul[2, H]` wide, the last layer's two directions side by side."""

    def __init__(self, d: Size[D], h: Size[H], c: Size[C]) -> None:
        self.rnn = nn.GRU(d, h, num_layers=2, bidirectional=True)
        self.out = nn.Linear(2 * h, c)

    def forward(self, x: Tensor[tuple[B, T, D], f32, TT]) -> Tensor[tuple[B, T, C], f32, TT]:
        y, h_n = self.rnn(x)
        assert_type(y, Tensor[tuple[B, T, Mul[Const[2], H]], f32, TT])
        last = sd.concat([h_n[-2], h_n[-1]], axis=-1)
        assert_type(last, Tensor[tuple[B, Mul[Const[2], H]], f32, TT])
        return self.out(y)


sd.set_default_device(sd.Cpu(seed=0))
model = Classifier()
rows = np.zeros((3, 6), dtype=np.int64)
rows[0, :4], rows[1, :6], rows[2, :1] = [3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [9]
tokens = sd.tensor(rows).realize((3, 6))
lengths = sd.tensor(np.array([4, 6, 1])).realize((3,))
labels = sd.tensor(np.array([0, -100, 3])).realize((3,))
grads = step(model, tokens, lengths, labels).backward()
assert np.all(grads[model.embed.weight].numpy()[0] == 0)  # the padding row learns nothing
sd.optim.Adam(lr=1e-2).update(model, grads)
tagged = Tagger(Size(5), Size(7), Size(3))(sd.randn((2, 4, 5)))
assert tagged.shape == (2, 4, 3)
