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
    ReLU6,
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
from shapedl.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from shapedl.nn.dropout import Dropout, Dropout2d
from shapedl.nn.embedding import Embedding
from shapedl.nn.linear import Linear
from shapedl.nn.module import Module, Residual, Sequential
from shapedl.nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, RMSNorm
from shapedl.nn.parallel import AddInto, SplitInto
from shapedl.nn.pool import (
    AdaptiveAvgPool1d,
    AdaptiveMaxPool1d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from shapedl.nn.recurrent import GRU, LSTM, RNN
from shapedl.nn.registry import register_layer
from shapedl.nn.resample import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad2d,
    ReplicationPad2d,
    Upsample,
    ZeroPad2d,
)
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
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AddInto",
    "AvgPool1d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "GroupNorm",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MaxPool1d",
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
    # ---- vision breadth: PyTorch's layers of MobileNets, U-Nets and super-resolution
    "Dropout2d",
    "PixelShuffle",
    "PixelUnshuffle",
    "ReLU6",
    "ReflectionPad2d",
    "ReplicationPad2d",
    "ZeroPad2d",
]
