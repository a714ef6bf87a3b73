"""Tensors shaped like another: `zeros_like`, `ones_like`, `full_like`, `randn_like`,
`rand_like`, and `clone`, a copy that stays on the tape.

The `_like` functions make new, untraced tensors of `x`'s shape, dtype (unless `dtype`) and
device, as PyTorch's; their shape is `x`'s, which plain typing states exactly, so they need
no shape rule. `clone` is an op (rule: the shape is kept) whose gradient passes through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from typing_extensions import TypeVar

from shapedl.backend import Array, NumpyScalar
from shapedl.device import Device
from shapedl.ops.creation import check_dtype, fits
from shapedl.ops.elementwise import _unary, float_only, same_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, DType, NoTape, S

__all__ = ["clone", "full_like", "ones_like", "rand_like", "randn_like", "zeros_like"]

DT2 = TypeVar("DT2", bound=DType)
Fill = Callable[[Device, tuple[int, ...], Any], Array]


def _like(
    op: str, x: Tensor[Any, Any, Any], dtype: type[DType] | None, fill: Fill
) -> Tensor[Any, Any, NoTape]:
    if dtype is not None:
        check_dtype(op, dtype)
    name = x.data.dtype if dtype is None else x.device.backend.dtype(dtype.name)
    return Tensor(fill(x.device, x.shape, name), x.device)


@overload
def zeros_like(x: Tensor[S, DT, Any], dtype: None = None) -> Tensor[S, DT, NoTape]: ...
@overload
def zeros_like(x: Tensor[S, Any, Any], dtype: type[DT2]) -> Tensor[S, DT2, NoTape]: ...
def zeros_like(x: Tensor[Any, Any, Any], dtype: type[DType] | None = None) -> Any:
    """Zeros of `x`'s shape, dtype (or `dtype`) and device; untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.zeros_like(sd.ones((2,), dtype=sd.i64)).tolist()
        [0, 0]
    """
    return _like("zeros_like", x, dtype, lambda d, s, t: d.xp.zeros(s, dtype=t))


@overload
def ones_like(x: Tensor[S, DT, Any], dtype: None = None) -> Tensor[S, DT, NoTape]: ...
@overload
def ones_like(x: Tensor[S, Any, Any], dtype: type[DT2]) -> Tensor[S, DT2, NoTape]: ...
def ones_like(x: Tensor[Any, Any, Any], dtype: type[DType] | None = None) -> Any:
    """Ones of `x`'s shape, dtype (or `dtype`) and device; untraced.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.ones_like(sd.zeros((2,))).tolist()
        [1.0, 1.0]
    """
    return _like("ones_like", x, dtype, lambda d, s, t: d.xp.ones(s, dtype=t))


@overload
def full_like(
    x: Tensor[S, DT, Any], value: float | NumpyScalar, dtype: None = None
) -> Tensor[S, DT, NoTape]: ...
@overload
def full_like(
    x: Tensor[S, Any, Any], value: float | NumpyScalar, dtype: type[DT2]
) -> Tensor[S, DT2, NoTape]: ...
def full_like(
    x: Tensor[Any, Any, Any], value: float | NumpyScalar, dtype: type[DType] | None = None
) -> Any:
    """`value` in `x`'s shape, dtype (or `dtype`) and device; untraced.

    Raises:
        ValueError: when `value` overflows the dtype (`-1e9` in f16), as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.full_like(sd.zeros((2,)), 7.0).tolist()
        [7.0, 7.0]
    """

    def fill(d: Device, s: tuple[int, ...], t: Any) -> Array:
        return d.xp.full(s, fits("full_like", value, t.name), dtype=t)

    return _like("full_like", x, dtype, fill)


def _random(op: str, x: Tensor[Any, Any, Any], dtype: type[DType] | None, fill: Fill) -> Any:
    out = _like(op, x, dtype, fill)
    float_only(op, out, how=" (or a float dtype given)")
    return out


@overload
def randn_like(x: Tensor[S, DT, Any], dtype: None = None) -> Tensor[S, DT, NoTape]: ...
@overload
def randn_like(x: Tensor[S, Any, Any], dtype: type[DT2]) -> Tensor[S, DT2, NoTape]: ...
def randn_like(x: Tensor[Any, Any, Any], dtype: type[DType] | None = None) -> Any:
    """Standard normal samples of `x`'s shape, dtype (or `dtype`) and device, from the
    device's seeded generator; untraced.

    Raises:
        TypeError: when the dtype is not a float one, as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.randn_like(sd.zeros((2, 3))).shape
        (2, 3)
    """
    return _random("randn_like", x, dtype, lambda d, s, t: d.rng.standard_normal(s).astype(t))


@overload
def rand_like(x: Tensor[S, DT, Any], dtype: None = None) -> Tensor[S, DT, NoTape]: ...
@overload
def rand_like(x: Tensor[S, Any, Any], dtype: type[DT2]) -> Tensor[S, DT2, NoTape]: ...
def rand_like(x: Tensor[Any, Any, Any], dtype: type[DType] | None = None) -> Any:
    """Uniform samples in [0, 1) of `x`'s shape, dtype (or `dtype`) and device, from the
    device's seeded generator; untraced.

    Raises:
        TypeError: when the dtype is not a float one, as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.rand_like(sd.zeros((4,))).shape
        (4,)
    """
    return _random("rand_like", x, dtype, lambda d, s, t: d.rng.random(s).astype(t))


@register("clone", same_shape, methods=("clone",))
def clone(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """A copy of `x` with its own memory, on the tape as `x` is (PyTorch's `clone`): the
    gradient passes through to `x`. `x.clone().detach()` is a copy off the tape.

    Example:
        >>> import shapedl as sd
        >>> x = sd.ones((2,))
        >>> y = x.clone()
        >>> y.data[0] = 5.0
        >>> x.tolist(), y.tolist()
        ([1.0, 1.0], [5.0, 1.0])
    """
    return _unary(x, x.data.copy(), lambda g: g)
