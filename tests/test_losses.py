"""Every loss against PyTorch (value and gradient, each reduction), and its shape errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fuzz import run
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims, losses
from shapedl.ops import REGISTRY

Reduction = Literal["mean", "sum", "none"]
REDUCTIONS: list[Reduction] = ["mean", "sum", "none"]
DTYPES = ["float32", "float64"]


def probs(*shape: int, dtype: str = "float32", seed: int = 3, axis: int = 1) -> np.ndarray:
    e = np.exp(randn(*shape, dtype="float64", seed=seed))
    return (e / e.sum(axis=axis, keepdims=True)).astype(dtype)


def classes(*shape: int, n: int, seed: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, shape).astype(np.int64)


# ---- pointwise losses ------------------------------------------------------------------
POINTWISE: list[tuple[str, Callable[..., Any], Callable[..., Any]]] = [
    ("mse", losses.mse_loss, F.mse_loss),
    ("mae", losses.mae_loss, F.l1_loss),
    ("huber 1", losses.huber_loss, F.huber_loss),
    (
        "huber 0.3",
        lambda x, t, **k: losses.huber_loss(x, t, delta=0.3, **k),
        lambda x, t, **k: F.huber_loss(x, t, delta=0.3, **k),
    ),
    (
        "huber 2.5",
        lambda x, t, **k: losses.huber_loss(x, t, delta=2.5, **k),
        lambda x, t, **k: F.huber_loss(x, t, delta=2.5, **k),
    ),
    ("smooth_l1 1", losses.smooth_l1_loss, F.smooth_l1_loss),
    (
        "smooth_l1 0.4",
        lambda x, t, **k: losses.smooth_l1_loss(x, t, beta=0.4, **k),
        lambda x, t, **k: F.smooth_l1_loss(x, t, beta=0.4, **k),
    ),
    (
        "smooth_l1 0",
        lambda x, t, **k: losses.smooth_l1_loss(x, t, beta=0.0, **k),
        lambda x, t, **k: F.smooth_l1_loss(x, t, beta=0.0, **k),
    ),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, sd_fn, torch_fn", POINTWISE, ids=[c[0] for c in POINTWISE])
def test_pointwise_losses_match_torch(
    name: str, sd_fn: Any, torch_fn: Any, reduction: Reduction, dtype: str
) -> None:
    x, t = randn(5, 3, 2, dtype=dtype, seed=1) * 2, randn(5, 3, 2, dtype=dtype, seed=2)
    compare(
        lambda a, b: sd_fn(a, b, reduction=reduction),
        lambda a, b: torch_fn(a, b, reduction=reduction),
        [x, t],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, sd_fn, torch_fn", POINTWISE, ids=[c[0] for c in POINTWISE])
def test_pointwise_losses_at_their_kinks_match_torch(
    name: str, sd_fn: Any, torch_fn: Any, dtype: str
) -> None:
    """Differences of exactly 0 and of +-beta (or +-delta) for every option in the table,
    where the pieces meet and the gradient is the one torch picks."""
    kinks = [0.0, 0.3, 0.4, 1.0, 2.5]  # every delta and beta above, and 0
    d = np.array([s * k for k in kinks for s in (1, -1)], dtype)
    t = np.zeros_like(d)  # NOTE: so that `input - target` is exactly the kink
    for reduction in REDUCTIONS:
        compare(
            lambda a, b, r=reduction: sd_fn(a, b, reduction=r),
            lambda a, b, r=reduction: torch_fn(a, b, reduction=r),
            [t + d, t],
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(reduction: Reduction, dtype: str) -> None:
    logits = randn(6, 4, dtype=dtype, seed=1) * 3
    logits[0, :] = [60.0, -60.0, 200.0, -200.0]  # stable far out
    target = np.random.default_rng(2).random((6, 4)).astype(dtype)
    compare(
        lambda x, t: losses.binary_cross_entropy_with_logits_loss(x, t, reduction=reduction),
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        [logits, target],
    )


BCE_WEIGHTS = [((4,), None), (None, (6, 1)), ((1,), (4,)), ((6, 4), (6, 4))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", BCE_WEIGHTS)
def test_binary_cross_entropy_with_logits_weights_match_torch(
    shapes: tuple[tuple[int, ...] | None, tuple[int, ...] | None], reduction: Reduction, dtype: str
) -> None:
    # NOTE: constants: PyTorch refuses a traced weight or pos_weight
    logits = randn(6, 4, dtype=dtype, seed=1) * 3
    logits[0, :] = [60.0, -60.0, 200.0, -200.0]
    target = np.random.default_rng(2).random((6, 4)).astype(dtype)
    rng = np.random.default_rng(5)
    pos, weight = (None if s is None else rng.random(s).astype(dtype) * 3 for s in shapes)

    def ours(x: Any, t: Any) -> Any:
        p, w = (None if a is None else sd.tensor(a) for a in (pos, weight))
        fn = losses.binary_cross_entropy_with_logits_loss
        return fn(x, t, reduction=reduction, pos_weight=p, weight=w)

    def theirs(x: Any, t: Any) -> Any:
        p, w = (None if a is None else torch.from_numpy(a) for a in (pos, weight))
        fn = F.binary_cross_entropy_with_logits
        return fn(x, t, reduction=reduction, pos_weight=p, weight=w)

    compare(ours, theirs, [logits, target])


@pytest.mark.parametrize(
    "name,shape", [("pos_weight", (3,)), ("weight", (2, 6, 4)), ("pos_weight", (6, 4, 1))]
)
def test_binary_cross_entropy_with_logits_weights_must_broadcast_to_the_logits(
    name: str, shape: tuple[int, ...]
) -> None:
    x, t = sd.zeros((6, 4)), sd.zeros((6, 4))
    with pytest.raises(
        sd.ShapeError,
        match=rf"binary_cross_entropy_with_logits_loss: shapes \(6, 4\) and \(6, 4\) and "
        rf"{re.escape(str(shape))}: {name} must broadcast to the logits' shape \(6, 4\)$",
    ):
        losses.binary_cross_entropy_with_logits_loss(x, t, **{name: sd.ones(shape)})
    with pytest.raises(TypeError, match=rf"convert the {name} to the model's dtype"):
        w = sd.ones((4,), dtype=sd.f64)
        losses.binary_cross_entropy_with_logits_loss(x, t, **{name: w})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (4,), (6, 1)])
def test_binary_cross_entropy_on_probabilities_matches_torch(
    weight_shape: tuple[int, ...] | None, reduction: Reduction, dtype: str
) -> None:
    # NOTE: the edges too: 0 and 1 (each log clamped at -100), a probability under 1e-12
    # (the gradient's denominator clamped), and the target's gradient, inf at 0 and 1
    rng = np.random.default_rng(4)
    probs = rng.uniform(0.02, 0.98, (6, 4)).astype(dtype)
    probs[0, :] = [0.0, 1.0, 1e-30, 1.0 - 1e-7]
    target = rng.random((6, 4)).astype(dtype)
    target[0, :] = [1.0, 0.0, 0.0, 1.0]
    weight = None if weight_shape is None else rng.random(weight_shape).astype(dtype) * 2

    def ours(p: Any, t: Any) -> Any:
        w = None if weight is None else sd.tensor(weight)
        return losses.binary_cross_entropy_loss(p, t, reduction=reduction, weight=w)

    def theirs(p: Any, t: Any) -> Any:
        w = None if weight is None else torch.from_numpy(weight)
        return F.binary_cross_entropy(p, t, reduction=reduction, weight=w)

    compare(ours, theirs, [probs, target])


@pytest.mark.parametrize("bad", [[1.5, 0.5], [-0.1, 0.5], [float("nan"), 0.5]])
@pytest.mark.parametrize("where", ["input", "target"])
def test_binary_cross_entropy_refuses_what_is_no_probability_like_torch(
    bad: list[float], where: str
) -> None:
    good = np.array([0.5, 0.5], dtype="float32")
    args = {"input": good, "target": good, where: np.array(bad, dtype="float32")}
    with pytest.raises(RuntimeError, match=f"all elements of {where} should be between 0 and 1"):
        F.binary_cross_entropy(torch.from_numpy(args["input"]), torch.from_numpy(args["target"]))
    with pytest.raises(ValueError, match=f"every value of {where} must be between 0 and 1"):
        losses.binary_cross_entropy_loss(sd.tensor(args["input"]), sd.tensor(args["target"]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_with_logits_keeps_tiny_losses_like_torch(dtype: str) -> None:
    # NOTE: a confident right answer has a tiny loss (logit 50, target 1: 2e-22), not 0
    logits = np.array([50.0, -50.0, 30.0, -1000.0, 1000.0, 3.0], dtype=dtype)
    target = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.2], dtype=dtype)
    fn = losses.binary_cross_entropy_with_logits_loss
    compare(
        lambda x, t: fn(x, t, reduction="none"),
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        [logits, target],
        grad=False,
        rtol=1e-6,
        atol=0,
    )


# ---- class losses ----------------------------------------------------------------------
CE_SHAPES = [((7, 5), (7,)), ((3, 4, 2, 3), (3, 2, 3)), ((6,), ())]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.15, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
def test_cross_entropy_with_class_indices_matches_torch(
    shapes: tuple[tuple[int, ...], tuple[int, ...]],
    reduction: Reduction,
    smoothing: float,
    dtype: str,
) -> None:
    (logits_shape, target_shape), n = shapes, shapes[0][1 if len(shapes[0]) > 1 else 0]
    compare(
        lambda x, t: losses.cross_entropy_with_logits_loss(x, t, reduction, smoothing),
        lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        [randn(*logits_shape, seed=1, dtype=dtype) * 3, classes(*target_shape, n=n)],
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.2, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7, 5), (3, 4, 2, 3), (6,)], ids=str)
def test_cross_entropy_with_probabilities_matches_torch(
    shape: tuple[int, ...], reduction: Reduction, smoothing: float
) -> None:
    compare(
        lambda x, t: losses.cross_entropy_with_logits_loss(x, t, reduction, smoothing),
        lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        [
            randn(*shape, dtype="float64", seed=1) * 3,
            probs(*shape, dtype="float64", axis=1 if len(shape) > 1 else 0),
        ],
    )


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 0.0]], np.float32)
    compare(
        losses.cross_entropy_with_logits_loss,
        F.cross_entropy,
        [logits, np.array([1, 1])],
    )


def test_cross_entropy_gradient_matches_differences() -> None:
    target = sd.from_numpy(classes(4, n=3))
    central_difference(
        lambda x: losses.cross_entropy_with_logits_loss(x, target, label_smoothing=0.1),
        [randn(4, 3, dtype="float64")],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
def test_nll_loss_matches_torch(
    shapes: tuple[tuple[int, ...], tuple[int, ...]], reduction: Reduction, dtype: str
) -> None:
    (log_shape, target_shape), n = shapes, shapes[0][1 if len(shapes[0]) > 1 else 0]
    compare(
        lambda x, t: losses.nll_loss(x, t, reduction),
        lambda x, t: F.nll_loss(x, t, reduction=reduction),
        [randn(*log_shape, seed=2, dtype=dtype), classes(*target_shape, n=n)],
    )


def torch_kl(logits: torch.Tensor, target: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    """The documented PyTorch equivalent of `kl_div_with_logits_loss`."""
    a = 1 if logits.ndim >= 2 else 0
    kl = F.kl_div(F.log_softmax(logits, a), target, reduction="none")
    if reduction == "sum":
        return F.kl_div(F.log_softmax(logits, a), target, reduction="sum")
    if reduction == "mean" and logits.ndim == 2:
        return F.kl_div(F.log_softmax(logits, a), target, reduction="batchmean")
    return kl.sum(a).mean() if reduction == "mean" else kl.sum(a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2), (5,)], ids=str)
def test_kl_div_with_logits_matches_torch(
    shape: tuple[int, ...], reduction: Reduction, dtype: str
) -> None:
    axis = 1 if len(shape) >= 2 else 0
    compare(
        lambda x, t: losses.kl_div_with_logits_loss(x, t, reduction),
        lambda x, t: torch_kl(x, t, reduction),
        [randn(*shape, dtype=dtype, seed=1) * 2, probs(*shape, dtype=dtype, axis=axis)],
    )


def test_kl_div_counts_a_zero_target_as_zero() -> None:
    target = probs(4, 3, dtype="float64")
    target[0] = [0.0, 0.25, 0.75]
    target[1] = [0.0, 0.0, 1.0]
    for reduction in REDUCTIONS:
        compare(
            lambda x, t, r=reduction: losses.kl_div_with_logits_loss(x, t, r),
            lambda x, t, r=reduction: torch_kl(x, t, r),
            [randn(4, 3, dtype="float64"), target],
            grad=False,
        )
    logits = sd.from_numpy(randn(4, 3, dtype="float64")).traced()
    grads = losses.kl_div_with_logits_loss(logits, sd.from_numpy(target)).backward()
    tl = torch.from_numpy(np.asarray(logits.numpy())).requires_grad_()
    torch_kl(tl, torch.from_numpy(target), "mean").backward()
    assert tl.grad is not None
    np.testing.assert_allclose(grads[logits].numpy(), tl.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_div_target_gradient_is_torchs_at_zero_and_negative_targets(reduction) -> None:
    """PyTorch's kl_div is `xlogy(t, t) - t * log_q`: the gradient of a zero target is nan
    (`t log t` has no derivative at 0), a negative target makes the loss nan."""
    target = probs(4, 3, dtype="float64")
    target[0] = [0.0, 0.25, 0.75]
    target[1] = [0.0, 0.0, 1.0]
    for t in (target, np.where(np.arange(12).reshape(4, 3) == 5, -0.5, target)):
        run(
            (
                [randn(4, 3, dtype="float64"), t],
                lambda x, y: losses.kl_div_with_logits_loss(x, y, reduction),
                lambda x, y: torch_kl(x, y, reduction),
            )
        )


# ---- errors ----------------------------------------------------------------------------
def f32(*shape: int) -> sd.Tensor:
    return sd.zeros(shape)


def i64(*shape: int) -> sd.Tensor:
    return sd.from_numpy(np.zeros(shape, np.int64))


SHAPE_ERRORS = [
    (losses.mse_loss, f32(4, 3), f32(4, 2), "target axis 1 has size 2, expected 3"),
    (losses.mae_loss, f32(4, 3), f32(4), "target has rank 1, expected 2"),
    (losses.huber_loss, f32(2, 3), f32(3, 3), "target axis 0 has size 3, expected 2"),
    (losses.smooth_l1_loss, f32(5), f32(6), "target axis 0 has size 6, expected 5"),
    (
        losses.binary_cross_entropy_with_logits_loss,
        f32(8, 1),
        f32(8),
        "target has rank 1, expected 2",
    ),
    (
        losses.cross_entropy_with_logits_loss,
        f32(8, 10),
        i64(9),
        "class-index target axis 0 has size 9, expected 8",
    ),
    (
        losses.cross_entropy_with_logits_loss,
        f32(8, 10, 3),
        i64(8, 4),
        "class-index target axis 1 has size 4, expected 3",
    ),
    (
        losses.cross_entropy_with_logits_loss,
        f32(8, 10),
        f32(8, 9),
        "target axis 1 has size 9, expected 10",
    ),
    (
        losses.cross_entropy_with_logits_loss,
        f32(8, 10),
        i64(8, 10, 1),
        "target has rank 3, expected rank 1 (class indices) or 2 (probabilities)",
    ),
    (losses.cross_entropy_with_logits_loss, f32(), i64(), "needs a class axis"),
    (losses.nll_loss, f32(8, 10), f32(8, 10), "target has rank 2, expected rank 1 (class"),
    (losses.kl_div_with_logits_loss, f32(4, 5), f32(4, 6), "target axis 1 has size 6"),
]


@pytest.mark.parametrize(
    "fn, a, b, problem", SHAPE_ERRORS, ids=[f"{c[0].__name__}-{c[1].shape}" for c in SHAPE_ERRORS]
)
def test_target_shape_errors_name_the_loss_both_shapes_and_the_axis(
    fn: Any, a: sd.Tensor, b: sd.Tensor, problem: str
) -> None:
    with pytest.raises(sd.ShapeError) as err:
        fn(a, b)
    shapes = f"{sd.errors.show_shape(a.shape)} and {sd.errors.show_shape(b.shape)}"
    assert str(err.value).startswith(f"{fn.__name__}: shapes {shapes}: {problem}")


OTHER_ERRORS = [
    (lambda: losses.mse_loss(f32(2), f32(2), "avg"), ValueError, "invalid reduction 'avg'"),
    (
        lambda: losses.cross_entropy_with_logits_loss(f32(2, 3), sd.tensor([0, 3])),
        ValueError,
        r"class indices must be in \[0, 3\), got 0 to 3",
    ),
    (
        lambda: losses.nll_loss(f32(2, 3), sd.tensor([-1, 0])),
        ValueError,
        r"must be in \[0, 3\)",
    ),
    (
        lambda: losses.cross_entropy_with_logits_loss(f32(2, 3), sd.tensor([0.0, 1.0])),
        TypeError,
        "class indices must be an integer tensor",
    ),
    (
        lambda: losses.cross_entropy_with_logits_loss(f32(2, 3), i64(2, 3)),
        TypeError,
        "target must be a float tensor",
    ),
    (
        lambda: losses.cross_entropy_with_logits_loss(f32(2, 3), i64(2), label_smoothing=1.5),
        ValueError,
        "label_smoothing must be in",
    ),
    (lambda: losses.huber_loss(f32(2), f32(2), delta=0.0), ValueError, "delta must be > 0"),
    (lambda: losses.smooth_l1_loss(f32(2), f32(2), beta=-1.0), ValueError, "beta must be >= 0"),
    (
        lambda: losses.huber_loss(f32(2), f32(2), delta="sum"),  # type: ignore[arg-type]
        TypeError,
        r"^huber_loss: delta must be a number, not str 'sum'; the reduction is a keyword: "
        r"reduction='sum'$",
    ),
    (
        lambda: losses.smooth_l1_loss(f32(2), f32(2), beta=None),  # type: ignore[arg-type]
        TypeError,
        r"^smooth_l1_loss: beta must be a number, not NoneType None$",
    ),
]


@pytest.mark.parametrize(
    "fn, torch_fn", [(losses.huber_loss, F.huber_loss), (losses.smooth_l1_loss, F.smooth_l1_loss)]
)
def test_huber_and_smooth_l1_take_their_options_by_keyword_only(fn: Any, torch_fn: Any) -> None:
    """PyTorch's third positional is `reduction` (huber) or the old `size_average`: a ported
    `(a, b, "sum")` failed deep inside on `"sum" > 0`, naming neither the loss nor the
    argument."""
    a, b = randn(2, 3), randn(2, 3, seed=1)
    want = torch_fn(torch.from_numpy(a), torch.from_numpy(b), reduction="sum")
    with pytest.raises(TypeError, match=rf"{fn.__name__}\(\) takes 2 positional arguments"):
        fn(sd.from_numpy(a), sd.from_numpy(b), "sum")
    got = fn(sd.from_numpy(a), sd.from_numpy(b), reduction="sum")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


INTEGER_INPUTS = [
    (losses.mse_loss, F.mse_loss, "input", i64(2, 3)),
    (losses.mae_loss, F.l1_loss, "input", i64(2, 3)),
    (losses.huber_loss, F.huber_loss, "input", i64(2, 3)),
    (losses.smooth_l1_loss, F.smooth_l1_loss, "input", i64(2, 3)),
    (
        losses.binary_cross_entropy_with_logits_loss,
        F.binary_cross_entropy_with_logits,
        "logits",
        i64(2, 3),
    ),
    (losses.kl_div_with_logits_loss, lambda x, t: F.log_softmax(x, 1), "logits", i64(2, 3)),
    (losses.cross_entropy_with_logits_loss, F.cross_entropy, "logits", i64(2, 3)),
    (losses.cross_entropy_with_logits_loss, F.cross_entropy, "logits", i64(2)),
    (losses.nll_loss, F.nll_loss, "log_probs", i64(2)),
]


@pytest.mark.parametrize(
    "fn, torch_fn, name, target",
    INTEGER_INPUTS,
    ids=[f"{c[0].__name__}-{c[3].ndim}" for c in INTEGER_INPUTS],
)
def test_an_integer_input_is_refused_as_torch_refuses_it(
    fn: Any, torch_fn: Any, name: str, target: Any
) -> None:
    """torch has no integer kernels for its losses; here they once gave a loss silently (cross
    entropy's an integer, truncated: 1 where the loss is 2.13), typed with the input's dtype."""
    x = sd.tensor([[1, 2, 0], [0, 1, 2]])
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch_fn(torch.from_numpy(x.numpy()), torch.from_numpy(target.numpy()))
    with pytest.raises(TypeError, match=rf"{fn.__name__}: {name} must be a float tensor, not int"):
        fn(x, target)


BF16 = [
    (losses.mse_loss, F.mse_loss, "float"),
    (losses.binary_cross_entropy_with_logits_loss, F.binary_cross_entropy_with_logits, "float"),
    (losses.cross_entropy_with_logits_loss, F.cross_entropy, "index"),
    (losses.cross_entropy_with_logits_loss, F.cross_entropy, "float"),
]


@pytest.mark.parametrize(
    "fn, torch_fn, target", BF16, ids=[f"{c[0].__name__}-{c[2]}" for c in BF16]
)
def test_bfloat16_is_a_float_to_the_losses(fn: Any, torch_fn: Any, target: str) -> None:
    """bfloat16's NumPy kind is "V", not "f": the float checks must know it by name."""
    x = randn(4, 3, seed=1)
    t = np.random.default_rng(2).random((4, 3)).astype("float32")
    tb = sd.from_numpy(t).astype(sd.bf16)
    got = fn(sd.from_numpy(x).astype(sd.bf16), tb if target == "float" else sd.tensor([0, 2, 1, 2]))
    tt = torch.from_numpy(tb.numpy().astype("float32")).bfloat16()
    want = torch_fn(
        torch.from_numpy(x).bfloat16(), tt if target == "float" else torch.tensor([0, 2, 1, 2])
    )
    assert got.numpy().dtype.name == "bfloat16"
    np.testing.assert_allclose(float(got.item()), float(want), rtol=2e-2)


@pytest.mark.parametrize("call, kind, message", OTHER_ERRORS)
def test_other_errors(call: Callable[[], Any], kind: type[Exception], message: str) -> None:
    with pytest.raises(kind, match=message):
        call()


# ---- registered rules (what the plugin checks statically) ------------------------------
def test_rules_are_registered_and_symbolic() -> None:
    B, T, C = dims.sym("B"), dims.sym("T"), dims.sym("C")
    ce = REGISTRY["cross_entropy_with_logits_loss"]
    assert ce.function == "shapedl.losses.classes.cross_entropy_with_logits_loss"
    assert ce.tensors == ("logits", "target", "weight") and ce.statics == ("reduction",)
    assert ce.rule("ce", (B, C), (B,)) == ()
    assert ce.rule("ce", (B, C, T), (B, T), reduction="none") == (B, T)
    assert ce.rule("ce", (B, C), (dims.DYN,), reduction="none") == (B,)
    assert ce.rule("ce", (B, C), (B, C), reduction="none") == (B,)
    with pytest.raises(sd.ShapeError, match=r"ce: shapes \(B, C\) and \(T,\): .* axis 0"):
        ce.rule("ce", (B, C), (T,))
    assert ce.rule("ce", (B, C), (B,), weight=(C,)) == ()
    with pytest.raises(sd.ShapeError, match=r"ce: .* and \(T,\): weight must have shape \(C,\)"):
        ce.rule("ce", (B, C), (B,), weight=(T,))
    mse = REGISTRY["mse_loss"]
    assert mse.rule("mse", (B, dims.DYN), (dims.DYN, 3), reduction="none") == (B, 3)
    with pytest.raises(sd.ShapeError, match="axis 1"):
        mse.rule("mse", (B, 4), (B, 5))
    for name in losses.__all__:  # NOTE: where it is defined, the fullname mypy gives the call
        fn = getattr(losses, name)
        assert REGISTRY[name].function == f"{fn.__module__}.{name}"
        assert fn.__module__.startswith("shapedl.losses.")
    assert REGISTRY["kl_div_with_logits_loss"].rule("kl", (B, C), (B, C), "none") == (B,)
    assert REGISTRY["nll_loss"].rule("nll", (C,), ()) == ()


# ---- class weights and ignore_index, as PyTorch's -------------------------------------
def _targets(*shape: int, n: int, ignore: int = -100) -> np.ndarray:
    """Class indices with every third one `ignore`."""
    t = classes(*shape, n=n)
    t.reshape(-1)[::3] = ignore
    return t


CLASS_OPTIONS = [
    ("weight", {"weight": True}, -100),
    ("smoothing weight", {"weight": True, "label_smoothing": 0.1}, -100),
    ("ignore", {}, -100),
    ("ignore 1", {"ignore_index": 1}, 1),
    ("weight ignore", {"weight": True}, -100),
    ("weight ignore 2", {"weight": True, "ignore_index": 2}, 2),
    ("smoothing weight ignore", {"weight": True, "label_smoothing": 0.2}, -100),
    ("smoothing ignore", {"label_smoothing": 0.3}, -100),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2)], ids=["NC", "NCD"])
@pytest.mark.parametrize("name, options, ignore", CLASS_OPTIONS, ids=[c[0] for c in CLASS_OPTIONS])
def test_cross_entropy_weight_and_ignore_index_match_torch(
    name: str, options: dict[str, Any], ignore: int, shape: tuple[int, ...], reduction: Reduction
) -> None:
    n, c, rest = shape[0], shape[1], shape[2:]
    target = _targets(n, *rest, n=c, ignore=ignore) if "ignore" in name else classes(n, *rest, n=c)
    w = np.random.default_rng(7).random(c).astype("float64") + 0.5
    kwargs = {k: v for k, v in options.items() if k != "weight"}

    def ours(x: Any, t: Any) -> Any:
        weight = sd.from_numpy(w) if options.get("weight") else None
        return losses.cross_entropy_with_logits_loss(x, t, reduction, weight=weight, **kwargs)

    def theirs(x: Any, t: Any) -> Any:
        weight = torch.from_numpy(w) if options.get("weight") else None
        return F.cross_entropy(x, t, weight=weight, reduction=reduction, **kwargs)

    compare(ours, theirs, [randn(*shape, dtype="float64"), target])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 0])
def test_nll_loss_weight_and_ignore_index_match_torch(
    reduction: Reduction, weight: bool, ignore_index: int
) -> None:
    w = np.random.default_rng(8).random(4).astype("float32") + 0.5
    target = _targets(6, n=4, ignore=ignore_index)
    compare(
        lambda x, t: losses.nll_loss(
            x, t, reduction, sd.from_numpy(w) if weight else None, ignore_index
        ),
        lambda x, t: F.nll_loss(
            x,
            t,
            torch.from_numpy(w) if weight else None,
            ignore_index=ignore_index,
            reduction=reduction,
        ),
        [randn(6, 4), target],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_weight_with_probabilities_matches_torch(reduction: Reduction) -> None:
    w = np.array([0.5, 2.0, 1.0], "float32")
    compare(
        lambda x, t: losses.cross_entropy_with_logits_loss(
            x, t, reduction, 0.1, weight=sd.from_numpy(w)
        ),
        lambda x, t: F.cross_entropy(
            x, t, torch.from_numpy(w), reduction=reduction, label_smoothing=0.1
        ),
        [randn(4, 3), probs(4, 3)],
    )


def test_every_sample_ignored_gives_torchs_nan() -> None:
    x, t = randn(3, 4), np.full(3, -100)
    want = F.cross_entropy(torch.from_numpy(x), torch.from_numpy(t))
    got = losses.cross_entropy_with_logits_loss(sd.from_numpy(x), sd.from_numpy(t))
    assert np.isnan(got.item()) and torch.isnan(want)


# NOTE: the mean is 0 / 0 (nan) and PyTorch's gradient 0: every sample ignored, or every
# sample's class weighted 0, with and without smoothing
NOTHING_COUNTS = [
    ("ignored", {}, np.full(3, -100)),
    ("ignored one sample", {"ignore_index": 1}, np.array(1)),
    ("weighted 0", {"weight": np.array([0.0, 1.0, 1.0, 1.0])}, np.zeros(3, "int64")),
    ("ignored, smoothing", {"label_smoothing": 0.1}, np.full(3, -100)),
]


@pytest.mark.parametrize(
    "loss, name, options, t",
    [(loss, *c) for loss in ("cross_entropy", "nll_loss") for c in NOTHING_COUNTS
     if loss == "cross_entropy" or "label_smoothing" not in c[1]],  # NOTE: nll has no smoothing
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_a_mean_over_nothing_is_nan_with_torchs_zero_gradient(
    loss: str, name: str, options: dict[str, Any], t: np.ndarray
) -> None:
    ours = losses.cross_entropy_with_logits_loss if loss == "cross_entropy" else losses.nll_loss
    theirs = F.cross_entropy if loss == "cross_entropy" else F.nll_loss
    w = options.get("weight")
    rest = {k: v for k, v in options.items() if k != "weight"}
    x = randn(*t.shape, 4) if t.ndim else randn(4)
    compare(
        lambda x, t: ours(x, t, weight=None if w is None else sd.from_numpy(w), **rest),
        lambda x, t: theirs(x, t, weight=None if w is None else torch.from_numpy(w), **rest),
        [x.astype("float64"), t],
    )


def test_weight_errors() -> None:
    x, t = sd.from_numpy(randn(2, 3)), sd.tensor([0, 2])
    with pytest.raises(sd.ShapeError, match=r"weight must have shape \(3,\), one per class"):
        losses.cross_entropy_with_logits_loss(x, t, weight=sd.ones((4,)))
    with pytest.raises(sd.ShapeError, match=r"nll_loss: .*weight must have shape \(3,\)"):
        losses.nll_loss(x, t, weight=sd.ones((1, 3)))
    with pytest.raises(TypeError, match="cross_entropy_with_logits_loss: weight must be a float"):
        losses.cross_entropy_with_logits_loss(x, t, weight=sd.tensor([1, 2, 3]))
    with pytest.raises(sd.DTypeError, match="cross_entropy_with_logits_loss"):
        losses.cross_entropy_with_logits_loss(x, t, weight=sd.ones((3,), dtype=sd.f64))
    with pytest.raises(ValueError, match=r"got 0 to 5 \(ignore_index=-100 is the one value"):
        losses.cross_entropy_with_logits_loss(x, sd.tensor([-100, 5]))


# NOTE: found by the differential fuzzer (tests/ops/test_fuzz.py); failed before the fix:
# the unused quadratic branch's gradient was 0 * inf = nan at an infinite difference
@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
def test_huber_and_smooth_l1_at_infinite_and_nan_differences(name) -> None:
    x = np.array([0.0, 0.0, 1.0, 0.0, 0.2], dtype="float32")
    t = np.array([np.inf, -np.inf, np.nan, 0.0, 0.0], dtype="float32")
    option = {"huber_loss": "delta", "smooth_l1_loss": "beta"}[name]
    theirs = {"huber_loss": F.huber_loss, "smooth_l1_loss": F.smooth_l1_loss}[name]
    for r in REDUCTIONS:
        run(
            (
                [x, t],
                lambda a, b, r=r: getattr(losses, name)(a, b, **{option: 0.5}, reduction=r),
                lambda a, b, r=r: theirs(a, b, reduction=r, **{option: 0.5}),
            )
        )
