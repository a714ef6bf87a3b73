"""Reductions into segments, as graph networks and RL port them from PyTorch: `index_add`,
`scatter_reduce` and `bincount`.

`index_add(x, axis, index, source)` is `torch.index_add` (out of place): the slices of
`source` along `axis` added to `x` at the positions in the 1-d `index`. `scatter_reduce(x,
axis, index, src, reduce)` is `torch.scatter_reduce`: `scatter_add`'s placement (and its shape
rule) with `"sum"`, `"prod"`, `"mean"`, `"amax"` or `"amin"`, `x`'s value taking part unless
`include_self=False`; its gradients are PyTorch's formulas (an extremum's gradient shared
evenly between the values equal to it). `bincount` counts (or sums weights) per non-negative
integer; how long its result is depends on the values, so that size is `Dyn` in its type.
"""

from __future__ import annotations

from typing import Any, overload

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Shape
from shapedl.errors import shape_error, show_shape
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.index import _check_axis, select_rule
from shapedl.ops.registry import register
from shapedl.ops.scatter import _integer, _key, scatter_add_rule
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, Dyn, NoTape, i64

__all__ = ["bincount", "index_add", "scatter_reduce"]


# ---- index_add ----------------------------------------------------------------------------
def index_add_rule(op: str, x: Shape, index: Shape, source: Shape, axis: Any = 0) -> Shape:
    """`x`'s shape; `index` is 1-d and `source` is `x` with axis `axis` as long as `index`."""
    if not dims.is_axis(axis):
        if len(index) > 1:
            select_rule(op, x, index, axis)  # NOTE: its words for the index's rank, first
        return x
    want = select_rule(op, x, index, axis)
    if len(source) != len(want) or any(
        dims.same(s, w) is False for s, w in zip(source, want, strict=True)
    ):
        a = dims.normalize_axis(op, axis, x)
        raise shape_error(
            op,
            [x, index, source],
            f"source must have shape {show_shape(want)}: x's, with axis {a} as long as index",
        )
    return x


@register("index_add", index_add_rule, tensors=("x", "index", "source"), statics=("axis",))
def index_add(
    x: Tensor[Any, DT, Any],
    axis: int,
    index: Tensor[Any, Any, Any],
    source: Tensor[Any, DT, Any],
    alpha: float = 1,
) -> Tensor[Any, DT, Any]:
    """`x` with the slices of `source` along `axis` (times `alpha`) added at the positions in
    the 1-d `index`, as PyTorch's `x.index_add(dim, index, source, alpha=alpha)` (out of
    place); repeated indices add up.

    The gradient passes to `x` unchanged and to `source` as the output's gradient at `index`
    (times `alpha`).

    Raises:
        ShapeError: when `index` is not 1-d, `source` is not `x` with axis `axis` as long as
            `index`, or an index is out of `[0, size)` (on every device, as PyTorch's).
        TypeError: when `index` is not an integer tensor.
        DTypeError: when `x` and `source` differ in dtype.

    Shape:
        `(*A, N, *B), (K,), (*A, K, *B) -> (*A, N, *B)` (axis at `N`).

    Example:
        >>> import shapedl as sd
        >>> x = sd.zeros((3, 2))
        >>> sd.ops.index_add(x, 0, sd.tensor([0, 2, 0]), sd.ones((3, 2))).tolist()
        [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    """
    index_add_rule("index_add", x.shape, index.shape, source.shape, axis)
    _integer("index_add", index)
    check_devices("index_add", x, index, source)
    same_dtype("index_add", x, source)
    xp, a = x.xp, axis % x.ndim
    positions = index.data.reshape((-1,))
    shapes: list[Shape] = [x.shape, index.shape, source.shape]
    _check_axis("index_add", shapes, x.device.backend, positions, a, x.shape[a], negative=False)
    key = (slice(None),) * a + (positions,)
    scaled = source.data if alpha == 1 else source.data * xp.asarray(alpha, source.data.dtype)
    out = x.data.copy()
    xp.add.at(out, key, scaled)

    def vjp(g: Array) -> tuple[Array, None, Array]:
        picked = g[key].reshape(source.shape)
        return g, None, picked if alpha == 1 else picked * xp.asarray(alpha, g.dtype)

    return record(out, (x, index, source), vjp)


# ---- scatter_reduce -------------------------------------------------------------------------
REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce_rule(
    op: str, x: Shape, index: Shape, src: Shape, axis: Any = 0, reduce: Any = "sum"
) -> Shape:
    """`scatter_add`'s rule: `x`'s shape; `index` has `x`'s rank and fits in `src` (and in
    `x` off `axis`)."""
    return scatter_add_rule(op, x, index, src, axis)


def _identity(xp: Any, dtype: Any, reduce: str) -> Any:
    """What a position starts from when `x`'s value takes no part."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = xp.finfo(dtype) if dtype.kind == "f" else xp.iinfo(dtype)
    big = xp.inf if dtype.kind == "f" else info.max
    return -big if reduce == "amax" else big


_AT = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _reduced(xp: Any, x: Array, key: Any, src: Array, reduce: str, include_self: bool) -> Array:
    """The forward of `scatter_reduce` on arrays (PyTorch's integer mean rounds down)."""
    out = x.copy()
    if not include_self:
        out[key] = _identity(xp, x.dtype, reduce)
    getattr(xp, _AT[reduce]).at(out, key, src)
    if reduce != "mean":
        return out
    count = xp.ones(x.shape, x.dtype) if include_self else xp.zeros(x.shape, x.dtype)
    xp.add.at(count, key, 1)
    count[count == 0] = 1
    return out // count if x.dtype.kind in "iu" else out / count


@register(
    "scatter_reduce",
    scatter_reduce_rule,
    tensors=("x", "index", "src"),
    statics=("axis", "reduce"),
)
def scatter_reduce(
    x: Tensor[Any, DT, Any],
    axis: int,
    index: Tensor[Any, Any, Any],
    src: Tensor[Any, DT, Any],
    reduce: str,
    include_self: bool = True,
) -> Tensor[Any, DT, Any]:
    """`x` with the values of `src` reduced into the positions `index` names along `axis`,
    as PyTorch's `x.scatter_reduce(dim, index, src, reduce, include_self=include_self)`.

    `reduce` is `"sum"`, `"prod"`, `"mean"`, `"amax"` or `"amin"`; `x`'s own value is one of
    the reduced values unless `include_self=False`; a position no index names keeps `x`'s
    value. The gradients are PyTorch's: an extremum's is shared evenly between the values
    equal to it, a product's is the product of the others.

    Raises:
        ShapeError: when the ranks differ, `index` is larger than `src` (or than `x` off
            `axis`), or an index is out of `[0, size)` (on every device, as PyTorch's).
        ValueError: for another `reduce`.
        TypeError: when `index` is not an integer tensor.
        DTypeError: when `x` and `src` differ in dtype.

    Shape:
        `(*S), (*I), (*R) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([0.0, 0.0])
        >>> index, src = sd.tensor([0, 0, 1]), sd.tensor([1.0, 3.0, 2.0])
        >>> sd.ops.scatter_reduce(x, 0, index, src, "amax", include_self=False).tolist()
        [3.0, 2.0]
    """
    if reduce not in REDUCTIONS:
        raise ValueError(
            f"scatter_reduce: reduce must be one of {', '.join(REDUCTIONS)}, not {reduce!r}"
        )
    scatter_reduce_rule("scatter_reduce", x.shape, index.shape, src.shape, axis)
    _integer("scatter_reduce", index)
    check_devices("scatter_reduce", x, index, src)
    same_dtype("scatter_reduce", x, src)
    xp, backend, a = x.xp, x.device.backend, axis % max(x.ndim, 1)
    shapes: list[Shape] = [x.shape, index.shape, src.shape]
    _check_axis("scatter_reduce", shapes, backend, index.data, a, x.shape[a], negative=False)
    key = _key(xp, index.data, a)
    part = tuple(slice(0, n) for n in index.shape)
    values = src.data[part]
    # NOTE: quietly: a nan meets maximum/minimum as PyTorch gives it (nan), not as a warning
    out = backend.quietly(lambda: _reduced(xp, x.data, key, values, reduce, include_self))

    def vjp(g: Array) -> tuple[Array, None, Array]:
        # NOTE: quietly: PyTorch's formulas divide by zero where a gradient is inf or nan
        with backend.quiet():
            gx, gs = _GRADS[reduce](xp, g, x.data, key, values, out, reduce, include_self)
        if not include_self:
            gx = gx.copy()
            gx[key] = 0  # NOTE: x's values there took no part
        grad_src = xp.zeros(src.shape, dtype=g.dtype)
        grad_src[part] = gs
        return gx, None, grad_src

    return record(out, (x, index, src), vjp)


Grads = tuple[Array, Array]


def _sum_grads(xp: Any, g: Array, x: Array, key: Any, src: Array, *_: Any) -> Grads:
    return g, g[key]


def _mean_grads(
    xp: Any, g: Array, x: Array, key: Any, src: Array, out: Array, reduce: str, inc: bool
) -> Grads:
    count = xp.ones(x.shape, g.dtype) if inc else xp.zeros(x.shape, g.dtype)
    xp.add.at(count, key, 1)
    count[count == 0] = 1
    share = g / count
    return share, share[key]


def _extremum_grads(
    xp: Any, g: Array, x: Array, key: Any, src: Array, out: Array, reduce: str, inc: bool
) -> Grads:
    # NOTE: PyTorch counts x's value among the ties even with include_self=False (its share is
    # then dropped), and multiplies by the masks, so that 0 * inf is nan as in its backward
    self_is = (x == out).astype(g.dtype)
    src_is = (src == out[key]).astype(g.dtype)
    ties = self_is.copy()
    xp.add.at(ties, key, src_is)
    share = g / ties
    return self_is * share, src_is * share[key]


def _prod_grads(
    xp: Any, g: Array, x: Array, key: Any, src: Array, out: Array, reduce: str, inc: bool
) -> Grads:
    # NOTE: PyTorch's formula: a zero's gradient is the product of the others, computed
    # again with that zero as 1 (a single zero in src; two or more make every gradient 0)
    masked_self = xp.where(x == 0, xp.ones((), x.dtype), x)
    others = _reduced(xp, masked_self, key, src, "prod", inc)
    grad_self = g * others / masked_self
    zero = src == 0
    zeros = xp.zeros(x.shape, g.dtype)
    xp.add.at(zeros, key, zero.astype(g.dtype))
    single = zero & (zeros[key] == 1)
    masked_src = xp.where(single, xp.ones((), src.dtype), src)
    without = _reduced(xp, x, key, masked_src, "prod", inc)
    plain = (g * out)[key] / xp.where(zero, xp.ones((), src.dtype), src)
    return grad_self, xp.where(single, (g * without)[key], plain)


_GRADS = {
    "sum": _sum_grads,
    "mean": _mean_grads,
    "amax": _extremum_grads,
    "amin": _extremum_grads,
    "prod": _prod_grads,
}


# ---- bincount -----------------------------------------------------------------------------
def bincount_rule(op: str, x: Shape, weights: Shape | None = None, minlength: Any = 0) -> Shape:
    """`(Dyn,)`: one count per value up to the largest, however large; `x` is 1-d and
    `weights`, if given, has its shape."""
    shapes = [x] if weights is None else [x, weights]
    if len(x) != 1:
        raise shape_error(op, shapes, f"x must be 1-d, not {len(x)}-d", "flatten it: x.flatten()")
    if weights is not None and (len(weights) != 1 or dims.same(weights[0], x[0]) is False):
        raise shape_error(op, shapes, f"weights must have x's shape ({x[0]},), one per value")
    return (DYN,)


@overload
def bincount(
    x: Tensor[Any, Any, Any], weights: None = None, minlength: int = 0
) -> Tensor[tuple[Dyn], i64, NoTape]: ...
@overload
def bincount(
    x: Tensor[Any, Any, Any], weights: Tensor[Any, DT, TT], minlength: int = 0
) -> Tensor[tuple[Dyn], DT, TT]: ...
@register("bincount", bincount_rule, tensors=("x", "weights"), statics=("minlength",))
def bincount(
    x: Tensor[Any, Any, Any], weights: Tensor[Any, Any, Any] | None = None, minlength: int = 0
) -> Tensor[Any, Any, Any]:
    """How many times each value `0, 1, ..., max(x)` occurs in the 1-d integer tensor `x`
    (at least `minlength` of them), or the sum of `weights` at each, as `torch.bincount`.

    Counts are untraced int64; sums have the float dtype of `weights` and pass the gradient
    back to each weight (the output's gradient at its value). PyTorch has no gradient there,
    and gives float64 sums of f16, bf16 and integer weights; shapedl keeps a float dtype and
    takes float weights only.

    Raises:
        ShapeError: when `x` is not 1-d or `weights` has not its shape.
        ValueError: when a value of `x` or `minlength` is negative.
        TypeError: when `x` is not an integer tensor, or `weights` not a float one.

    Shape:
        `(N,), (N,) -> (M,)`, `M` known only at run time (`Dyn`).

    Example:
        >>> import shapedl as sd
        >>> sd.ops.bincount(sd.tensor([1, 3, 1]), minlength=5).tolist()
        [0, 2, 0, 1, 0]
    """
    bincount_rule("bincount", x.shape, None if weights is None else weights.shape, minlength)
    _integer("bincount", x)
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be >= 0, not {minlength}")
    xp, data = x.xp, x.data
    if data.size and int(data.min()) < 0:
        raise ValueError(f"bincount: values must be >= 0, found {int(data.min())}")
    n = max(int(data.max()) + 1 if data.size else 0, minlength)
    if weights is None:
        out = xp.zeros((n,), dtype="int64")
        xp.add.at(out, data, 1)
        return Tensor(out, x.device)
    check_devices("bincount", x, weights)
    if weights.data.dtype.kind != "f":
        raise TypeError(
            f"bincount: weights must be a float tensor, not {weights.data.dtype}; "
            "PyTorch's float64 sums are weights.astype(sd.f64)"
        )
    sums = xp.zeros((n,), dtype=weights.data.dtype)
    xp.add.at(sums, data, weights.data)

    def vjp(g: Array) -> tuple[None, Array]:
        return None, g[data]

    return record(sums, (x, weights), vjp)
