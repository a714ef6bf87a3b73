"""Tests of values, `isnan`, `isinf`, `isfinite`; `nan_to_num`, which replaces what fails;
`count_nonzero`, which counts the values that are not zero; `isclose` and `allclose`, which
compare two tensors within a tolerance.

Shape rule: the shape is kept (`count_nonzero`: a reduction's, `reduce_rule`; `isclose`: NumPy
broadcasting of the two operands, `isclose_rule`). The tests give
boolean tensors, never traced (they have no gradient), for every dtype, as in NumPy and
PyTorch (an integer is never nan or infinite).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Unpack

from shapedl import dims
from shapedl.backend import Array, is_float
from shapedl.dims import Shape
from shapedl.errors import NoKeywords, refused_keywords
from shapedl.ops.compare import Operand, operand_shape, tensor_operands
from shapedl.ops.elementwise import _unary, same_dtype, same_shape, weak
from shapedl.ops.reduce import _AXIS, Axis, reduce_rule
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, NoTape, S, bool_, i64

__all__ = ["allclose", "count_nonzero", "isclose", "isfinite", "isinf", "isnan", "nan_to_num"]


def _test(x: Tensor[Any, Any, Any], fn: Callable[[Array], Array]) -> Tensor[Any, bool_, NoTape]:
    return Tensor(x.xp.asarray(fn(x.data)), x.device)


@register("isnan", same_shape, methods=("isnan",), dtype="bool")
def isnan(x: Tensor[S, Any, Any]) -> Tensor[S, bool_, NoTape]:
    """Where `x` is nan; boolean, untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.isnan(sd.tensor([1.0, float("nan")])).tolist()
        [False, True]
    """
    return _test(x, x.xp.isnan)


@register("isinf", same_shape, methods=("isinf",), dtype="bool")
def isinf(x: Tensor[S, Any, Any]) -> Tensor[S, bool_, NoTape]:
    """Where `x` is infinite (either sign); boolean, untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.isinf(sd.tensor([1.0, float("-inf"), float("nan")])).tolist()
        [False, True, False]
    """
    return _test(x, x.xp.isinf)


@register("isfinite", same_shape, methods=("isfinite",), dtype="bool")
def isfinite(x: Tensor[S, Any, Any]) -> Tensor[S, bool_, NoTape]:
    """Where `x` is neither nan nor infinite; boolean, untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.isfinite(sd.tensor([1.0, float("inf"), float("nan")])).tolist()
        [True, False, False]
    """
    return _test(x, x.xp.isfinite)


_BF16_MAX = (2 - 2**-7) * 2.0**127  # NOTE: bf16's largest finite value (NumPy has no finfo)


@register("nan_to_num", same_shape, statics=("nan", "posinf", "neginf"), methods=("nan_to_num",))
def nan_to_num(
    x: Tensor[S, DT, TT],
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor[S, DT, TT]:
    """`x` with nan, inf and -inf replaced: by `nan`, and by `posinf`, `neginf` (the dtype's
    largest and lowest finite values by default), as NumPy's and PyTorch's `nan_to_num`.

    The gradient is PyTorch's: passed through where `x` is finite, zero where it was replaced.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.nan_to_num(sd.tensor([float("nan"), 1.0, float("-inf")]), neginf=-9.0).tolist()
        [0.0, 1.0, -9.0]
    """
    xp, a = x.xp, x.data
    if not is_float(a.dtype):
        return _unary(x, a.copy(), lambda g: g)  # NOTE: nothing to replace in integers
    finite, f = xp.isfinite(a), a
    if a.dtype.kind != "f":  # NOTE: bf16, which NumPy's nan_to_num leaves as it is
        posinf = _BF16_MAX if posinf is None else posinf
        neginf = -_BF16_MAX if neginf is None else neginf
        f = a.astype("float32")
    out = xp.nan_to_num(f, nan=nan, posinf=posinf, neginf=neginf).astype(a.dtype, copy=False)
    return _unary(x, out, lambda g: g * finite)


@register("count_nonzero", reduce_rule, methods=("count_nonzero",), statics=_AXIS, dtype="int64")
def count_nonzero(
    x: Tensor[Any, Any, Any],
    axis: Axis = None,
    keepdims: bool = False,
    **refused: Unpack[NoKeywords],
) -> Tensor[Any, i64, NoTape]:
    """How many values along `axis` (all axes for None) are not zero; int64, untraced.

    NumPy's `axis` and `keepdims` (PyTorch's `dim`, no `keepdim`). A nan is not zero.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.count_nonzero(sd.tensor([[1.0, 0.0], [2.0, 3.0]]), axis=1).tolist()
        [1, 2]
    """
    if refused:
        raise refused_keywords("count_nonzero", refused)
    axes = dims.normalize_axes("count_nonzero", axis, x.shape)
    n = x.xp.count_nonzero(x.data, axis=axes)  # NOTE: CuPy's takes no keepdims
    if keepdims:
        n = n.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.data.shape)))
    return Tensor(x.xp.asarray(n, dtype="int64"), x.device)


# ---- isclose / allclose -------------------------------------------------------------------
def isclose_rule(
    op: str, a: Shape, b: Shape, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Shape:
    """NumPy broadcasting of the two operands (the tolerances do not change the shape)."""
    return dims.broadcast(op, a, b)


@register(
    "isclose",
    isclose_rule,
    tensors=("a", "b"),
    statics=("rtol", "atol", "equal_nan"),
    methods=("isclose",),
    dtype="bool",
)
def isclose(
    a: Operand, b: Operand, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor[Any, bool_, NoTape]:
    """Where `|a - b| <= atol + rtol * |b|`, as PyTorch's `isclose` (and NumPy's): infinities
    are close to themselves only, nan to nothing unless `equal_nan`; boolean, untraced.

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when the tensors' dtypes differ.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.isclose(sd.tensor([1.0, 1.1]), sd.tensor([1.0, 1.0])).tolist()
        [True, False]
    """
    return _isclose("isclose", a, b, rtol, atol, equal_nan)


def _isclose(
    op: str, a: Operand, b: Operand, rtol: float, atol: float, equal_nan: bool
) -> Tensor[Any, bool_, NoTape]:
    """`isclose`, its errors naming `op` (`allclose` too)."""
    tensors = tensor_operands(op, a, b)
    same_dtype(op, *tensors)
    isclose_rule(op, operand_shape(a), operand_shape(b))
    xp = tensors[0].xp
    x = a.data if isinstance(a, Tensor) else weak(op, a)
    y = b.data if isinstance(b, Tensor) else weak(op, b)
    if tensors[0].data.dtype.kind == "b":  # NOTE: NumPy subtracts no booleans; PyTorch's equal
        out = xp.equal(x, y)
    else:
        out = xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor(xp.asarray(out), tensors[0].device)


def allclose(
    a: Operand, b: Operand, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    """Whether `isclose(a, b, ...)` holds everywhere: a Python bool, as PyTorch's `allclose`.

    Raises:
        ShapeError: when the shapes do not broadcast.
        DTypeError: when the tensors' dtypes differ.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.allclose(sd.tensor([1.0, 2.0]), sd.tensor([1.0, 2.0 + 1e-6]))
        True
    """
    return bool(_isclose("allclose", a, b, rtol, atol, equal_nan).data.all())
