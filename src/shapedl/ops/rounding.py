"""Rounding: `floor`, `ceil`, `trunc`, `round`, `sign`, and floor division and remainder
(`a // b`, `a % b`), as NumPy and PyTorch both define them.

Shape rule of the unary ones: the shape is kept. They are step functions: their gradient is
zero everywhere, PyTorch's convention at the jumps too. An integer tensor keeps its dtype and
values (in both libraries); a boolean one is refused (PyTorch has no kernels for it, NumPy
none for `sign`). `round` rounds half to even (`round(2.5) == 2`), in both libraries.

Shape rule of `//` and `%`: NumPy broadcasting (`broadcast_rule`), either side a Python
scalar or a tensor. The quotient is rounded towards minus infinity and the remainder takes
the divisor's sign (`-7 // 2 == -4`, `-7 % 2 == 1`), in both libraries. The remainder's
gradient is PyTorch's (`1` for `a`, `-floor(a / b)` for `b`); floor division's is zero, a step
function's (PyTorch has none: its `floor_divide` refuses `backward`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shapedl.backend import Array
from shapedl.ops.elementwise import (
    _BINARY,
    Operand,
    _binary,
    _unary,
    _xp,
    broadcast_rule,
    same_shape,
)
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, S

__all__ = ["ceil", "floor", "floor_divide", "remainder", "round", "sign", "trunc"]


def _zeros(xp: Any) -> Callable[..., Array]:
    """The zero gradient of a step function: zeros, as PyTorch's (`g * 0` is nan at inf)."""
    return lambda g, *_: xp.zeros_like(g)


def _step(op: str, x: Tensor[Any, Any, Any], fn: Callable[[Array], Array]) -> Tensor[Any, Any, Any]:
    """`fn(x)`, a step function of a number tensor, with the zero gradient of a step."""
    if x.data.dtype.kind == "b":
        raise TypeError(f"{op}: x must be a number tensor, not bool; convert it: x.astype(sd.i64)")
    return _unary(x, fn(x.data), _zeros(x.xp))


@register("floor", same_shape, methods=("floor",))
def floor(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """The largest integer not above `x`, in `x`'s dtype; the gradient is zero.

    Raises:
        TypeError: for a boolean tensor.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.floor(sd.tensor([1.5, -1.5])).tolist()
        [1.0, -2.0]
    """
    return _step("floor", x, lambda a: x.xp.floor(a))


@register("ceil", same_shape, methods=("ceil",))
def ceil(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """The smallest integer not below `x`, in `x`'s dtype; the gradient is zero.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.ceil(sd.tensor([1.5, -1.5])).tolist()
        [2.0, -1.0]
    """
    return _step("ceil", x, lambda a: x.xp.ceil(a))


@register("trunc", same_shape, methods=("trunc",))
def trunc(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x` rounded towards zero, in `x`'s dtype; the gradient is zero.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.trunc(sd.tensor([1.5, -1.5])).tolist()
        [1.0, -1.0]
    """
    return _step("trunc", x, lambda a: x.xp.trunc(a))


@register("round", same_shape, statics=("decimals",), methods=("round",))
def round(x: Tensor[S, DT, TT], decimals: int = 0) -> Tensor[S, DT, TT]:  # noqa: A001
    """`x` rounded to `decimals` places, half to even (`2.5 -> 2`); the gradient is zero.

    As NumPy's `round` and PyTorch's (`decimals` included).

    Example:
        >>> import shapedl as sd
        >>> sd.ops.round(sd.tensor([0.5, 1.5, 2.5, -0.5])).tolist()
        [0.0, 2.0, 2.0, -0.0]
    """
    return _step("round", x, lambda a: _round(x.xp, a, decimals))


def _round(xp: Any, a: Array, decimals: int) -> Array:
    """NumPy's `round` of floats to `decimals` places, in its steps (`rint(a * 10**d) / 10**d`,
    in `a`'s dtype), as PyTorch's: CuPy's own scales in another precision, so it rounds
    `-2.675` (f32) to -2.67 where both give -2.68 (seen on an H200)."""
    if decimals == 0 or a.dtype.kind != "f":
        return xp.round(a, decimals)
    scale = 10.0 ** abs(decimals)
    return xp.rint(a * scale) / scale if decimals > 0 else xp.rint(a / scale) * scale


@register("sign", same_shape, methods=("sign",))
def sign(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """-1, 0 or 1 as `x` is negative, zero or positive; the gradient is zero.

    NOTE: nan stays nan, as NumPy's `sign`; PyTorch's gives 0 there.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.sign(sd.tensor([-2.0, 0.0, 3.0])).tolist()
        [-1.0, 0.0, 1.0]
    """
    return _step("sign", x, lambda a: x.xp.sign(a))


@register("floor_divide", broadcast_rule, methods=("__floordiv__", "__rfloordiv__"), **_BINARY)  # type: ignore[arg-type]
def floor_divide(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a // b`: the quotient rounded towards minus infinity; its gradient is zero.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([7, -7]) // 2).tolist()
        [3, -4]
    """
    _no_integer_zero("floor_divide", a, b)
    zeros = _zeros(_xp(a, b))
    return _binary("floor_divide", a, b, lambda x, y: _divmod(a, b, x, y)[0], zeros, zeros)


@register("remainder", broadcast_rule, methods=("__mod__", "__rmod__"), **_BINARY)  # type: ignore[arg-type]
def remainder(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a % b`, with the sign of the divisor `b`; `a == (a // b) * b + a % b`.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([7.0, -7.0]) % 3).tolist()
        [1.0, 2.0]
    """
    _no_integer_zero("remainder", a, b)
    return _binary(
        "remainder",
        a,
        b,
        lambda x, y: _divmod(a, b, x, y)[1],
        lambda g, *_: g,
        lambda g, x, y, o: -g * _floor_quotient(a, b, x, y),
    )


def _no_integer_zero(op: str, a: Operand, b: Operand) -> None:
    """A `ZeroDivisionError` for an integer division by 0, as PyTorch's: NumPy gives 0 (CuPy
    too), which no later value would reveal. A float one is inf or nan, as in PyTorch.

    NOTE: one reduction, and one read of it, only where both operands are integers."""
    kinds = {v.data.dtype.kind if isinstance(v, Tensor) else type(v).__name__ for v in (a, b)}
    if not kinds <= {"i", "u", "b", "int", "bool"}:
        return
    zero = (b == 0) if not isinstance(b, Tensor) else bool((b.data == 0).any())
    if zero:
        raise ZeroDivisionError(f"{op}: integer division by zero (PyTorch's ZeroDivisionError)")


def _floor_quotient(a: Operand, b: Operand, x: Any, y: Any) -> Any:
    """`x // y`, PyTorch's `div(x, y, rounding_mode="floor")` in the remainder's gradient:
    inf for `1 % 0` as PyTorch's (not `(x - x % y) / y`, nan there), quietly."""
    t = a if isinstance(a, Tensor) else b
    return t.device.backend.quietly(lambda: _divmod(a, b, x, y)[0])  # type: ignore[union-attr]


def _divmod(a: Operand, b: Operand, x: Any, y: Any) -> tuple[Array, Array]:
    """`(x // y, x % y)` of the data `x` and `y` of the operands `a` and `b`.

    NumPy's own operators; on another backend, for floats, NumPy's algorithm (`npy_divmod`)
    in array operations, which PyTorch's follows: CuPy's operators give other answers at
    infinities and zeros (`inf // 1`, `1 // -inf`, `0 % inf`; seen on an H200).
    """
    t: Tensor[Any, Any, Any] = a if isinstance(a, Tensor) else b  # type: ignore[assignment]
    xp, kind = t.xp, t.data.dtype
    if t.device.backend.name == "cpu" or kind.kind != "f":
        return x // y, x % y
    # NOTE: f16 as NumPy's loops compute it: in f32, rounded once at the end
    work = xp.float32 if kind == xp.float16 else kind
    like = x if isinstance(a, Tensor) else y
    x, y = (xp.full_like(like, v, work) if isinstance(v, float | int) else v.astype(work)
            for v in (x, y))  # fmt: skip
    mod = xp.fmod(x, y)
    div = (x - mod) / y
    # Python's convention: the remainder takes the divisor's sign
    fix = (mod != 0) & ((y < 0) != (mod < 0))
    div = xp.where(fix, div - 1, div)
    mod = xp.where(mod == 0, xp.copysign(xp.zeros_like(mod), y), xp.where(fix, mod + y, mod))
    # the quotient snapped to the nearest whole number, a zero one with the sign of x / y
    floor = xp.floor(div)
    floor = xp.where(div - floor > 0.5, floor + 1, floor)
    floor = xp.where(div == 0, xp.copysign(xp.zeros_like(div), x / y), floor)
    by_zero = y == 0
    floor, mod = xp.where(by_zero, x / y, floor), xp.where(by_zero, xp.fmod(x, y), mod)
    return floor.astype(kind, copy=False), mod.astype(kind, copy=False)
