"""Logical ops: `logical_and`, `logical_or`, `logical_xor` (broadcast) and `logical_not`.

Shape rule: NumPy broadcasting of the two operands (a Python bool or number is shape `()`);
`logical_not` keeps its shape. As in NumPy and PyTorch, any dtype is read as truth (nonzero
is True) and the result is a boolean tensor that is never traced (it has no gradient). The
operators `&`, `|`, `^`, `~` are these ops on boolean tensors only: on integers they would
mean bitwise operations in NumPy and PyTorch, so shapedl refuses them there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.ops.compare import operand_shape, tensor_operands
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import NoTape, S, bool_

__all__ = ["logical_and", "logical_not", "logical_or", "logical_xor"]

Operand = Tensor[Any, Any, Any] | bool | int | float


def logical_rule(op: str, a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of the two operands."""
    return dims.broadcast(op, a, b)


def not_rule(op: str, x: Shape) -> Shape:
    """The shape is kept."""
    return x


def _truth(op: str, v: Operand) -> Any:
    if isinstance(v, Tensor):
        return v.data.astype(bool)
    if isinstance(v, bool | int | float):
        return bool(v)
    raise TypeError(f"{op}: operands must be tensors or Python scalars, not {type(v).__name__}")


def _logical(
    op: str, a: Operand, b: Operand, fn: Callable[[Any, Any], Array]
) -> Tensor[Any, bool_, NoTape]:
    tensors = tensor_operands(op, a, b)
    logical_rule(op, operand_shape(a), operand_shape(b))
    first = tensors[0]
    return Tensor(first.xp.asarray(fn(_truth(op, a), _truth(op, b))), first.device)


_AB = ("a", "b")


def require_bool(op: str, *xs: object) -> None:
    """A `TypeError` for `&`, `|`, `^`, `~` on a tensor that is not boolean (bitwise in NumPy)."""
    for x in xs:
        if isinstance(x, Tensor) and x.data.dtype != bool:
            raise TypeError(
                f"{op}: operator needs boolean tensors, got {x.data.dtype}; "
                f"compare first (x > 0) or call sd.ops.logical_* for truth values"
            )


def _operator(method: str, symbol: str, name: str) -> dict[str, Any]:
    """How a logical op registers as the operator `symbol`, on boolean tensors only, and as
    the method `name` (PyTorch's `x.logical_and(y)`), on any."""
    guard = functools.partial(require_bool, symbol)
    return {"methods": (method, name), "dtype": "bool", "guard": guard}


@register("logical_and", logical_rule, tensors=_AB, **_operator("__and__", "&", "logical_and"))
def logical_and(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a and b` elementwise, broadcast; nonzero is True; untraced booleans (`a & b`).

    Raises:
        ShapeError: when the shapes do not broadcast.

    Shape:
        `(*A), (*B) -> broadcast(A, B)`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([1.0, -2.0, 3.0])
        >>> sd.ops.logical_and(x > 0, x < 2).tolist()
        [True, False, False]
    """
    return _logical("logical_and", a, b, lambda x, y: x & y)


@register("logical_or", logical_rule, tensors=_AB, **_operator("__or__", "|", "logical_or"))
def logical_or(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a or b` elementwise, broadcast; nonzero is True; untraced booleans (`a | b`).

    Raises:
        ShapeError: when the shapes do not broadcast.

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([1.0, -2.0, 3.0])
        >>> (x < 0).__or__(x > 2).tolist()
        [False, True, True]
    """
    return _logical("logical_or", a, b, lambda x, y: x | y)


@register("logical_xor", logical_rule, tensors=_AB, **_operator("__xor__", "^", "logical_xor"))
def logical_xor(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """Exactly one of `a`, `b` elementwise, broadcast; untraced booleans (`a ^ b`).

    Raises:
        ShapeError: when the shapes do not broadcast.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.logical_xor(sd.tensor([True, True]), sd.tensor([True, False])).tolist()
        [False, True]
    """
    return _logical("logical_xor", a, b, lambda x, y: x ^ y)


@register("logical_not", not_rule, **_operator("__invert__", "~", "logical_not"))
def logical_not(x: Tensor[S, Any, Any]) -> Tensor[S, bool_, NoTape]:
    """`not x` elementwise; nonzero is True; untraced booleans (`~x` on a boolean tensor).

    Example:
        >>> import shapedl as sd
        >>> sd.ops.logical_not(sd.tensor([0.0, 2.0])).tolist()
        [True, False]
    """
    return Tensor(x.xp.logical_not(x.data), x.device)
