"""Floor division and remainder: `a // b` and `a % b`, as NumPy and PyTorch both define them.

Shape rule: NumPy broadcasting (`broadcast_rule`), either side a Python scalar or a tensor.
The quotient is rounded towards minus infinity and the remainder takes the divisor's sign
(`-7 // 2 == -4`, `-7 % 2 == 1`), in both libraries. The remainder's gradient is PyTorch's
(`1` for `a`, `-floor(a / b)` for `b`); floor division's is zero, a step function's (PyTorch
has none: its `floor_divide` refuses `backward`).
"""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.ops.elementwise import _BINARY, Operand, _binary, broadcast_rule
from shapedl.ops.registry import register
from shapedl.tensor import Tensor

__all__ = ["floor_divide", "remainder"]


def _zeros(g: Array, *_: Any) -> Array:
    return g * 0


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
