"""Layers and models: `Module` (typed records of parameters) and the layers built on it."""

from shapedl.nn import init
from shapedl.nn.activation import (
    ELU,
    GELU,
    SELU,
    Flatten,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
    Unflatten,
)
from shapedl.nn.attention import MultiHeadAttention
from shapedl.nn.cell import GRUCell, LSTMCell, RNNCell
from shapedl.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from shapedl.nn.dropout import Dropout
from shapedl.nn.embedding import Embedding
from shapedl.nn.linear import Linear
from shapedl.nn.module import Module, Residual, Sequential
from shapedl.nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, RMSNorm
from shapedl.nn.parallel import AddInto, SplitInto
from shapedl.nn.pool import AvgPool2d, MaxPool2d
from shapedl.nn.recurrent import GRU, LSTM, RNN
from shapedl.nn.registry import register_layer
from shapedl.nn.resample import AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample
from shapedl.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "register_layer",
    "GELU",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "AddInto",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "GroupNorm",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "Module",
    "MultiHeadAttention",
    "PReLU",
    "RMSNorm",
    "ReLU",
    "Residual",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "SplitInto",
    "Tanh",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Upsample",
    "init",
    # ---- branch breadth: PyTorch's layers users port
    "ELU",
    "SELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LogSoftmax",
    "LogSigmoid",
    "Mish",
    "Softplus",
    "Softsign",
    "Unflatten",
]
