"""Each op's shape rule predicts the run-time shape, for every op in `REGISTRY`.

`CASES` holds sample calls of every registered op (keyword arguments of its public function).
For each, the public function runs, and the registered rule is called the way the mypy plugin
calls it (`spec.rule(spec.name, **shapes_and_statics)`, a tensor as its shape, `None` as
`None`); the two shapes must agree. An op registered without an entry here fails the test.

The same rule is then called on symbols: every size above 1 in the first case becomes a
symbol (equal sizes the same symbol), and the symbolic result, evaluated back at the sizes,
must be the run-time shape (a `Dyn` dim agrees with anything). A few key ops also have the
exact symbolic result written out.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl import dims
from shapedl.dims import DYN, sym
from shapedl.errors import NotStatic
from shapedl.ops import REGISTRY, OpSpec
from shapedl.ops.index import IndexArray

_RNG = np.random.default_rng(0)


def T(*shape: int, dtype: str = "float32") -> sd.Tensor[Any, Any, Any]:
    """A tensor of `shape` with values in (0.5, 1.5), safe for log, sqrt and division."""
    return sd.from_numpy(_RNG.uniform(0.5, 1.5, shape).astype(dtype))


def I(*shape: int, high: int = 2) -> sd.Tensor[Any, Any, Any]:  # noqa: E743
    """An integer index tensor of `shape` with values in [0, high)."""
    return sd.from_numpy(_RNG.integers(0, high, shape).astype("int64"))


def M(*shape: int) -> sd.Tensor[Any, Any, Any]:
    """A boolean mask of `shape`."""
    return sd.from_numpy(_RNG.integers(0, 2, shape).astype(bool))


def _unary(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"x": T(2, 3)}, {"x": T(4)}, {"x": T()}, *extra]


def _binary() -> list[dict[str, Any]]:
    return [
        {"a": T(2, 3), "b": T(2, 3)},
        {"a": T(4, 1, 3), "b": T(5, 1)},
        {"a": T(3), "b": 2.0},
        {"a": 2.0, "b": T(2, 3)},
    ]


def _compare() -> list[dict[str, Any]]:
    return [{"a": T(2, 3), "b": T(3)}, {"a": T(4, 1), "b": 0.5}, {"a": T(), "b": T(2, 2)}]


def _reduce(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"x": T(2, 3, 4), "axis": 1},
        {"x": T(2, 3, 4)},
        {"x": T(2, 3, 4), "axis": (0, -1), "keepdims": True},
        {"x": T(5), "axis": -1, "keepdims": False},
        *extra,
    ]


def _conv2d_cases() -> list[dict[str, Any]]:
    return [
        {"x": T(2, 3, 9, 8), "weight": T(4, 3, 3, 3), "bias": T(4), "stride": 2, "padding": 1},
        {"x": T(1, 4, 7, 7), "weight": T(6, 2, 3, 2), "groups": 2, "dilation": (2, 1)},
        {"x": T(2, 3, 5, 5), "weight": T(4, 3, 3, 3), "padding": "same"},
    ]


def _pool() -> list[dict[str, Any]]:
    return [
        {"x": T(2, 3, 8, 6), "kernel_size": 2},
        {"x": T(1, 2, 7, 7), "kernel_size": 3, "stride": 2, "padding": 1},
        {"x": T(1, 1, 5, 9), "kernel_size": (2, 3), "stride": (1, 2)},
        {"x": T(1, 2, 7, 8), "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"x": T(1, 2, 7, 7), "kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True},
    ]


def _pointwise_loss(first: str = "input") -> list[dict[str, Any]]:
    return [
        {first: T(4, 3), "target": T(4, 3)},
        {first: T(4, 3), "target": T(4, 3), "reduction": "none"},
        {first: T(5), "target": T(5), "reduction": "sum"},
    ]


CASES: dict[str, list[dict[str, Any]]] = {
    **{
        op: _unary()
        for op in [
            "neg",
            "abs",
            "exp",
            "log",
            "sqrt",
            "square",
            "sin",
            "cos",
            "tanh",
            "sigmoid",
            "relu",
            "gelu",
            "silu",
            "softplus",
            "reciprocal",
        ]
    },  # fmt: skip
    "leaky_relu": _unary({"x": T(2, 3), "slope": 0.2}),
    "clamp": _unary({"x": T(3, 2), "min": 0.7, "max": 1.2}),
    "astype": [{"x": T(2, 3), "dtype": sd.f64}, {"x": T(4), "dtype": sd.i64}],
    **{
        op: _binary()
        for op in ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
        + ["floor_divide", "remainder", "xlogy"]
    },
    **{op: _compare() for op in ["eq", "ne", "lt", "le", "gt", "ge"]},
    "where": [
        {"cond": M(2, 3), "a": T(2, 3), "b": T(3)},
        {"cond": M(4, 1), "a": T(1, 5), "b": 0.0},
        {"cond": M(3), "a": 1.0, "b": T(2, 3)},
    ],
    "conv1d": [
        {"x": T(2, 3, 10), "weight": T(4, 3, 3), "bias": T(4), "stride": 2, "padding": 1},
        {"x": T(1, 4, 9), "weight": T(2, 2, 2), "groups": 2, "dilation": 3},
    ],
    "conv2d": _conv2d_cases(),
    "conv_transpose2d": [
        {"x": T(2, 3, 5, 4), "weight": T(3, 4, 3, 3), "bias": T(4), "stride": 2, "padding": 1},
        {
            "x": T(1, 4, 3, 3),
            "weight": T(4, 1, 2, 2),
            "groups": 2,
            "output_padding": 1,
            "stride": 2,
        },
    ],  # fmt: skip
    "zeros": [{"shape": (2, 3)}, {"shape": 4}, {"shape": ()}],
    "ones": [{"shape": (3, 1, 2)}, {"shape": 0}],
    "full": [{"shape": (2, 5), "value": 1.5}],
    "randn": [{"shape": (4, 3)}],
    "rand": [{"shape": (2,)}],
    "arange": [
        {"start": 7},
        {"start": 2, "stop": 11, "step": 3},
        {"start": 5, "stop": 1},
        {"start": 7, "step": 2},
        {"start": 5, "stop": -2, "step": -3},
    ],
    "eye": [{"n": 3}, {"n": 2, "m": 5}],
    "getitem": [
        {"x": T(4, 5, 6), "index": (slice(1, None), None, Ellipsis, slice(None, None, 2))},
        {"x": T(4, 5, 6), "index": (I(3, high=4), -1)},
        {"x": T(4, 5), "index": (slice(None), I(2, 3, high=5))},
        {"x": T(4, 5, 6), "index": (I(2, high=4), slice(None), I(2, high=6))},
        {"x": T(4, 5), "index": 2},
        {"x": T(6), "index": slice(5, 1, -2)},
    ],
    "gather": [
        {"x": T(3, 4), "index": I(3, 2, high=4), "axis": 1},
        {"x": T(3, 4, 2), "index": I(5, 4, 2, high=3), "axis": 0},
    ],
    "select": [
        {"x": T(4, 3), "index": I(5, high=4)},
        {"x": T(2, 6, 3), "index": I(2, high=6), "axis": -2},
    ],
    "concat": [
        {"xs": [T(2, 3), T(4, 3)]},
        {"xs": [T(2, 3), T(2, 1), T(2, 2)], "axis": -1},
    ],
    "stack": [{"xs": [T(2, 3), T(2, 3)]}, {"xs": [T(4), T(4), T(4)], "axis": -1}],
    "split": [
        {"x": T(6, 2), "sections": 3},
        {"x": T(6, 2), "sections": [1, 4]},
        {"x": T(3, 8), "sections": 2, "axis": 1},
    ],
    "chunk": [
        {"x": T(6, 2), "chunks": 3},
        {"x": T(5, 2), "chunks": 3},
        {"x": T(2, 7), "chunks": 4, "axis": -1},
    ],
    "tril": [{"x": T(3, 4)}, {"x": T(2, 3, 3), "diagonal": -1}],
    "triu": [{"x": T(4, 3)}, {"x": T(2, 3, 3), "diagonal": 1}],
    "masked_fill": [
        {"x": T(2, 3), "mask": M(2, 3), "value": 0.0},
        {"x": T(2, 3), "mask": M(3), "value": -1.0},
    ],
    "reshape": [
        {"x": T(2, 3, 4), "shape": (-1, 4)},
        {"x": T(2, 3, 4), "shape": (6, 4)},
        {"x": T(6), "shape": (2, 1, 3)},
        {"x": T(2, 3), "shape": (6,)},  # NOTE: `*shape` is spread: `reshape(x, 6)`
    ],
    "flatten": [{"x": T(2, 3, 4, 5), "start_axis": 1}, {"x": T(2, 3, 4), "end_axis": 1}],
    "permute": [{"x": T(2, 3, 4), "axes": (2, 0, 1)}, {"x": T(2, 3), "axes": (1, 0)}],
    "transpose": [{"x": T(2, 3, 4)}, {"x": T(2, 3, 4), "axis0": 0, "axis1": 2}],
    "unsqueeze": [{"x": T(2, 3), "axis": 1}, {"x": T(2, 3), "axis": -1}],
    # NOTE: an axis named first: without one, over symbols it is known at run time only
    "squeeze": [{"x": T(2, 1, 3, 1), "axis": 1}, {"x": T(2, 1, 3, 1)}],
    "broadcast_to": [{"x": T(3, 1), "shape": (2, 3, 4)}, {"x": T(4), "shape": (5, 4)}],
    "layer_norm": [
        {"x": T(2, 3, 4), "normalized_shape": 4, "weight": T(4), "bias": T(4)},
        {"x": T(2, 3, 4), "normalized_shape": (3, 4)},
    ],
    "batch_norm": [
        {"x": T(4, 3), "running_mean": T(3), "running_var": T(3), "weight": T(3), "bias": T(3)},
        {"x": T(2, 3, 4, 5), "running_mean": T(3), "running_var": T(3)},
    ],
    "max_pool2d": _pool(),
    "avg_pool2d": _pool(),
    **{
        op: [
            {"x": T(2, 3, 9), "kernel_size": 2},
            {"x": T(1, 2, 10), "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        ]
        for op in ["max_pool1d", "avg_pool1d"]
    },
    **{
        op: [{"x": T(2, 3, 7), "output_size": 3}, {"x": T(3, 5), "output_size": (2,)}]
        for op in ["adaptive_avg_pool1d", "adaptive_max_pool1d"]
    },
    "conv_transpose1d": [
        {"x": T(2, 3, 5), "weight": T(3, 4, 3), "bias": T(4), "stride": 2, "padding": 1},
        {"x": T(1, 4, 3), "weight": T(4, 1, 2), "groups": 2, "output_padding": 1, "stride": 2},
    ],
    **{op: _reduce() for op in ["sum", "mean", "max", "min", "logsumexp", "any", "all"]},
    **{op: _reduce({"x": T(4, 3), "axis": 0, "ddof": 1}) for op in ["var", "std"]},
    **{
        op: [
            {"x": T(2, 3, 4), "axis": 1},
            {"x": T(2, 3)},
            {"x": T(3, 4), "axis": -1, "keepdims": True},
        ]
        for op in ["argmax", "argmin"]
    },  # fmt: skip
    "dropout": [{"x": T(2, 3).traced(), "p": 0.5}, {"x": T(4), "p": 0.1}],
    "embedding": [
        {"index": I(2, 5, high=10), "weight": T(10, 4)},
        {"index": I(3), "weight": T(2, 6)},
    ],
    "matmul": [
        {"a": T(2, 3), "b": T(3, 4)},
        {"a": T(5, 2, 3), "b": T(3, 4)},
        {"a": T(2, 1, 2, 3), "b": T(4, 3, 5)},
        {"a": T(3), "b": T(3)},
        {"a": T(3), "b": T(2, 3, 4)},
        {"a": T(2, 2, 3), "b": T(3)},
    ],
    "pad": [
        {"x": T(2, 3), "pad_width": 1},
        {"x": T(2, 3), "pad_width": ((1, 0), (2, 3))},
        {"x": T(2, 3, 4), "pad_width": (1, 2)},
    ],
    "softmax": [{"x": T(2, 3)}, {"x": T(2, 3, 4), "axis": 1}],
    "log_softmax": [{"x": T(2, 3)}, {"x": T(2, 3, 4), "axis": 0}],
    "scaled_dot_product_attention": [
        {"q": T(2, 3, 5, 4), "k": T(2, 3, 6, 4), "v": T(2, 3, 6, 7)},
        {"q": T(5, 4), "k": T(6, 4), "v": T(6, 3), "mask": M(5, 6)},
        {"q": T(2, 1, 5, 4), "k": T(3, 5, 4), "v": T(3, 5, 2), "causal": True},
    ],
    **{op: _pointwise_loss() for op in ["mse_loss", "mae_loss", "huber_loss", "smooth_l1_loss"]},
    "binary_cross_entropy_loss": [
        {"input": T(4, 3).sigmoid(), "target": T(4, 3).sigmoid()},
        {"input": T(4, 3).sigmoid(), "target": T(4, 3).sigmoid(), "weight": T(3)},
        {"input": T(5).sigmoid(), "target": T(5).sigmoid(), "reduction": "none"},
    ],
    "binary_cross_entropy_with_logits_loss": [
        *_pointwise_loss("logits"),
        {"logits": T(4, 3), "target": T(4, 3), "pos_weight": T(3), "reduction": "none"},
        {"logits": T(4, 3), "target": T(4, 3), "weight": T(4, 1), "pos_weight": T(1)},
    ],
    "cross_entropy_with_logits_loss": [
        {"logits": T(4, 3), "target": I(4, high=3)},
        {"logits": T(4, 3), "target": I(4, high=3), "reduction": "none"},
        {"logits": T(4, 3, 5), "target": I(4, 5, high=3), "reduction": "none"},
        {"logits": T(4, 3), "target": T(4, 3).softmax(), "reduction": "none"},
        {"logits": T(4, 3, 5), "target": I(4, 5, high=3), "weight": T(3), "reduction": "none"},
        {"logits": T(4, 3), "target": I(4, high=3), "weight": T(3), "ignore_index": 0},
    ],
    "nll_loss": [
        {"log_probs": T(4, 3).log_softmax(), "target": I(4, high=3)},
        {"log_probs": T(4, 3).log_softmax(), "target": I(4, high=3), "reduction": "none"},
        {"log_probs": T(4, 3).log_softmax(), "target": I(4, high=3), "weight": T(3)},
    ],
    "kl_div_with_logits_loss": [
        {"logits": T(4, 3), "target": T(4, 3).softmax()},
        {"logits": T(4, 3), "target": T(4, 3).softmax(), "reduction": "none"},
    ],
    # ---- issue 11: logic, rearrange ----
    **{op: _compare() for op in ["logical_and", "logical_or", "logical_xor"]},
    "logical_not": [{"x": M(2, 3)}, {"x": T(4)}],
    "roll": [{"x": T(2, 3), "shifts": 1}, {"x": T(2, 3, 4), "shifts": (1, -2), "axis": (0, 2)}],
    "flip": [{"x": T(2, 3)}, {"x": T(2, 3, 4), "axis": (0, -1)}],
    "repeat": [
        {"x": T(2, 3), "repeats": 2, "axis": 1},
        {"x": T(2, 3), "repeats": 3},
        {"x": T(3, 2), "repeats": [2, 0, 1], "axis": 0},
    ],
    "tile": [
        {"x": T(2, 3), "reps": (2, 3)},
        {"x": T(3), "reps": (2, 1, 2)},
        {"x": T(2), "reps": (3,)},  # NOTE: `*reps` is spread: `tile(x, 3)`
    ],
    # ---- issue 11: scan, sort ----
    **{
        op: [{"x": T(2, 3), "axis": 1}, {"x": T(2, 3)}, {"x": T(4, 3), "axis": -2}]
        for op in ["cumsum", "cumprod"]
    },
    "argsort": [
        {"x": T(2, 3)},
        {"x": T(2, 3), "axis": None},
        {"x": T(4, 3), "axis": 0, "descending": True},
    ],
    "sort": [
        {"x": T(2, 3)},
        {"x": T(4, 3), "axis": 0, "descending": True},
        {"x": T(5), "axis": -1},
    ],
    "topk": [
        {"x": T(3, 6), "k": 2},
        {"x": T(5, 3), "k": 5, "axis": 0},
        {"x": T(2, 6, 3), "k": 3, "axis": 1, "largest": False},
    ],
    # ---- issue 11: scatter ----
    "one_hot": [{"index": I(2, 3, high=4), "num_classes": 4}, {"index": I(5), "num_classes": 2}],
    "scatter_add": [
        {"x": T(4, 3), "axis": 0, "index": I(5, 3, high=4), "src": T(5, 3)},
        {"x": T(4, 3), "axis": 1, "index": I(2, 2, high=3), "src": T(3, 4)},
    ],
    # ---- issue 11: activation, normalize ----
    **{op: _unary() for op in ["selu", "softsign", "mish", "logsigmoid"]},
    "elu": _unary({"x": T(2, 3), "alpha": 0.5}),
    "hardtanh": _unary({"x": T(3, 2), "min_val": 0.7, "max_val": 1.2}),
    "prelu": [
        {"x": T(2, 3, 4), "weight": T(3)},
        {"x": T(4), "weight": T(1)},
        {"x": T(2, 3), "weight": T()},
    ],
    "rms_norm": [
        {"x": T(2, 3, 4), "normalized_shape": 4, "weight": T(4)},
        {"x": T(2, 3, 4), "normalized_shape": (3, 4)},
    ],
    "group_norm": [
        {"x": T(2, 6, 4), "num_groups": 3, "weight": T(6), "bias": T(6)},
        {"x": T(3, 4), "num_groups": 2},
    ],
    "cosine_similarity": [
        {"a": T(4, 5), "b": T(4, 5)},
        {"a": T(3, 1, 5), "b": T(4, 5), "axis": 0},
    ],
    # ---- issue 11: resample ----
    **{
        op: [
            {"x": T(2, 3, 7, 5), "output_size": (3, 2)},
            {"x": T(3, 4, 5), "output_size": 1},
            {"x": T(1, 2, 4, 6), "output_size": (None, 4)},
        ]
        for op in ["adaptive_avg_pool2d", "adaptive_max_pool2d"]
    },
    "interpolate": [
        {"x": T(2, 3, 4, 5), "size": (8, 3)},
        {"x": T(2, 3, 5, 3), "scale_factor": 1.7, "mode": "bilinear"},
        {"x": T(2, 3, 4), "scale_factor": 2},
        {"x": T(1, 2, 4, 4), "size": 6, "mode": "bilinear", "align_corners": True},
    ],
    # ---- issue 11: einsum ----
    "einsum": [
        {"subscripts": "btd,bsd->bts", "operands": [T(2, 4, 3), T(2, 5, 3)]},
        {"subscripts": "ij,jk", "operands": [T(3, 4), T(4, 5)]},
        {"subscripts": "ii->i", "operands": [T(3, 3)]},
        {"subscripts": "...ij,j->...i", "operands": [T(2, 3, 4), T(1)]},
    ],
    # ---- branch ops: elementwise math, tests of values, products, creation, draws ----
    **{
        op: _unary()
        for op in ["log1p", "expm1", "erf", "rsqrt", "log2", "log10", "sinh", "cosh", "atan"]
        + ["floor", "ceil", "trunc", "sign", "isnan", "isinf", "isfinite", "clone"]
    },
    **{op: [{"x": T(2, 3) - 0.5}, {"x": T(4) - 0.6}, {"x": T() - 1.0}] for op in ["asin", "acos"]},
    "round": _unary({"x": T(2, 3), "decimals": 1}),
    "nan_to_num": _unary({"x": T(3, 2), "nan": 1.0, "posinf": 2.0, "neginf": -2.0}),
    "atan2": _binary(),
    "prod": _reduce(),
    "count_nonzero": _reduce(),
    "outer": [{"a": T(3), "b": T(4)}, {"a": T(1), "b": T(2)}],
    "linspace": [{"start": 0.0, "stop": 1.0, "num": 5}, {"start": 2, "stop": -2, "num": 0}],
    "randint": [{"low": 0, "high": 5, "shape": (2, 3)}, {"low": -1, "high": 1, "shape": 4}],
    "multinomial": [
        {"probs": T(5), "num_samples": 3},
        {"probs": T(2, 4), "num_samples": 6, "replacement": True},
    ],
    "norm": [
        {"x": T(2, 3, 4)},
        {"x": T(2, 3, 4), "ord": 1, "axis": -1},
        {"x": T(2, 3, 4), "axis": (0, 2), "keepdims": True},
    ],
    # ---- branch breadth: PyTorch's names users port ----
    **{op: _unary() for op in ["hardswish", "hardsigmoid"]},
    "clamp_min": [{"x": T(3, 2), "min": 0.7}, {"x": T(), "min": 0.0}],
    "clamp_max": [{"x": T(3, 2), "max": 1.2}, {"x": T(4), "max": 2.0}],
    "logaddexp": _binary(),
    "lerp": [
        {"start": T(2, 3), "end": T(2, 3), "weight": 0.3},
        {"start": T(4, 1, 3), "end": T(5, 1), "weight": T(3)},
        {"start": T(3), "end": T(2, 3), "weight": T(2, 1)},
    ],
    "expand": [
        {"x": T(3, 1), "shape": (2, -1, 4)},
        {"x": T(4), "shape": (5, 4)},
        {"x": T(1, 3), "shape": (-1, -1)},
    ],
    # NOTE: the first case unbinds an axis of size 1: symbols give no count of pieces
    "unbind": [{"x": T(3, 1), "axis": 1}, {"x": T(2, 3)}, {"x": T(2, 3, 4), "axis": -1}],
    "narrow": [
        {"x": T(2, 5), "axis": 1, "start": 1, "length": 3},
        {"x": T(4, 3), "axis": 0, "start": -3, "length": 2},
        {"x": T(4, 3), "axis": -1, "start": 3, "length": 0},
    ],
    "diff": [{"x": T(2, 5)}, {"x": T(4, 3), "axis": 0}, {"x": T(0, 2), "axis": 0}],
    "normalize": [{"x": T(2, 3)}, {"x": T(4, 3), "p": 1.0, "axis": 0}, {"x": T(3), "eps": 0.5}],
    # ---- more of PyTorch's names: axes moved, diagonals, closeness, grids, draws, selections
    "movedim": [
        {"x": T(2, 3, 4), "source": 0, "destination": -1},
        {"x": T(2, 3, 4, 5), "source": (0, -1), "destination": (2, 0)},
        {"x": T(4), "source": (), "destination": ()},
    ],
    "diagonal": [
        {"x": T(3, 3)},
        {"x": T(2, 3, 4), "offset": 1, "axis1": -1, "axis2": 1},
        {"x": T(3, 4), "offset": -2},
        {"x": T(2, 2), "offset": 3},
    ],
    "diag": [{"x": T(3), "diagonal": 1}, {"x": T(3, 4), "diagonal": -1}, {"x": T(2)}],
    "trace": [{"x": T(3, 3)}, {"x": T(2, 5)}],
    "isclose": [
        {"a": T(2, 3), "b": T(3)},
        {"a": T(4, 1), "b": T(1, 5), "rtol": 0.1, "atol": 0.0, "equal_nan": True},
        {"a": T(), "b": T(2, 2)},
    ],
    "meshgrid": [
        {"tensors": [T(3), T(4)]},
        {"tensors": [T(2), T(), T(3)], "indexing": "xy"},
        {"tensors": [T(5)], "indexing": "xy"},
    ],
    "randperm": [{"n": 5}, {"n": 0}, {"n": 1}],
    "tan": _unary(),
    # ---- products of fixed ranks, C's remainder, sums over what is not nan, selections
    "mm": [
        {"a": T(2, 3), "b": T(3, 4)},
        {"a": T(1, 3), "b": T(3, 1)},
        {"a": T(0, 2), "b": T(2, 3)},
    ],
    "bmm": [{"a": T(2, 3, 4), "b": T(2, 4, 5)}, {"a": T(1, 2, 2), "b": T(1, 2, 3)}],
    "mv": [{"a": T(2, 3), "b": T(3)}, {"a": T(4, 1), "b": T(1)}],
    "dot": [{"a": T(3), "b": T(3)}, {"a": T(0), "b": T(0)}],
    "fmod": _binary()[:3],
    **{
        op: [
            {"x": T(2, 3, 4), "axis": (0, -1)},
            {"x": T(2, 3)},
            {"x": T(3, 4), "axis": -1, "keepdims": True},
            {"x": T(0, 2), "axis": 0},
        ]
        for op in ["nansum", "nanmean"]
    },  # fmt: skip
    "nonzero": [{"x": T(2, 3)}, {"x": M(4)}, {"x": T()}, {"x": T(0, 2, 1)}],
    "masked_select": [
        {"x": T(2, 3), "mask": M(2, 3)},
        {"x": T(2, 3), "mask": M(3)},
        {"x": T(3), "mask": M(2, 3)},
        {"x": T(), "mask": M(2)},
    ],
    # ---- PyTorch ports: linear, reductions into segments, binary search ----
    "linear": [
        {"x": T(2, 5, 4), "weight": T(3, 4), "bias": T(3)},
        {"x": T(4), "weight": T(3, 4)},
        {"x": T(0, 2), "weight": T(5, 2), "bias": T(5)},
    ],
    "index_add": [
        {"x": T(4, 3), "axis": 0, "index": I(5, high=4), "source": T(5, 3)},
        {"x": T(2, 4, 3), "axis": -2, "index": I(6, high=4), "source": T(2, 6, 3)},
    ],
    "scatter_reduce": [
        {"x": T(4, 3), "axis": 0, "index": I(5, 3, high=4), "src": T(5, 3), "reduce": "amax"},
        {
            "x": T(4, 3),
            "axis": 1,
            "index": I(2, 2, high=3),
            "src": T(3, 4),
            "reduce": "mean",
            "include_self": False,
        },
    ],
    "bincount": [
        {"x": I(7, high=5)},
        {"x": I(7, high=5), "weights": T(7), "minlength": 9},
        {"x": I(0, high=5), "minlength": 3},
    ],
    "searchsorted": [
        {"sorted_sequence": T(6), "values": T(2, 3)},
        {"sorted_sequence": T(3, 6), "values": T(3, 4), "right": True},
    ],
    "bucketize": [
        {"input": T(2, 3), "boundaries": T(6)},
        {"input": T(), "boundaries": T(4), "right": True},
    ],
}

# statics that are sizes (symbolic in the symbolic run); other statics stay literal
SIZE_STATICS = {"shape", "n", "m", "start", "stop", "normalized_shape", "k", "num", "num_samples"}


# ops whose result has a size that depends on the values: the axis that is `Dyn` in their rules
DATA_SIZED = {"nonzero": 0, "masked_select": 0, "bincount": 0}


def _call(fn: Any, call: dict[str, Any]) -> Any:
    """`fn(**call)`, with a `*operands` parameter's list passed positionally."""
    params = list(inspect.signature(fn).parameters.values())
    star = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None)
    if star is None or star not in call:
        return fn(**call)
    before = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    rest = {k: v for k, v in call.items() if k not in before and k != star}
    return fn(*[call[n] for n in before], *call[star], **rest)


def _function(spec: OpSpec) -> Any:
    module, name = spec.function.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _shape(v: Any) -> Any:
    """What the rule gets for a tensor argument: its shape; `()` for a scalar; None stays."""
    if v is None:
        return None
    return tuple(v.shape) if isinstance(v, sd.Tensor) else ()


def _static(v: Any) -> Any:
    """A static argument as the rule sees it: index tensors become `IndexArray`s."""
    if isinstance(v, sd.Tensor):
        return IndexArray(tuple(v.shape), v.dtype is sd.bool_)
    if isinstance(v, tuple):
        return tuple(_static(i) for i in v)
    return v


def rule_args(spec: OpSpec, call: dict[str, Any]) -> dict[str, Any]:
    args = {n: _shape(call[n]) for n in spec.tensors if n in call}
    args |= {n: [tuple(x.shape) for x in call[n]] for n in spec.tensor_lists if n in call}
    return args | {n: _static(call[n]) for n in spec.statics if n in call}


def _shapes(out: Any) -> list[tuple[int, ...]]:
    return [tuple(t.shape) for t in out] if isinstance(out, tuple) else [tuple(out.shape)]


def _cases() -> list[tuple[str, int]]:
    return [(op, k) for op in sorted(CASES) for k in range(len(CASES[op]))]


def test_every_rule_takes_the_names_the_plugin_passes():
    for spec in REGISTRY.values():
        names = [*spec.tensors, *spec.tensor_lists, *spec.statics]
        try:
            inspect.signature(spec.rule).bind(spec.name, **dict.fromkeys(names))
        except TypeError as err:
            pytest.fail(f"{spec.name}: rule {spec.rule.__name__} cannot take {names}: {err}")


def test_every_registered_op_has_cases():
    missing = sorted(set(REGISTRY) - set(CASES))
    assert not missing, f"add sample calls to CASES in {__file__} for: {missing}"
    stale = sorted(set(CASES) - set(REGISTRY))
    assert not stale, f"CASES names ops that are not registered: {stale}"
    assert all(CASES[op] for op in CASES)


@pytest.mark.parametrize("op,k", _cases())
def test_rule_predicts_the_run_time_shape(op, k):
    spec, call = REGISTRY[op], CASES[op][k]
    out = _call(_function(spec), call)
    predicted = spec.rule(spec.name, **rule_args(spec, call))
    got = _shapes(out)
    want = list(predicted) if spec.returns == "tuple" else [predicted]
    if op in DATA_SIZED:  # NOTE: that axis only, and the rest exact
        k = DATA_SIZED[op]
        assert predicted[k] is DYN, f"{op}: axis {k} of {predicted} is not Dyn"
        want = [(*predicted[:k], got[0][k], *predicted[k + 1 :])]
    assert [tuple(s) for s in want] == got, f"{op}: rule says {predicted}, run time gives {got}"
    for i, t in enumerate(out if spec.returns == "tuple" else [out]):
        fixed = spec.item_dtype(i)
        assert fixed is None or str(t.data.dtype) == fixed, f"{op}: item {i} is {t.data.dtype}"


# ---- the same rules over symbols ---------------------------------------------------------
def _symbolize(v: Any, names: dict[int, Any]) -> Any:
    """Sizes above 1 become symbols `n<size>`; equal sizes share one symbol."""
    if isinstance(v, bool) or not isinstance(v, int | tuple | list | IndexArray):
        return v
    if isinstance(v, int):
        return v if v <= 1 else names.setdefault(v, sym(f"n{v}"))
    if isinstance(v, IndexArray):
        return IndexArray(_symbolize(v.shape, names), v.boolean)
    return type(v)(_symbolize(i, names) for i in v)


def _symbolic_args(spec: OpSpec, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    names: dict[int, Any] = {}
    out = {}
    for n, v in args.items():
        size_like = n in spec.tensors or n in spec.tensor_lists or n in SIZE_STATICS
        out[n] = _symbolize(v, names) if size_like or n == "index" else v
    return out, {str(s): size for size, s in names.items()}


def _evaluate(d: Any, binding: dict[str, int]) -> Any:
    """A symbolic dim at the given sizes (`str` of a dim is a Python expression)."""
    return d if isinstance(d, int) or d is DYN else eval(str(d), {}, dict(binding))  # noqa: S307


@pytest.mark.parametrize("op", sorted(CASES))
def test_rule_over_symbols_evaluates_to_the_run_time_shape(op):
    spec, call = REGISTRY[op], CASES[op][0]
    concrete = spec.rule(spec.name, **rule_args(spec, call))
    args, binding = _symbolic_args(spec, rule_args(spec, call))
    result = spec.rule(spec.name, **args)
    pairs = zip(result, concrete, strict=True) if spec.returns == "tuple" else [(result, concrete)]
    for got, want in pairs:
        at = tuple(_evaluate(d, binding) for d in got)
        assert len(at) == len(want) and all(
            a is DYN or a == w for a, w in zip(at, want, strict=True)
        ), f"{op}: symbolic {got} at {binding} is {at}, not {want}"


# ---- DYN everywhere ----------------------------------------------------------------------
# Rules that take a DYN dim, or a DYN option (what the plugin passes for a non-literal int),
# without raising: the issue 11 ops. Others join as their rules learn it.
DYN_SAFE = sorted(
    """logical_and logical_or logical_xor logical_not roll flip repeat tile cumsum cumprod
    argsort sort topk one_hot scatter_add elu selu hardtanh softsign mish prelu rms_norm group_norm
    cosine_similarity adaptive_avg_pool2d adaptive_max_pool2d interpolate einsum norm
    hardswish hardsigmoid clamp_min clamp_max logaddexp lerp expand narrow diff normalize
    logsigmoid mm bmm mv dot fmod nonzero masked_select linear index_add scatter_reduce bincount
    searchsorted bucketize""".split()
)


def _dyn(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return DYN
    return type(v)(_dyn(i) for i in v) if isinstance(v, tuple | list) else v


@pytest.mark.parametrize("op", DYN_SAFE)
@pytest.mark.parametrize("part", ["dims", "options"])
def test_rule_takes_dyn_without_raising(op, part):
    spec = REGISTRY[op]
    for call in CASES[op]:
        args = rule_args(spec, call)
        tensors = {*spec.tensors, *spec.tensor_lists}
        dyn = {n: _dyn(v) if (n in tensors) == (part == "dims") else v for n, v in args.items()}
        result = spec.rule(spec.name, **dyn)
        shapes = result if spec.returns == "tuple" else (result,)
        assert all(isinstance(s, tuple) for s in shapes), f"{op}: {result!r} is not a shape"


B, T_, C, H, W, D, K, N, V = (sym(s) for s in "B T C H W D K N V".split())
SYMBOLIC: list[tuple[str, dict[str, Any], Any]] = [
    ("matmul", {"a": (B, T_, C), "b": (C, D)}, (B, T_, D)),
    ("add", {"a": (B, 1, C), "b": (T_, 1)}, (B, T_, C)),
    ("reshape", {"x": (B, T_, C), "shape": (-1, C)}, (dims.mul(B, T_), C)),
    ("reshape", {"x": (B, T_, dims.mul(H, K)), "shape": (B, T_, H, K)}, (B, T_, H, K)),
    ("flatten", {"x": (N, C, H, W), "start_axis": 1}, (N, dims.product((C, H, W)))),
    ("concat", {"xs": [(B, T_), (B, 1)], "axis": 1}, (B, dims.add(T_, 1))),
    ("stack", {"xs": [(B, C), (B, C)]}, (2, B, C)),
    ("sum", {"x": (B, T_, C), "axis": 1}, (B, C)),
    ("mean", {"x": (B, T_, C), "axis": -1, "keepdims": True}, (B, T_, 1)),
    ("transpose", {"x": (B, T_, C)}, (B, C, T_)),
    ("embedding", {"index": (B, T_), "weight": (V, D)}, (B, T_, D)),
    ("split", {"x": (B, dims.mul(2, C)), "sections": 2, "axis": 1}, ((B, C), (B, C))),
    ("getitem", {"x": (B, T_, C), "index": (slice(None), -1)}, (B, C)),
    ("max_pool2d", {"x": (N, C, H, W), "kernel_size": 2}, (N, C, dims.floordiv(H, 2),
                                                            dims.floordiv(W, 2))),
    (
        "conv2d",
        {"x": (N, C, H, W), "weight": (D, C, 3, 3), "bias": (D,), "stride": 2, "padding": 1},
        (N, D, dims.conv_out(H, 3, 2, 1), dims.conv_out(W, 3, 2, 1)),
    ),
    (
        "scaled_dot_product_attention",
        {"q": (B, H, T_, K), "k": (B, H, N, K), "v": (B, H, N, D), "mask": None},
        (B, H, T_, D),
    ),
    ("zeros", {"shape": (B, C)}, (B, C)),
    ("cross_entropy_with_logits_loss", {"logits": (B, C), "target": (B,), "reduction": "none"},
     (B,)),
]  # fmt: skip


@pytest.mark.parametrize("op,args,want", SYMBOLIC, ids=[s[0] for s in SYMBOLIC])
def test_key_rules_give_exact_symbolic_dims(op, args, want):
    got = REGISTRY[op].rule(op, **args)
    assert got == want
    assert DYN not in (got if REGISTRY[op].returns == "tensor" else sum(got, ()))


# ---- options known only at run time: never an error, Dyn where they matter ---------------
def _runtime_only(v: Any) -> list[Any]:
    """Each way the plugin can see an int option whose value is not a literal: `DYN` for the
    whole option, or for one int inside a tuple of them."""
    if isinstance(v, bool) or isinstance(v, IndexArray):
        return []
    if isinstance(v, int):
        return [DYN]
    if (
        isinstance(v, tuple)
        and v
        and all(isinstance(i, int) and not isinstance(i, bool) for i in v)
    ):
        return [v[:i] + (DYN,) + v[i + 1 :] for i in range(len(v))]
    return []


def _option_cases() -> list[tuple[str, int, str, int]]:
    out = []
    for op, k in _cases():
        spec = REGISTRY[op]
        args = rule_args(spec, CASES[op][k])
        for name in spec.statics:
            if name in args:
                out += [(op, k, name, j) for j in range(len(_runtime_only(args[name])))]
    return out


@pytest.mark.parametrize("op,k,name,j", _option_cases())
def test_an_option_known_only_at_run_time_is_never_a_shape_error(op, k, name, j):
    """`conv2d(x, w, stride=s)`, `x.sum(axis=dim)`: the plugin passes `DYN`; the rule may not
    know the result (`NotStatic`), or gives `Dyn` where the option matters, never an error."""
    spec = REGISTRY[op]
    args = rule_args(spec, CASES[op][k])
    concrete = spec.rule(spec.name, **args)
    try:
        result = spec.rule(spec.name, **{**args, name: _runtime_only(args[name])[j]})
    except NotStatic:
        return
    pairs = zip(result, concrete, strict=True) if spec.returns == "tuple" else [(result, concrete)]
    for got, want in pairs:
        assert len(got) == len(want) and all(
            g is DYN or g == w for g, w in zip(got, want, strict=True)
        ), f"{op}: with {name} unknown the rule says {got}, but the run gives {want}"


# ---- messages over symbols: the plugin prints them, so dims read as written --------------
SYMBOLIC_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("zeros", {"shape": (B, -2)}, "size -2 at axis 1 of (B, -2) is negative"),
    ("conv2d", {"x": (N, C, H, W), "weight": (D, C, 3, 3), "stride": (0, K)},
     "stride must be at least 1, got (0, K)"),
    ("conv2d", {"x": (N, C, H, W), "weight": (D, C, 3, 3), "stride": (K, 1, 1)},
     "stride must be an int or 2 ints, got (K, 1, 1)"),
    ("binary_cross_entropy_with_logits_loss",
     {"logits": (B, 1), "target": (B, 1), "weight": (B,)},
     "weight must broadcast to the logits' shape (B, 1)"),
    ("binary_cross_entropy_with_logits_loss",
     {"logits": (B, 3), "target": (B, 3), "pos_weight": (B,)},
     "pos_weight must broadcast to the logits' shape (B, 3)"),
    ("binary_cross_entropy_loss", {"input": (B, 1), "target": (B, 1), "weight": (B,)},
     "weight must broadcast to the input's shape (B, 1)"),
]  # fmt: skip


@pytest.mark.parametrize("op,args,problem", SYMBOLIC_ERRORS, ids=[s[0] for s in SYMBOLIC_ERRORS])
def test_a_rule_error_over_symbols_shows_the_dims_as_written(op, args, problem):
    with pytest.raises(sd.ShapeError) as err:
        REGISTRY[op].rule(op, **args)
    assert problem in str(err.value) and "Sym(" not in str(err.value)
