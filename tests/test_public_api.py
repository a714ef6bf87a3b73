"""The top level holds the functions users look for there (`torch.cat`, `np.where`)."""

import inspect

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.nn.registry import LAYERS

# shapedl's name, the sd.ops function it must be, and what PyTorch computes for it
TOP = {
    "concat": lambda f, a, b: (f([a, b], axis=1), torch.cat),
    "cat": lambda f, a, b: (f([a, b], axis=1), torch.cat),
    "stack": lambda f, a, b: (f([a, b], axis=0), torch.stack),
    "where": lambda f, a, b: (f(a > 0, a, b), torch.where),
    "maximum": lambda f, a, b: (f(a, b), torch.maximum),
    "minimum": lambda f, a, b: (f(a, b), torch.minimum),
}
WANT = {
    "concat": lambda a, b: torch.cat([a, b], dim=1),
    "cat": lambda a, b: torch.cat([a, b], dim=1),
    "stack": lambda a, b: torch.stack([a, b], dim=0),
    "where": lambda a, b: torch.where(a > 0, a, b),
    "maximum": torch.maximum,
    "minimum": torch.minimum,
}


@pytest.mark.parametrize("name", TOP)
def test_top_level_functions_compute_like_torch(name):
    a = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    b = np.random.default_rng(1).standard_normal((2, 3)).astype("float32")
    got, _ = TOP[name](getattr(sd, name), sd.from_numpy(a), sd.from_numpy(b))
    np.testing.assert_array_equal(got.numpy(), WANT[name](torch.from_numpy(a), torch.from_numpy(b)))


OPS = [
    "concat",
    "stack",
    "split",
    "chunk",
    "where",
    "matmul",
    "maximum",
    "minimum",
    "exp",
    "log",
    "sqrt",
    "abs",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "clamp",
    "softmax",
    "log_softmax",
    "reshape",
    "flatten",
    "permute",
    "transpose",
    "squeeze",
    "unsqueeze",
    "broadcast_to",
    "tril",
    "triu",
    "masked_fill",
    "pad",
    "gather",
    "sum",
    "mean",
    "argmax",
    "argmin",
    # issue 11: names NumPy or PyTorch has at the top level
    "einsum",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "flip",
    "repeat",
    "roll",
    "tile",
    "cumprod",
    "cumsum",
    "scatter_add",
    "argsort",
    "sort",
    "topk",
    # branch ops: names PyTorch has at the top level
    *["log1p", "expm1", "erf", "rsqrt", "log2", "log10", "sinh", "cosh", "asin", "acos"],
    *["atan", "atan2", "floor", "ceil", "trunc", "sign", "isnan", "isinf", "isfinite"],
    *["nan_to_num", "prod", "count_nonzero", "outer", "clone", "zeros_like", "ones_like"],
    *["full_like", "randn_like", "rand_like", "randint", "linspace", "multinomial", "round"],
    # branch breadth: PyTorch's names users port
    *["amax", "amin", "clamp_min", "clamp_max", "diff", "lerp", "logaddexp", "narrow"],
    *["repeat_interleave", "unbind"],
    # more of PyTorch's names: axes moved, diagonals, closeness, grids, draws, selections
    *["movedim", "moveaxis", "swapaxes", "swapdims", "diagonal", "diag", "trace"],
    *["isclose", "allclose", "meshgrid", "randperm", "tan"],
    # products of fixed ranks, C's remainder, sums over what is not nan, selections
    *["mm", "bmm", "mv", "dot", "fmod", "nansum", "nanmean", "nonzero", "argwhere"],
    *["masked_select"],
]


@pytest.mark.parametrize("name", OPS)
def test_top_level_functions_are_the_ops_themselves(name):
    assert getattr(sd, name) is getattr(sd.ops, name)
    # `from shapedl import *` must not replace Python's builtins
    assert (name in sd.__all__) is (name not in {"abs", "sum", "round"})
    assert sd.cat is sd.ops.concat


# PyTorch's recurrent layers and cells: in `sd.nn`, registered for the plugin, and taking
# PyTorch's arguments in PyTorch's order
RECURRENT = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]


@pytest.mark.parametrize("name", RECURRENT)
def test_recurrent_layers_are_public_registered_and_ordered_as_torch(name):
    cls = getattr(sd.nn, name)
    assert name in sd.nn.__all__
    assert LAYERS[f"{cls.__module__}.{cls.__qualname__}"].cls is cls
    ours = [p for p in inspect.signature(cls).parameters if p != "device"]
    theirs = list(inspect.signature(getattr(torch.nn, name)).parameters)
    if name in ("RNN", "GRU", "LSTM"):  # NOTE: torch's take `*args, **kwargs`; its order:
        theirs = ["input_size", "hidden_size", "num_layers", "nonlinearity", "bias"]
        theirs += ["batch_first", "dropout", "bidirectional", "proj_size"]
        theirs = [p for p in theirs if p != "nonlinearity" or name == "RNN"]
        theirs = [p for p in theirs if p != "proj_size" or name == "LSTM"]
    assert ours == [p for p in theirs if p not in ("device", "dtype")]
