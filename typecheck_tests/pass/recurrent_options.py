"""The recurrent layers and cells as a port writes them: options read from a config typed as
PyTorch types them (`nonlinearity: str`, `batch_first: bool`, `reduction: str`), PyTorch's
per-layer parameter names in an `init_weights` (`weight_hh_l0`, `bias_ih_l1_reverse`), and
cells stepped on a batch and on one row. No error, and it runs.
"""

# fmt: off
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)


@dataclass
class Config:
    nonlinearity: str = "relu"
    batch_first: bool = True
    bidirectional: bool = True
    layers: int = 2
    reduction: str = "sum"


cfg = Config()

# ---- options from the config --------------------------------------------------------------
rnn = nn.RNN(3, 4, cfg.layers, nonlinearity=cfg.nonlinearity, batch_first=cfg.batch_first)
cell = nn.RNNCell(3, 4, nonlinearity=cfg.nonlinearity)
lstm = nn.LSTM(3, 4, cfg.layers, batch_first=cfg.batch_first, bidirectional=cfg.bidirectional)
gru = nn.GRU(3, 4, 2, True, cfg.batch_first, 0.0, cfg.bidirectional)
x = sd.randn((2, 5, 3))
out, h_n = rnn(x)
assert out.shape == (2, 5, 4) and h_n.shape == (2, 2, 4) and rnn.nonlinearity == "relu"
assert cell(x[:, 0]).shape == (2, 4)
assert lstm(x)[0].shape == (2, 5, 8) and gru(x)[1].shape == (4, 2, 4)
loss = sd.losses.huber_loss(out, sd.zeros((2, 5, 4)), reduction=cfg.reduction)
assert loss.shape == ()
assert sd.losses.mse_loss(out, sd.zeros((2, 5, 4)), cfg.reduction).shape == ()
logits, labels = sd.randn((2, 5)), sd.tensor([1, 4])
assert sd.losses.cross_entropy_with_logits_loss(logits, labels, reduction="none").shape == (2,)
assert sd.losses.nll_loss(logits, labels, reduction=cfg.reduction).shape == ()


# ---- PyTorch's parameter names ------------------------------------------------------------
class Encoder(nn.Module):
    def __init__(self) -> None:
        self.lstm = nn.LSTM(3, 8, 2, bidirectional=True)

    def init_weights(self) -> None:
        """The usual LSTM init: orthogonal recurrent weights, Xavier input weights, biases of
        zeros and ones."""
        nn.init.orthogonal_(self.lstm.weight_hh_l0)
        nn.init.orthogonal_(self.lstm.weight_hh_l1_reverse)
        nn.init.xavier_uniform_(self.lstm.weight_ih_l1)
        nn.init.zeros_(self.lstm.bias_ih_l0)
        nn.init.constant_(self.lstm.bias_hh_l0, 1.0)


encoder = Encoder()
encoder.init_weights()
assert encoder.lstm.weight_ih_l1_reverse.shape == (32, 16)
assert encoder.lstm.bias_hh_l0.tolist() == [1.0] * 32 and encoder.lstm.bias_ih_l0.sum().item() == 0
assert nn.GRU(4, 8).bias_hh_l0.shape == (24,) and nn.RNN(4, 8).weight_ih_l0.shape == (8, 4)


# ---- a cell on a batch, and on one row ----------------------------------------------------
def step(cell: nn.GRUCell[Const[3], Const[4]], x: Tensor[tuple[B, Const[3]]]) -> Tensor[tuple[B, Const[4]]]:
    return cell(x, cell(x))


gru_cell, lstm_cell = nn.GRUCell(3, 4), nn.LSTMCell(3, 4)
assert_type(gru_cell(x[0, 0]), Tensor[tuple[Const[4]], f32])
assert_type(gru_cell(x[:, 0], sd.zeros((2, 4))), Tensor[tuple[Const[2], Const[4]], f32])
h, c = lstm_cell(x[0, 0], (sd.zeros((4,)), sd.zeros((4,))))
assert_type(c, Tensor[tuple[Const[4]], f32])
assert step(gru_cell, x[:, 1]).shape == (2, 4) and h.shape == (4,)
