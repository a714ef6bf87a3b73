"""Comparisons (`eq ne lt le gt ge`) and `where`.

Shape rule: NumPy broadcasting of the operands (a Python scalar is shape `()`). Comparisons
give boolean tensors that are never traced (they have no gradient); `where(cond, a, b)` sends
its gradient to `a` where `cond` holds and to `b` elsewhere.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, overload

import numpy

from shapedl import dims
from shapedl.backend import Array, NumpyScalar
from shapedl.dims import Shape
from shapedl.ops.elementwise import same_dtype, settle, weak
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, NoTape, bool_, f32, i64

__all__ = ["eq", "ge", "gt", "le", "lt", "ne", "where"]

Scalar = int | float | NumpyScalar
Operand = Tensor[Any, Any, Any] | Scalar


def compare_rule(op: str, a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of the two operands."""
    return dims.broadcast(op, a, b)


def tensor_operands(op: str, a: Operand, b: Operand) -> list[Tensor[Any, Any, Any]]:
    """The tensors among two operands (at least one), on one device."""
    tensors = [t for t in (a, b) if isinstance(t, Tensor)]
    if not tensors:
        raise TypeError(f"{op}: needs at least one tensor, got {type(a)} and {type(b)}")
    check_devices(op, *tensors)
    return tensors


def _compare(
    op: str, a: Operand, b: Operand, fn: Callable[[Any, Any], Array]
) -> Tensor[Any, bool_, NoTape]:
    tensors = tensor_operands(op, a, b)
    same_dtype(op, *tensors)
    compare_rule(op, operand_shape(a), operand_shape(b))
    x = a.data if isinstance(a, Tensor) else weak(op, a)
    y = b.data if isinstance(b, Tensor) else weak(op, b)
    return Tensor(tensors[0].xp.asarray(fn(x, y)), tensors[0].device)


def operand_shape(x: Operand) -> Shape:
    return x.shape if isinstance(x, Tensor) else ()


_AB = ("a", "b")


@register("eq", compare_rule, methods=("eq", "__eq__"), tensors=_AB, dtype="bool")
def eq(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a == b` elementwise, broadcast; untraced booleans (tensors stay hashable by identity).

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when both are tensors of different dtypes.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([1.0, 2.0]) == 2.0).tolist()
        [False, True]
    """
    return _compare("eq", a, b, operator.eq)


@register("ne", compare_rule, methods=("ne", "__ne__"), tensors=_AB, dtype="bool")
def ne(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a != b` elementwise, broadcast; untraced booleans.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([1, 2]) != sd.tensor([1, 3])).tolist()
        [False, True]
    """
    return _compare("ne", a, b, operator.ne)


@register("lt", compare_rule, methods=("__lt__", "lt"), tensors=_AB, dtype="bool")
def lt(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a < b` elementwise, broadcast; untraced booleans.

    Raises:
        ShapeError: when the shapes do not broadcast.

    Example:
        >>> import shapedl as sd
        >>> (sd.tensor([1.0, 3.0]) < 2).tolist()
        [True, False]
    """
    return _compare("lt", a, b, operator.lt)


@register("le", compare_rule, methods=("__le__", "le"), tensors=_AB, dtype="bool")
def le(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a <= b` elementwise, broadcast; untraced booleans."""
    return _compare("le", a, b, operator.le)


@register("gt", compare_rule, methods=("__gt__", "gt"), tensors=_AB, dtype="bool")
def gt(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a > b` elementwise, broadcast; untraced booleans."""
    return _compare("gt", a, b, operator.gt)


@register("ge", compare_rule, methods=("__ge__", "ge"), tensors=_AB, dtype="bool")
def ge(a: Operand, b: Operand) -> Tensor[Any, bool_, NoTape]:
    """`a >= b` elementwise, broadcast; untraced booleans."""
    return _compare("ge", a, b, operator.ge)


def _fitted(v: int | float, branches: tuple[Tensor[Any, Any, Any], ...]) -> int | float:
    """A Python int beside an integer tensor, checked to fit its dtype: NumPy wraps
    `where(c, i32, 3_000_000_000)` around silently, where `i32 + 3_000_000_000` and PyTorch's
    `where` raise `OverflowError`."""
    dtype = branches[0].data.dtype if branches else None
    if type(v) is int and dtype is not None and dtype.kind in "iu":
        info = numpy.iinfo(dtype)
        if not info.min <= v <= info.max:
            raise OverflowError(f"where: Python integer {v} out of bounds for {dtype}")
    return v


def where_rule(op: str, cond: Shape, a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of the condition and both branches."""
    return dims.broadcast(op, cond, a, b)


@overload
def where(
    cond: Tensor[Any, Any, Any], a: Tensor[Any, DT, Any], b: Tensor[Any, DT, Any] | Scalar
) -> Tensor[Any, DT, Any]: ...
@overload
def where(
    cond: Tensor[Any, Any, Any], a: Scalar, b: Tensor[Any, DT, Any]
) -> Tensor[Any, DT, Any]: ...
# NOTE: two scalars give NumPy's dtype: bools stay bool, ints are int64, any float makes f32
# (the narrower first, as typeshed writes `bool` before `int`)
@overload
def where(  # type: ignore[overload-overlap]
    cond: Tensor[Any, Any, Any], a: bool, b: bool
) -> Tensor[Any, bool_, NoTape]: ...
@overload
def where(  # type: ignore[overload-overlap]
    cond: Tensor[Any, Any, Any], a: int, b: int
) -> Tensor[Any, i64, NoTape]: ...
@overload
def where(cond: Tensor[Any, Any, Any], a: Scalar, b: Scalar) -> Tensor[Any, f32, NoTape]: ...
@register("where", where_rule, tensors=("cond", "a", "b"))
def where(cond: Tensor[Any, Any, Any], a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a` where `cond` holds, else `b`, all three broadcast; `a` or `b` may be a scalar.

    The gradient goes to `a` where `cond` holds and to `b` elsewhere; `cond` gets none.

    Raises:
        ShapeError: when the three shapes do not broadcast.

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([-1.0, 2.0])
        >>> sd.ops.where(x > 0, x, 0.0).tolist()
        [0.0, 2.0]
    """
    branches = tuple(t for t in (a, b) if isinstance(t, Tensor))
    check_devices("where", cond, *branches)
    if branches:
        same_dtype("where", *branches)
    where_rule("where", cond.shape, operand_shape(a), operand_shape(b))
    xp, c = cond.xp, cond.data.astype(bool)
    x = a.data if isinstance(a, Tensor) else _fitted(weak("where", a), branches)
    y = b.data if isinstance(b, Tensor) else _fitted(weak("where", b), branches)
    out = xp.where(c, x, y)
    if not branches and out.dtype.kind == "f":
        out = out.astype("float32")  # NOTE: Python floats become f32, as in `sd.tensor`
    elif branches and out.dtype != branches[0].data.dtype:
        # NOTE: a binary op's dtype: NumPy makes `where(c, bf16, -inf)` f64 (a Python float
        # is weak for its own float types only), PyTorch keeps bf16
        out = settle(branches[0].data.dtype, out)

    def vjp(g: Array) -> list[Array | None]:
        grads: list[Array | None] = [None]
        if isinstance(a, Tensor):
            grads.append(xp.where(c, g, 0).astype(g.dtype))
        if isinstance(b, Tensor):
            grads.append(xp.where(c, 0, g).astype(g.dtype))
        return grads

    return record(out, (cond, *branches), vjp)
