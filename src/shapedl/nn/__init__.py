"""Layers and models: `Module` (typed records of parameters) and the layers built on it."""

from shapedl.nn import init
from shapedl.nn.activation import GELU, Flatten, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh
from shapedl.nn.attention import MultiHeadAttention
from shapedl.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from shapedl.nn.dropout import Dropout
from shapedl.nn.embedding import Embedding
from shapedl.nn.linear import Linear
from shapedl.nn.module import Module, Residual, Sequential
from shapedl.nn.norm import BatchNorm1d, BatchNorm2d, LayerNorm
from shapedl.nn.pool import AvgPool2d, MaxPool2d
from shapedl.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "GELU",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "Module",
    "MultiHeadAttention",
    "ReLU",
    "Residual",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "init",
]
