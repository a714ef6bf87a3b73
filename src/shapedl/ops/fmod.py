"""C's remainder, `fmod`: `a - trunc(a / b) * b`, with the sign of the dividend `a`, as
PyTorch's `torch.fmod` and NumPy's `np.fmod` (`%` and `remainder` take the divisor's sign).

Shape rule: NumPy broadcasting (`broadcast_rule`); `b` may be a Python scalar. The gradient is
PyTorch's: `1` for `a` and `-trunc(a / b)` for `b` (inf where `b` is 0, as PyTorch's). As
PyTorch's, an integer division by 0 is a `ZeroDivisionError` and booleans are refused; a float
one is nan. f16 and bf16 keep their dtype.
"""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.ops.elementwise import _BINARY, Operand, _binary, broadcast_rule
from shapedl.ops.registry import register
from shapedl.ops.rounding import _no_integer_zero
from shapedl.tensor import Tensor

__all__ = ["fmod"]


@register("fmod", broadcast_rule, methods=("fmod",), **_BINARY)  # type: ignore[arg-type]
def fmod(a: Tensor[Any, Any, Any], b: Operand) -> Tensor[Any, Any, Any]:
    """The remainder of `a / b` with the sign of `a` (C's `fmod`), as PyTorch's `torch.fmod`.

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when the tensors' dtypes differ.
        TypeError: for a boolean tensor, or when `a` is not a tensor (as PyTorch).
        ZeroDivisionError: for an integer division by 0 (as PyTorch).

    Shape:
        NumPy broadcasting of `a` and `b`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.fmod(sd.tensor([7.0, -7.0]), 3).tolist()
        [1.0, -1.0]
        >>> (sd.tensor([7.0, -7.0]) % 3).tolist()
        [1.0, 2.0]
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"fmod: a must be a tensor, not {type(a).__name__} (as in PyTorch)")
    # NOTE: a bool beside another dtype is the DTypeError of every op's mix (in `_binary`)
    if a.data.dtype.kind == "b" and not (isinstance(b, Tensor) and b.data.dtype.kind != "b"):
        raise TypeError("fmod: no remainder of booleans (as in PyTorch); convert: x.astype(sd.i64)")
    _no_integer_zero("fmod", a, b)
    xp = a.xp
    return _binary(
        "fmod",
        a,
        b,
        xp.fmod,
        lambda g, *_: g,
        lambda g, x, y, out: -g * _trunc_quotient(xp, x, y, out.dtype),
    )


def _trunc_quotient(xp: Any, x: Any, y: Any, dtype: Any) -> Array:
    """`trunc(x / y)` in `dtype`, computed in f32 for f16 and bf16 as PyTorch's
    `div(rounding_mode="trunc")` (an f16 quotient can round up to the next whole number)."""
    if dtype.itemsize >= 4:
        return xp.trunc(xp.true_divide(x, y))
    q = xp.trunc(xp.true_divide(xp.asarray(x, "float32"), xp.asarray(y, "float32")))
    return q.astype(dtype)
