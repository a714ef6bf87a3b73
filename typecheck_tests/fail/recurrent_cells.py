"""Shape bugs of the RNN and of the cells, as made in a char-RNN loop: letters one-hot in
another width than the cell was built for, a hidden state of another width, an LSTM cell state
of another width, a whole `(B, T, In)` sequence given to a cell, a batch of inputs with the
state of one row, a bidirectional RNN given `num_layers` rows of state, and options the layers
do not take (an unknown nonlinearity, `batch_first=False`, `proj_size`); one error each."""

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
        h = cell(line[:, t], h)  # E: [shape] RNNCell: shapes (B, 58) and (32, 57): input width 58 at axis -1 differs from input_size 57


def wrong_state(line: Tensor[tuple[B, T, Const[57]]]) -> None:
    cell = nn.GRUCell(N_LETTERS, N_HIDDEN)
    h = sd.zeros((line.shape[0], 64))
    cell(line[:, 0], h)  # E: [arg-type] Argument 2 has incompatible type "Tensor[tuple[B, Literal[64]], f32, NoTape]"
    lstm = nn.LSTMCell(N_LETTERS, N_HIDDEN)
    h2, c2 = lstm(line[:, 0])
    lstm(line[:, 1], (h2, h))  # E: [arg-type] Argument 2 has incompatible type "tuple[Tensor[tuple[B, Literal[32]], f32, NoTape], Tensor[tuple[B, Literal[64]], f32, NoTape]]"


def whole_sequence(line: Tensor[tuple[B, T, Const[57]]]) -> None:
    # NOTE: a cell takes one step, `(B, In)` or `(In,)`: its type held no rank
    nn.GRUCell(N_LETTERS, N_HIDDEN)(line)  # E: [arg-type] Argument 1 has incompatible type "Tensor[tuple[B, T, Literal[57]], f32, NoTape]"
    nn.LSTMCell(N_LETTERS, N_HIDDEN)(line)  # E: [arg-type] Argument 1 has incompatible type "Tensor[tuple[B, T, Literal[57]], f32, NoTape]"
    nn.RNNCell(N_LETTERS, N_HIDDEN)(line[:, 0], sd.zeros((N_HIDDEN,)))  # E: [arg-type] Argument 2 has incompatible type "Tensor[tuple[Literal[32]], f32, NoTape]"


def generic(x: Tensor[tuple[B, D]], d: Size[D], h: Size[H]) -> None:
    nn.GRUCell(h, h)(x)  # E: [shape] GRUCell: shapes (B, D) and (3*H, H): input width D at axis -1 differs from input_size H
    state = nn.RNNCell(d, h)(x)
    nn.RNNCell(d, d)(x, state)  # E: [arg-type] Argument 2 has incompatible type "Tensor[tuple[B, H], f32, NoTape]"


def word_model(x: Tensor[tuple[B, T, Const[16]]]) -> None:
    nn.RNN(8, 32)(x)  # E: [shape] RNN: shapes (B, T, 16) and (32, 8): input width 16 at axis -1 differs from input_size 8
    both = nn.RNN(16, 32, 2, bidirectional=True)
    both(x, sd.zeros((2, x.shape[0], 32)))  # E: [arg-type] Argument 2 to "forward" of "RNN"
    nn.RNN(16, 32, nonlinearity="gelu")  # E: [shape] RNN: unknown nonlinearity 'gelu'; select from 'tanh' or 'relu'
    nn.RNNCell(16, 32, nonlinearity="Tanh")  # E: [shape] RNNCell: unknown nonlinearity 'Tanh'; select from 'tanh' or 'relu'
    nn.GRU(16, 32, batch_first=False)  # E: [shape] GRU: only batch_first=True, (B, T, input_size) inputs
    nn.LSTM(16, 32, proj_size=8)  # E: [shape] LSTM: proj_size=8 is not supported (PyTorch's LSTM with projections); only proj_size=0
