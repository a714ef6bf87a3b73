"""A differential fuzzer: every registered op against PyTorch on random shapes (size 0 and 1
included, broadcasting), axes (negative, tuples, keepdims), dtypes and edge values (signed
zeros, infinities, nan, huge and tiny values, ties), forward values, dtypes, shapes and
gradients, nan and inf positions included.

Elementwise ops with PyTorch's name are found in the registry and fuzzed without a table
entry; every other op has a case below or a reason in `NOT_FUZZED`, and a test keeps that so
(a new op fails it until it gets one or the other). Layers, losses and optimizers are fuzzed in
`tests/nn/test_fuzz.py` and `tests/optim/test_fuzz.py`.

Under `CI=true` Hypothesis runs derandomized (the `ci` profile of `tests/conftest.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fuzz import Case, array, axis_of, dims_of, run, shapes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import shapedl as sd
from shapedl.ops import REGISTRY
from shapedl.ops.elementwise import broadcast_rule, same_shape

FLOATS = ["float32", "float64"]
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Builder = Callable[[st.DrawFn], Case]

# ---- elementwise: found in the registry ---------------------------------------------------
# NOTE: ops of both libraries' name whose integer or bool inputs PyTorch takes as NumPy does
INTS = {"neg", "abs", "square", "add", "sub", "mul", "maximum", "minimum", "eq", "ne", "lt",
        "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not"}  # fmt: skip
BOOLS = {"eq", "ne", "lt", "le", "gt", "ge", "maximum", "minimum", "mul", "add"}
# NOTE: the unary ops' options, and their PyTorch names
OPTIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "leaky_relu": ({"slope": 0.2}, {"negative_slope": 0.2}),
    "elu": ({"alpha": 0.7}, {"alpha": 0.7}),
    "hardtanh": ({"min_val": -0.5, "max_val": 2.0}, {"min_val": -0.5, "max_val": 2.0}),
    "clamp": ({"min": -0.5, "max": 2.0}, {"min": -0.5, "max": 2.0}),
}


# NOTE: PyTorch's elu and selu gradient at nan is `scale` from its scalar loop (the tail of
# a row, and every element of a small tensor) but nan from its vector loop (blocks of 8 in
# f64, 16 in f32): it depends on the position. Ours is the scalar loop's (`x <= 0` is false)
NAN_SLOPE_UNSPECIFIED = {"elu", "selu"}


def _torch_op(name: str) -> Callable[..., Any] | None:
    return getattr(torch, name, None) or getattr(F, name, None)


def elementwise() -> dict[str, tuple[int, Callable[..., Any], Callable[..., Any]]]:
    """Every registered one- or two-operand elementwise op PyTorch has under the same name."""
    found = {}
    for name, spec in REGISTRY.items():
        arity = {same_shape: 1, broadcast_rule: 2}.get(spec.rule)  # type: ignore[call-overload]
        theirs = _torch_op(name)
        if arity and theirs is not None and (arity == 2 or set(spec.statics) <= set(OPTIONS)):
            found[name] = (arity, getattr(sd.ops, name), theirs)
    return found


ELEMENTWISE = elementwise()


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@SETTINGS
@given(data=st.data())
def test_elementwise_matches_torch(name, data):
    arity, ours, theirs = ELEMENTWISE[name]
    kinds = FLOATS + (["int64"] if name in INTS else []) + (["bool"] if name in BOOLS else [])
    if name.startswith("logical_"):
        kinds = ["bool", "float32"]
    dtype = data.draw(st.sampled_from(kinds))
    mine, yours = OPTIONS.get(name, ({}, {}))
    if arity == 1:
        x = array(data.draw, data.draw(shapes()), dtype)
        if name in NAN_SLOPE_UNSPECIFIED:
            x[np.isnan(x)] = 1.0
        run(([x], lambda a: ours(a, **mine), lambda t: theirs(t, **yours)))
        return
    pair = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3))
    a, b = (array(data.draw, s, dtype) for s in pair.input_shapes)
    # NOTE: PyTorch's floor_divide has no gradient (ours is 0, a step function's)
    run(([a, b], ours, theirs), grad=name != "floor_divide")


def test_gelu_both_forms():
    for approximate in ("none", "tanh"):
        x = array_of([-3.0, -0.0, 0.0, 1.5, float("inf"), float("-inf"), float("nan"), 10.0])
        run(
            (
                [x],
                lambda a, ap=approximate: sd.ops.gelu(a, approximate=ap),
                lambda t, ap=approximate: F.gelu(t, approximate=ap),
            )
        )


def array_of(values: list[float], dtype: str = "float32") -> Any:
    import numpy as np

    return np.array(values, dtype=dtype)


# ---- everything else: a case each ---------------------------------------------------------
CASES: dict[str, Builder] = {}


def case(name: str) -> Callable[[Builder], Builder]:
    def add(fn: Builder) -> Builder:
        CASES[name] = fn
        return fn

    return add


def _float(draw: st.DrawFn, min_dims: int = 0, extremes: bool = True) -> Any:
    return array(draw, draw(shapes(min_dims)), draw(st.sampled_from(FLOATS)), extremes)


def _reduction(
    ours: Callable[..., Any], theirs: Callable[..., Any], kinds: list[str] = FLOATS
) -> Builder:
    def build(draw: st.DrawFn) -> Case:
        x = array(draw, draw(shapes()), draw(st.sampled_from(kinds)), extremes=False)
        axis, keep = axis_of(draw, x.ndim), draw(st.booleans())
        dim = dims_of(axis, x.ndim)
        return [x], lambda a: ours(a, axis=axis, keepdims=keep), lambda t: theirs(t, dim, keep)

    return build


case("sum")(_reduction(sd.ops.sum, torch.sum, FLOATS + ["int64", "bool"]))
case("mean")(_reduction(sd.ops.mean, torch.mean))
case("logsumexp")(_reduction(sd.ops.logsumexp, torch.logsumexp))
case("any")(_reduction(sd.ops.any, torch.any, FLOATS + ["int64", "bool"]))
case("all")(_reduction(sd.ops.all, torch.all, FLOATS + ["int64", "bool"]))


def _nonempty(draw: st.DrawFn, kinds: list[str], tuples: bool = True) -> tuple[Any, Any]:
    x = array(draw, draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
              draw(st.sampled_from(kinds)), extremes=False)  # fmt: skip
    return x, axis_of(draw, x.ndim, tuples)


def _extremes(name: str) -> Builder:
    def build(draw: st.DrawFn) -> Case:
        x, axis = _nonempty(draw, FLOATS + ["int64"])
        keep = draw(st.booleans())
        theirs = torch.amax if name == "max" else torch.amin
        return (
            [x],
            lambda a: getattr(sd.ops, name)(a, axis=axis, keepdims=keep),
            lambda t: theirs(t, dims_of(axis, x.ndim), keep),
        )

    return build


CASES["max"], CASES["min"] = _extremes("max"), _extremes("min")


def _args(name: str) -> Builder:
    def build(draw: st.DrawFn) -> Case:
        x, axis = _nonempty(draw, FLOATS + ["int64"], tuples=False)
        keep = draw(st.booleans()) and axis is not None
        theirs = getattr(torch, name)
        return (
            [x],
            lambda a: getattr(sd.ops, name)(a, axis=axis, keepdims=keep),
            lambda t: theirs(t, axis, keep) if axis is not None else theirs(t),
        )

    return build


CASES["argmax"], CASES["argmin"] = _args("argmax"), _args("argmin")


def _spread(name: str) -> Builder:
    def build(draw: st.DrawFn) -> Case:
        x = _float(draw, extremes=False)
        axis, keep, ddof = axis_of(draw, x.ndim), draw(st.booleans()), draw(st.integers(0, 2))
        theirs = getattr(torch, name)
        return (
            [x],
            lambda a: getattr(sd.ops, name)(a, axis=axis, keepdims=keep, ddof=ddof),
            # NOTE: axis None is dim None: PyTorch's gradient has a branch of its own for it
            lambda t: theirs(t, axis, correction=ddof, keepdim=keep),
        )

    return build


CASES["var"], CASES["std"] = _spread("var"), _spread("std")


@case("norm")
def _norm(draw: st.DrawFn) -> Case:
    x = _float(draw, extremes=False)
    axis, keep = axis_of(draw, x.ndim), draw(st.booleans())
    ord = draw(st.sampled_from([1, 2, 3, 0.5, float("inf"), -float("inf")]))
    return (
        [x],
        lambda a: sd.ops.norm(a, ord=ord, axis=axis, keepdims=keep),
        lambda t: torch.linalg.vector_norm(t, ord, dims_of(axis, x.ndim), keep),
    )


def _scan(name: str) -> Builder:
    def build(draw: st.DrawFn) -> Case:
        x = _float(draw, extremes=False)
        if name == "cumprod":
            # NOTE: PyTorch's cumprod gradient divides by x where no x is 0, so an infinite x
            # gives inf / inf = nan where the gradient is finite (ours, without a division); past a
            # second 0 it drops a nan factor that ours keeps
            x[~np.isfinite(x)] = 3.0
        axis = axis_of(draw, x.ndim, tuples=False)
        theirs = getattr(torch, name)
        return (
            [x],
            lambda a: getattr(sd.ops, name)(a, axis=axis),
            lambda t: theirs(t.flatten(), 0) if axis is None else theirs(t, axis),
        )

    return build


CASES["cumsum"], CASES["cumprod"] = _scan("cumsum"), _scan("cumprod")


def _softmax(name: str) -> Builder:
    def build(draw: st.DrawFn) -> Case:
        x = _float(draw, min_dims=1)
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        theirs = getattr(torch, name)
        return [x], lambda a: getattr(sd.ops, name)(a, axis=axis), lambda t: theirs(t, axis)

    return build


CASES["softmax"], CASES["log_softmax"] = _softmax("softmax"), _softmax("log_softmax")


@case("sort")
def _sort(draw: st.DrawFn) -> Case:
    x = array(draw, draw(shapes(1)), draw(st.sampled_from(FLOATS + ["int64"])), extremes=False)
    axis, desc = draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.booleans())
    return (
        [x],
        lambda a: sd.ops.sort(a, axis=axis, descending=desc),
        lambda t: tuple(torch.sort(t, dim=axis, descending=desc, stable=True)),
    )


@case("argsort")
def _argsort(draw: st.DrawFn) -> Case:
    x = array(draw, draw(shapes(1)), draw(st.sampled_from(FLOATS + ["int64"])), extremes=False)
    axis, desc = draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.booleans())
    return (
        [x],
        lambda a: sd.ops.argsort(a, axis=axis, descending=desc),
        lambda t: torch.sort(t, dim=axis, descending=desc, stable=True).indices,
    )


@case("topk")
def _topk(draw: st.DrawFn) -> Case:
    x = array(draw, draw(shapes(1)), draw(st.sampled_from(FLOATS + ["int64"])), extremes=False)
    axis, largest = draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.booleans())
    k = draw(st.integers(0, x.shape[axis]))
    keep = (slice(None),) * (axis % x.ndim) + (slice(0, k),)
    # NOTE: PyTorch's CPU topk orders ties as its selection algorithm leaves them (k=1 of
    # [0, 0, 0, 0] is index 2), documented as unspecified; ours is the stable order, which is
    # `sort(stable=True)` cut to `k` (the values are the same; `test_topk_values` checks)
    return (
        [x],
        lambda a: sd.ops.topk(a, k, axis=axis, largest=largest),
        lambda t: tuple(u[keep] for u in torch.sort(t, dim=axis, descending=largest, stable=True)),
    )


@pytest.mark.parametrize("name", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_op_matches_torch(name, data):
    run(data.draw(st.composite(lambda draw: CASES[name](draw))()), scale=name in SUMS)


SUMS = {"sum", "mean", "logsumexp", "var", "std", "norm", "cumsum", "cumprod"}
