"""PyTorch's char-RNN tutorials and word language model, ported: a name classifier that steps
an `RNNCell` over the letters, a name generator that steps an `LSTMCell` and feeds it its own
guesses, a `GRUCell` over one unbatched name, and a word model on a stacked `RNN`; the sizes
in variables, as the tutorials keep them. No error, and it runs.
"""

# fmt: off
from __future__ import annotations

from typing import Final, Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Size, Tape, Tensor, Traced, f32, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
V = TypeVar("V", bound=Dim)
H = TypeVar("H", bound=Dim)
TT = TypeVar("TT", bound=Tape)

N_LETTERS: Final = 57
N_HIDDEN: Final = 32
N_CATEGORIES: Final = 18
N_TOKENS: Final = 100


class NameClassifier(nn.Module):
    """The classification tutorial's RNN: one letter after the other, the last `h` read out."""

    def __init__(self) -> None:
        self.cell = nn.RNNCell(N_LETTERS, N_HIDDEN)
        self.h2o = nn.Linear(N_HIDDEN, N_CATEGORIES)

    def forward(self, line: Tensor[tuple[B, T, Const[57]], f32, TT]) -> Tensor[tuple[B, Const[18]], f32, TT]:
        h = self.cell(line[:, 0])
        for t in range(1, line.shape[1]):
            h = self.cell(line[:, t], h)
        assert_type(h, Tensor[tuple[B, Const[32]], f32, TT])
        return sd.ops.log_softmax(self.h2o(h), axis=1)


class NameGenerator(nn.Module, Generic[V, H]):
    """The generation tutorial's loop with an LSTM cell, for any alphabet `V` and width `H`."""

    def __init__(self, n_letters: Size[V], n_hidden: Size[H]) -> None:
        self.n_hidden = n_hidden
        self.cell = nn.LSTMCell(n_letters, n_hidden)
        self.out = nn.Linear(n_hidden, n_letters)

    def forward(self, first: Tensor[tuple[B, V]], steps: int) -> Tensor[tuple[B, V], f32, Traced]:
        h = c = sd.zeros((first.shape[0], self.n_hidden)).traced()
        x = first.traced()
        for _ in range(steps):
            h, c = self.cell(x, (h, c))
            assert_type(c, Tensor[tuple[B, H], f32, Traced])
            x = sd.softmax(self.out(h), axis=-1)
        return x


def read_one_name(cell: nn.GRUCell[V, H], letters: Tensor[tuple[T, V]], n_hidden: Size[H]) -> Tensor[tuple[H]]:
    """Unbatched, as PyTorch's cells take it too: `(V,)` letters, a `(H,)` state."""
    h = sd.zeros((n_hidden,))
    for t in range(letters.shape[0]):
        h = cell(letters[t], h)
    return h


class WordModel(nn.Module):
    """The word language model's `RNN_RELU`: embed, two layers, decode."""

    def __init__(self) -> None:
        self.encoder = nn.Embedding(N_TOKENS, 16)
        self.rnn = nn.RNN(16, N_HIDDEN, 2, nonlinearity="relu", dropout=0.2)
        self.decoder = nn.Linear(N_HIDDEN, N_TOKENS)

    def forward(
        self, tokens: Tensor[tuple[B, T], i64], hidden: Tensor[tuple[Const[2], B, Const[32]], f32, Traced]
    ) -> tuple[Tensor[tuple[B, T, Const[100]], f32, Traced], Tensor[tuple[Const[2], B, Const[32]], f32, Traced]]:
        out, h_n = self.rnn(self.encoder(tokens).traced(), hidden)
        return self.decoder(out), h_n


def word_model(x: Tensor[tuple[B, T, Const[16]]]) -> Tensor[tuple[Const[2], B, Const[8]]]:
    rnn = nn.RNN(16, 8, bidirectional=True)
    out, h_n = rnn(x)
    assert_type(out, Tensor[tuple[B, T, Const[16]]])
    again, h_2 = rnn(x, h_n)
    return h_2


sd.set_default_device(sd.Cpu(seed=0))
names = sd.randn((4, 6, N_LETTERS))
scores = NameClassifier()(names.traced())
assert_type(scores, Tensor[tuple[Const[4], Const[18]], f32, Traced])
assert scores.shape == (4, 18)
scores.sum().backward()
n_letters, n_hidden = names.shape[2], 16
generator = NameGenerator(n_letters, sd.Size(n_hidden))
guess = generator(names[:, 0], steps=3)
assert guess.shape == (4, 57)
eight: Size[Const[8]] = sd.Size(8)
gru = nn.GRUCell(N_LETTERS, eight)
assert_type(gru, nn.GRUCell[Const[57], Const[8]])
assert_type(gru(names[0, 0]), Tensor[tuple[Const[8]]])
assert read_one_name(gru, names[0], eight).shape == (8,)
assert word_model(sd.ones((3, 5, 16))).shape == (2, 3, 8)
lm, hidden = WordModel(), sd.zeros((2, 3, N_HIDDEN)).traced()
batches = sd.tensor([[1, 2, 3, 4, 5]] * 3).realize((3, 5), sd.i64)
for _ in range(2):
    logits, hidden = lm(batches, hidden)
    hidden = hidden.detach().traced()  # the tutorial's repackage_hidden
    assert_type(logits, Tensor[tuple[Const[3], Const[5], Const[100]], f32, Traced])
    sd.losses.cross_entropy_with_logits_loss(logits.reshape(-1, N_TOKENS), batches.reshape(-1)).backward()
