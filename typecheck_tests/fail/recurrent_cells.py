"""Shape bugs of the RNN and of the cells, as made in a char-RNN loop: letters one-hot in
another width than the cell was built for, a hidden state of another width, an LSTM cell state
of another width, a bidirectional RNN given `num_layers` rows of state, and an unknown
nonlinearity; one error each."""

# fmt: off
from __future__ import annotations

from typing import Final, TypeVar

import shapedl as sd
from shapedl import Const, Size, Tensor, nn

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)
H = TypeVar("H", bound=sd.Dim)

N_LETTERS: Final = 57
N_HIDDEN: Final = 32


def char_rnn(line: Tensor[tuple[B, T, Const[58]]]) -> None:
    cell = nn.RNNCell(N_LETTERS, N_HIDDEN)
    h = sd.zeros((line.shape[0], N_HIDDEN))
    for t in range(line.shape[1]):
        h = cell(line[:, t], h)  # E: [arg-type] Argument 1 to "forward" of "RNNCell" has incompatible type "Tensor[tuple[B, Literal[58]], f32, NoTape]"; expected "Tensor[tuple[B, Literal[57]], f32, NoTape]"


def wrong_state(line: Tensor[tuple[B, T, Const[57]]]) -> None:
    cell = nn.GRUCell(N_LETTERS, N_HIDDEN)
    h = sd.zeros((line.shape[0], 64))
    cell(line[:, 0], h)  # E: [arg-type] Argument 2 to "forward" of "GRUCell" has incompatible type "Tensor[tuple[B, Literal[64]], f32, NoTape]"
    lstm = nn.LSTMCell(N_LETTERS, N_HIDDEN)
    h2, c2 = lstm(line[:, 0])
    lstm(line[:, 1], (h2, h))  # E: [arg-type] Argument 2 to "forward" of "LSTMCell"


def generic(x: Tensor[tuple[B, D]], d: Size[D], h: Size[H]) -> None:
    nn.GRUCell(h, h)(x)  # E: [arg-type] Argument 1 to "forward" of "GRUCell" has incompatible type "Tensor[tuple[B, D], f32, NoTape]"; expected "Tensor[tuple[B, H], f32, NoTape]"
    state = nn.RNNCell(d, h)(x)
    nn.RNNCell(d, d)(x, state)  # E: [arg-type] Argument 2 to "forward" of "RNNCell" has incompatible type "Tensor[tuple[B, H], f32, NoTape]"


def word_model(x: Tensor[tuple[B, T, Const[16]]]) -> None:
    nn.RNN(8, 32)(x)  # E: [arg-type] Argument 1 to "forward" of "RNN" has incompatible type "Tensor[tuple[B, T, Literal[16]], f32, NoTape]"; expected "Tensor[tuple[B, T, Literal[8]], f32, NoTape]"
    both = nn.RNN(16, 32, 2, bidirectional=True)
    both(x, sd.zeros((2, x.shape[0], 32)))  # E: [arg-type] Argument 2 to "forward" of "RNN"
    nn.RNN(16, 32, nonlinearity="gelu")  # E: [call-overload] No overload variant of "RNN" matches argument types
