"""More elementwise maps: logarithms and exponentials near 0, `erf`, `rsqrt`, `tan`, hyperbolic
and inverse trigonometric functions, `atan2` and `logaddexp` (binary, broadcast), and `lerp`.

Shape rule: a unary map keeps its shape (`same_shape`); `atan2` and `logaddexp` broadcast
(`broadcast_rule`), `lerp` broadcasts its three operands (`lerp_rule`).
Edge values give PyTorch's inf or nan, never an error (`log1p(-1)` is `-inf`, `asin(2)` nan).
A float tensor keeps its dtype; an integer one gives NumPy's float64 (PyTorch's float32: where
the two disagree NumPy's meaning wins, as for `exp`).
"""

from __future__ import annotations

import math
from typing import Any

from shapedl import dims
from shapedl.backend import Array, is_float
from shapedl.dims import Shape
from shapedl.ops.elementwise import (
    _BINARY,
    Operand,
    _binary,
    _edge,
    _unary,
    _xp,
    broadcast_rule,
    float_only,
    same_dtype,
)
from shapedl.ops.elementwise import same_shape as same_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, S

__all__ = [
    "acos",
    "asin",
    "atan",
    "atan2",
    "cosh",
    "erf",
    "expm1",
    "lerp",
    "logaddexp",
    "log1p",
    "log2",
    "log10",
    "rsqrt",
    "sinh",
    "tan",
]

_LN2, _LN10, _TWO_OVER_SQRT_PI = math.log(2), math.log(10), 2 / math.sqrt(math.pi)


@register("log1p", same_shape, methods=("log1p",))
def log1p(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`log(1 + x)`, exact for small `x`; `-inf` at -1 and nan below, as in PyTorch.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.log1p(sd.tensor([0.0, -1.0])).tolist()
        [0.0, -inf]
    """
    return _unary(
        x, _edge(x, lambda: x.xp.log1p(x.data)), lambda g: _edge(x, lambda: g / (1 + x.data))
    )


@register("expm1", same_shape, methods=("expm1",))
def expm1(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`e ** x - 1`, exact for small `x`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.expm1(sd.tensor([0.0])).tolist()
        [0.0]
    """
    out = _edge(x, lambda: x.xp.expm1(x.data))
    return _unary(x, out, lambda g: g * (out + 1))


@register("erf", same_shape, methods=("erf",))
def erf(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """The error function `2 / sqrt(pi) * integral(exp(-t**2), 0, x)`, as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.erf(sd.tensor([0.0, float("inf")])).tolist()
        [0.0, 1.0]
    """
    a = x.data if is_float(x.data.dtype) else x.data.astype("float64")
    out = x.device.backend.erf(a)
    return _unary(x, out, lambda g: _edge(x, lambda: g * _TWO_OVER_SQRT_PI * x.xp.exp(-a * a)))


@register("rsqrt", same_shape, methods=("rsqrt",))
def rsqrt(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`1 / sqrt(x)`; inf at 0 and nan below, as in PyTorch.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.rsqrt(sd.tensor([4.0, 0.0])).tolist()
        [0.5, inf]
    """
    out = _edge(x, lambda: 1 / x.xp.sqrt(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: -0.5 * g * out * out * out))


@register("log2", same_shape, methods=("log2",))
def log2(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Logarithm in base 2; `-inf` at 0 and nan below.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.log2(sd.tensor([8.0])).tolist()
        [3.0]
    """
    out = _edge(x, lambda: x.xp.log2(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: g / (x.data * _LN2)))


@register("log10", same_shape, methods=("log10",))
def log10(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Logarithm in base 10; `-inf` at 0 and nan below.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 5) for v in sd.ops.log10(sd.tensor([100.0, 0.001])).tolist()]
        [2.0, -3.0]
    """
    out = _edge(x, lambda: x.xp.log10(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: g / (x.data * _LN10)))


@register("sinh", same_shape, methods=("sinh",))
def sinh(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Hyperbolic sine.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.sinh(sd.tensor([0.0])).tolist()
        [0.0]
    """
    out = _edge(x, lambda: x.xp.sinh(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: g * x.xp.cosh(x.data)))


@register("cosh", same_shape, methods=("cosh",))
def cosh(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Hyperbolic cosine.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.cosh(sd.tensor([0.0])).tolist()
        [1.0]
    """
    out = _edge(x, lambda: x.xp.cosh(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: g * x.xp.sinh(x.data)))


def _one_minus_square(x: Tensor[Any, Any, Any]) -> Array:
    return 1 - x.data * x.data


@register("asin", same_shape, methods=("asin",))
def asin(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Inverse sine, in `[-pi/2, pi/2]`; nan outside `[-1, 1]`, an infinite gradient at ±1.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.asin(sd.tensor([0.0])).tolist()
        [0.0]
    """
    out = _edge(x, lambda: x.xp.arcsin(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: g / x.xp.sqrt(_one_minus_square(x))))


@register("acos", same_shape, methods=("acos",))
def acos(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Inverse cosine, in `[0, pi]`; nan outside `[-1, 1]`, an infinite gradient at ±1.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.acos(sd.tensor([1.0])).tolist()
        [0.0]
    """
    out = _edge(x, lambda: x.xp.arccos(x.data))
    return _unary(x, out, lambda g: _edge(x, lambda: -g / x.xp.sqrt(_one_minus_square(x))))


@register("tan", same_shape, methods=("tan",))
def tan(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Tangent (radians); its gradient is `1 + tan(x) ** 2`, as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.tan(sd.tensor([0.0])).tolist()
        [0.0]
    """
    out = _edge(x, lambda: x.xp.tan(x.data))
    return _unary(x, out, lambda g: g * (1 + out * out))


@register("atan", same_shape, methods=("atan",))
def atan(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Inverse tangent, in `(-pi/2, pi/2)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.atan(sd.tensor([0.0])).tolist()
        [0.0]
    """
    out = x.xp.arctan(x.data)
    return _unary(x, out, lambda g: _edge(x, lambda: g / (1 + x.data * x.data)))


@register("atan2", broadcast_rule, methods=("atan2",), **_BINARY)  # type: ignore[arg-type]
def atan2(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """The angle of the point `(b, a)`: `atan(a / b)` in the right quadrant, in `[-pi, pi]`.

    `a` is the y coordinate, as in NumPy's `arctan2` and PyTorch's `atan2`; NumPy
    broadcasting, a Python scalar on either side.

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when the two tensors' dtypes differ.

    Example:
        >>> import shapedl as sd
        >>> y, x = sd.tensor([1.0, 0.0]), sd.tensor([0.0, -1.0])
        >>> [round(v, 4) for v in sd.ops.atan2(y, x).tolist()]
        [1.5708, 3.1416]
    """
    xp = _xp(a, b)

    def recip(y: Any, x: Any) -> Array:
        # NOTE: `1 / (x**2 + y**2)`, and 0 at the origin, where PyTorch's gradient is 0, not
        # nan; `g` multiplies it after, as in PyTorch (an infinite `g` gives nan there)
        d = x * x + y * y
        return xp.where(d == 0, 0, 1 / xp.where(d == 0, 1, d))

    return _binary(
        "atan2",
        a,
        b,
        lambda y, x: xp.arctan2(y, x),
        lambda g, y, x, o: (g * x * recip(y, x)).astype(g.dtype, copy=False),
        lambda g, y, x, o: (g * -y * recip(y, x)).astype(g.dtype, copy=False),
    )


@register("logaddexp", broadcast_rule, methods=("logaddexp",), **_BINARY)  # type: ignore[arg-type]
def logaddexp(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`log(exp(a) + exp(b))` without overflow, as PyTorch's `logaddexp` (NumPy broadcasting).

    The gradients are PyTorch's, `g / (1 + exp(b - a))` for `a` and `g / (1 + exp(a - b))` for
    `b`: nan where both are the same infinity.

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when the two tensors' dtypes differ.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.ops.logaddexp(sd.tensor([0.0, 100.0]), 0.0).tolist()]
        [0.6931, 100.0]
    """
    xp = _xp(a, b)
    return _binary(
        "logaddexp",
        a,
        b,
        lambda x, y: xp.logaddexp(x, y),
        lambda g, x, y, o: g / (1 + xp.exp(y - x)),
        lambda g, x, y, o: g / (1 + xp.exp(x - y)),
    )


# ---- lerp -------------------------------------------------------------------------------
def lerp_rule(op: str, start: Shape, end: Shape, weight: Shape) -> Shape:
    """The broadcast of the three shapes (a scalar weight is `()`)."""
    return dims.broadcast(op, start, end, weight)


@register("lerp", lerp_rule, tensors=("start", "end", "weight"), methods=("lerp",))
def lerp(
    start: Tensor[Any, DT, Any],
    end: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any] | float,
) -> Tensor[Any, DT, Any]:
    """`start + weight * (end - start)`, as PyTorch's `lerp` (NumPy broadcasting of all three).

    `weight` is a tensor or a Python float. As PyTorch, the result is computed from `end`
    where `|weight| >= 0.5` (`end - (end - start) * (1 - weight)`), so `weight=1` gives `end`
    exactly; the gradients are `g * (1 - weight)`, `g * weight` and `g * (end - start)`.

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when the tensors' dtypes differ.
        TypeError: when `start` is not a float tensor.

    Shape:
        `(*A), (*B), (*W) -> broadcast(A, B, W)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.lerp(sd.tensor([0.0, 10.0]), sd.tensor([4.0, 20.0]), 0.25).tolist()
        [1.0, 12.5]
    """
    tensors = (start, end) + ((weight,) if isinstance(weight, Tensor) else ())
    check_devices("lerp", *tensors)
    same_dtype("lerp", *tensors)
    float_only("lerp", start, "start")
    lerp_rule("lerp", start.shape, end.shape, weight.shape if isinstance(weight, Tensor) else ())
    xp, x, y = start.xp, start.data, end.data
    w = weight.data if isinstance(weight, Tensor) else weight
    dtype = x.dtype
    if dtype.itemsize == 2:  # NOTE: f16/bf16 as PyTorch's kernel: in f32, rounded once
        x, y = x.astype("float32"), y.astype("float32")
        w = weight.data.astype("float32") if isinstance(weight, Tensor) else w
    d = _edge(start, lambda: y - x)
    out = _edge(start, lambda: xp.where(xp.abs(w) < 0.5, x + w * d, y - d * (1 - w)))

    def vjp(g: Array) -> tuple[Array, ...]:
        wide = g.astype(x.dtype, copy=False)  # NOTE: f32 for f16/bf16, rounded once below
        def each() -> tuple[Array, ...]:
            grads = [wide * (1 - w), wide * w] + ([wide * d] if isinstance(weight, Tensor) else [])
            return tuple(a.astype(g.dtype, copy=False) for a in grads)

        return tuple(_edge(start, each))

    return record(_edge(start, lambda: out.astype(dtype, copy=False)), tensors, vjp)
