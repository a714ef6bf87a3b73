"""A GRU encoder/decoder with teacher forcing, ported from PyTorch's seq2seq tutorial.

The decoder's step embeds untraced tokens inline and feeds a traced hidden state, unpacked as
PyTorch code does (`out, h = self.rnn(self.emb(tok), h)`): the state's tape is the result's.
"""

# fmt: off
from __future__ import annotations

import random
from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, f32, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
TT = TypeVar("TT", bound=Tape)
Hidden = Tensor[tuple[Const[1], B, Const[32]], f32, TT]


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 16)
        self.rnn = nn.GRU(16, 32)

    def forward(self, src: Tensor[tuple[B, T], i64]) -> Hidden[B, sd.NoTape]:
        _, h = self.rnn(self.emb(src))
        return h


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 16)
        self.rnn = nn.GRU(16, 32)
        self.lstm = nn.LSTM(16, 32)
        self.out = nn.Linear(32, 20)

    def forward(
        self, tok: Tensor[tuple[B, Const[1]], i64], h: Hidden[B, TT]
    ) -> tuple[Tensor[tuple[B, Const[20]], f32, TT], Hidden[B, TT]]:
        o, h = self.rnn(self.emb(tok), h)
        return self.out(o[:, 0]), h

    def with_cell(self, tok: Tensor[tuple[B, Const[1]], i64], h: Hidden[B, TT]) -> Hidden[B, TT]:
        _, (h2, _) = self.lstm(self.emb(tok), (h, h))
        return h2


def loss_of(enc: Encoder, dec: Decoder, src: Tensor[tuple[B, T], i64], tgt: Tensor[tuple[B, Const[4]], i64]) -> float:
    h = enc(src).traced()
    tok = tgt[:, :1]
    total = sd.zeros(()).traced()
    for t in range(1, 4):
        logits, h = dec(tok, h)
        total = total + sd.losses.cross_entropy_with_logits_loss(logits, tgt[:, t])
        tok = tgt[:, t : t + 1] if random.random() < 0.5 else logits.argmax(-1, keepdims=True)
    total.backward()
    return float(total.item())


tokens = sd.tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]).realize((2, 5), sd.i64)
target = sd.tensor([[0, 1, 2, 3], [3, 2, 1, 0]]).realize((2, 4), sd.i64)
assert loss_of(Encoder(), Decoder(), tokens, target) > 0
assert Decoder().with_cell(target[:, :1], sd.zeros((1, 2, 32)).traced()).is_traced
