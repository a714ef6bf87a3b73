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
from shapedl.ops.elementwise import _BINARY, Operand, _binary, _unary, broadcast_rule, same_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, S

__all__ = ["ceil", "floor", "floor_divide", "remainder", "round", "sign", "trunc"]


def _zeros(g: Array, *_: Any) -> Array:
    return g * 0


def _step(op: str, x: Tensor[Any, Any, Any], fn: Callable[[Array], Array]) -> Tensor[Any, Any, Any]:
    """`fn(x)`, a step function of a number tensor, with the zero gradient of a step."""
    if x.data.dtype.kind == "b":
        raise TypeError(f"{op}: x must be a number tensor, not bool; convert it: x.astype(sd.i64)")
    return _unary(x, fn(x.data), _zeros)


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
    return _step("round", x, lambda a: x.xp.round(a, decimals))


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
    return _binary("floor_divide", a, b, lambda x, y: x // y, _zeros, _zeros)


@register("remainder", broadcast_rule, methods=("__mod__", "__rmod__"), **_BINARY)  # type: ignore[arg-type]
def remainder(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a % b`, with the sign of the divisor `b`; `a == (a // b) * b + a % b`.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([7.0, -7.0]) % 3).tolist()
        [1.0, 2.0]
    """
    return _binary(
        "remainder",
        a,
        b,
        lambda x, y: x % y,
        lambda g, *_: g,
        lambda g, x, y, o: -g * _floor_quotient(a, b, x, y),
    )


def _floor_quotient(a: Operand, b: Operand, x: Any, y: Any) -> Any:
    """`x // y`, PyTorch's `div(x, y, rounding_mode="floor")` in the remainder's gradient:
    inf for `1 % 0` as PyTorch's (not `(x - x % y) / y`, nan there), quietly."""
    t = a if isinstance(a, Tensor) else b
    return t.device.backend.quietly(lambda: x // y)  # type: ignore[union-attr]
