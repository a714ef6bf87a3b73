"""Random draws from the device's seeded generator: `multinomial` (indices drawn with given
probabilities, the sampling step of every text-generation loop), `randint` and `randperm`.

Shape rules: `multinomial` of `(N,)` or `(B, N)` weights gives `(num_samples,)` or
`(B, num_samples)` indices; `randint` gives the shape it was asked for, `randperm(n)` `(n,)`.
All give untraced int64 tensors (or `randint`'s and `randperm`'s `dtype`).
"""

from __future__ import annotations

import operator
from typing import Any

from typing_extensions import TypeVar

from shapedl import dims
from shapedl.device import Device, default_device
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.creation import ShapeArg, _sizes, check_dtype, shape_rule
from shapedl.ops.elementwise import float_only
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DType, NoTape, i64

__all__ = ["multinomial", "randint", "randperm"]

DTI = TypeVar("DTI", bound=DType, default=i64)


def multinomial_rule(op: str, probs: Shape, num_samples: Dim, replacement: bool = False) -> Shape:
    """`(num_samples,)` from `(N,)`, `(B, num_samples)` from `(B, N)`; without replacement
    no more samples than categories."""
    if len(probs) not in (1, 2):
        raise shape_error(op, [probs], f"probs must be 1-d or 2-d, not {len(probs)}-d")
    n = probs[-1]
    if isinstance(num_samples, int) and num_samples <= 0:
        raise shape_error(op, [probs], f"num_samples must be positive, got {num_samples}")
    if replacement is False and isinstance(n, int) and isinstance(num_samples, int):
        if num_samples > n:
            raise shape_error(
                op,
                [probs],
                f"cannot draw {num_samples} samples from {n} categories without replacement",
                "pass replacement=True",
            )
    return (*probs[:-1], num_samples)


@register(
    "multinomial",
    multinomial_rule,
    tensors=("probs",),
    statics=("num_samples", "replacement"),
    methods=("multinomial",),
    dtype="int64",
)
def multinomial(
    probs: Tensor[Any, Any, Any], num_samples: int, replacement: bool = False
) -> Tensor[Any, i64, NoTape]:
    """Indices drawn with probabilities proportional to `probs` (each row, for 2-d), as
    PyTorch's `multinomial`: weights need not sum to 1, a zero weight is drawn only when
    nothing else is left, and without `replacement` an index is drawn at most once per row.

    Args:
        probs: non-negative, finite float weights, `(N,)` or `(B, N)`, not all zero in a row.
        num_samples: how many indices to draw per row.
        replacement: whether an index may be drawn again.

    Returns:
        int64 indices, untraced, from the device's seeded generator.

    Raises:
        ShapeError: for `probs` of another rank, or more samples than categories without
            replacement.
        TypeError: for integer weights, as PyTorch's.
        ValueError: for negative, infinite or nan weights, or a row of zeros.

    Shape:
        `(*B, N) -> (*B, num_samples)`

    Example:
        >>> import shapedl as sd
        >>> logits = sd.tensor([[0.0, 1.0, 9.0], [9.0, 0.0, 1.0]])
        >>> sd.ops.multinomial(sd.ops.softmax(logits * 100), 1).tolist()
        [[2], [0]]
    """
    float_only("multinomial", probs, name="probs")
    multinomial_rule("multinomial", probs.shape, num_samples, replacement)
    xp, w = probs.xp, probs.data.astype("float64")
    if not bool(xp.all(xp.isfinite(w) & (w >= 0))):
        raise ValueError("multinomial: probs must be finite and non-negative")
    nonzero = xp.count_nonzero(w, axis=-1)
    if bool(xp.any(nonzero == 0)):
        raise ValueError("multinomial: a row of probs sums to 0; give it some weight")
    rng = probs.device.rng
    if replacement:
        cdf = xp.cumsum(w, axis=-1)
        u = rng.random((*w.shape[:-1], num_samples)) * cdf[..., -1:]
        # NOTE: the first index whose cumulative weight passes u: never one of zero weight
        out = (u[..., :, None] >= cdf[..., None, :]).sum(axis=-1)
    else:
        # NOTE: Gumbel top-k: the k largest of log(w) + Gumbel noise are a draw without
        # replacement, as drawing one at a time and renormalizing would give; once the
        # nonzero weights are used up, the zero ones follow, as in PyTorch (in index order
        # here, in an order of its kernel's there)
        with probs.device.backend.quiet():
            keys = xp.log(w) - xp.log(-xp.log(rng.random(w.shape)))
        out = xp.argsort(-keys, axis=-1, kind="stable")[..., :num_samples]
    return Tensor(out.astype("int64"), probs.device)


def randint_rule(op: str, shape: Any) -> Shape:
    """The shape asked for; sizes must be >= 0."""
    return shape_rule(op, shape)


@register("randint", randint_rule, tensors=(), statics=("shape",))
def randint(
    low: int,
    high: int,
    shape: ShapeArg,
    dtype: type[DTI] = i64,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DTI, NoTape]:
    """Integers drawn uniformly from `[low, high)`, from the device's seeded generator.

    `randint(low, high, shape)`, as PyTorch's three-argument form and NumPy's `randint`
    (PyTorch's `randint(high, shape)` is `randint(0, high, shape)` here).

    Raises:
        ValueError: when `high <= low`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.randint(0, 10, (2, 3))
        >>> x.shape, x.dtype is sd.i64, 0 <= x.min().item() and x.max().item() < 10
        ((2, 3), True, True)
    """
    check_dtype("randint", dtype)
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be above low ({low})")
    dev = device or default_device()
    size = shape_rule("randint", _sizes("randint", shape))
    data = dev.rng.integers(low, high, size)
    return Tensor(data.astype(dev.backend.dtype(dtype.name)), dev)


def randperm_rule(op: str, n: Dim) -> Shape:
    """`(n,)`; `n` must be >= 0."""
    return shape_rule(op, (n,))


@register("randperm", randperm_rule, tensors=(), statics=("n",))
def randperm(
    n: int,
    dtype: type[DTI] = i64,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[tuple[Any], DTI, NoTape]:
    """A random permutation of `0, ..., n - 1`, from the device's seeded generator, as
    PyTorch's `randperm` (the same numbers for the same seed, not PyTorch's numbers).

    Raises:
        ShapeError: when `n` is negative.

    Shape:
        `(n,)`.

    Example:
        >>> import shapedl as sd
        >>> p = sd.randperm(5)
        >>> p.shape, p.dtype is sd.i64, sorted(p.tolist())
        ((5,), True, [0, 1, 2, 3, 4])
    """
    check_dtype("randperm", dtype)
    dims.check_int("randperm", "n", n)
    size = randperm_rule("randperm", operator.index(n))[0]
    dev = device or default_device()
    data = dev.rng.permutation(size)
    return Tensor(data.astype(dev.backend.dtype(dtype.name)), dev)
