"""Creation: tensors from shapes, values and arrays, on a device or the default one.

The rule of every shape-taking creation op is the shape itself: the plugin turns literal
ints into `Const` dims, `Size[X]` values into the symbol `X` and other ints into `Dyn`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, SupportsIndex, overload

from typing_extensions import TypeVar

from shapedl import dims
from shapedl.backend import NumpyScalar
from shapedl.device import Device, default_device
from shapedl.dims import Dim, Shape
from shapedl.errors import ShapeError, show_shape
from shapedl.ops.registry import register
from shapedl.tensor import Tensor
from shapedl.types import DTYPES, DType, NoTape, f32, i64

__all__ = [
    "arange",
    "eye",
    "from_numpy",
    "full",
    "linspace",
    "ones",
    "rand",
    "randn",
    "tensor",
    "zeros",
]

DT = TypeVar("DT", bound=DType, default=f32)
# NOTE: any int-like size, NumPy's included (`sd.zeros((np.int64(3), 2))`)
ShapeArg = Sequence[SupportsIndex] | SupportsIndex


def shape_rule(op: str, shape: Sequence[Dim] | Dim) -> Shape:
    """A creation op's shape is the one it was given; sizes must be >= 0."""
    out = (shape,) if not isinstance(shape, Sequence) else tuple(shape)
    for i, d in enumerate(out):
        if isinstance(d, int) and d < 0:
            raise ShapeError(f"{op}: size {d} at axis {i} of {show_shape(out)} is negative")
    return out


def arange_rule(
    op: str, start: Dim | float, stop: Dim | float | None = None, step: Dim | float = 1
) -> Shape:
    """`ceil((stop - start) / step)` values, or none; `arange(n)` counts from 0; float bounds
    and steps (`arange(0, 1, 0.1)`) count as NumPy counts them."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ShapeError(f"{op}: step must not be 0")
    if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int):
        return (max(0, -(-(stop - start) // step)),)
    if isinstance(start, float) or isinstance(stop, float) or isinstance(step, float):
        if all(isinstance(v, int | float) for v in (start, stop, step)):
            return (max(0, math.ceil((stop - start) / step)),)  # type: ignore[operator]
        return (dims.DYN,)
    if step == 1:
        return (dims.sub(stop, start),)
    return (dims.DYN,)


def eye_rule(op: str, n: Dim, m: Dim | None = None) -> Shape:
    """`(n, m)`, square without `m`; sizes must be >= 0."""
    return shape_rule(op, (n, n if m is None else m))


def _sizes(op: str, shape: ShapeArg) -> Sequence[int] | int:
    """`shape` with NumPy's ints made Python's, as the rule takes them."""
    if isinstance(shape, Sequence):
        return tuple(_size(op, "a size", d) for d in shape)
    return _size(op, "the shape", shape)


def _size(op: str, name: str, d: SupportsIndex) -> int:
    dims.check_int(op, name, d)
    return operator.index(d)


_PYTHON_TYPES = ((bool, "sd.bool_"), (int, "sd.i64"), (float, "sd.f32"))


def check_dtype(op: str, dtype: object, shape: object = None) -> type[DType]:
    """`dtype` if it is one of shapedl's dtypes, for the creation function `op`.

    Raises:
        TypeError: naming `op` and the value given, with shapedl's dtype for Python's
            `bool`, `int` and `float`, and for `sd.zeros(4, 3)` (PyTorch's spelling of
            `shape`) that the shape is one tuple.
    """
    if isinstance(dtype, type) and issubclass(dtype, DType):
        return dtype
    message = f"{op}: dtype must be a dtype (sd.f32, sd.i64...), not {dtype!r}"
    fix = next((ours for python, ours in _PYTHON_TYPES if dtype is python), None)
    if fix is not None:
        message += f"; use {fix}"
    elif isinstance(shape, int) and isinstance(dtype, int):
        # NOTE: `sd.zeros(4, 3)`, PyTorch's spelling: the 3 came in as the dtype
        message += f"; the shape is one tuple: sd.{op}(({shape}, {dtype}, ...))"
    raise TypeError(message)


# NOTE: each float dtype's largest finite value, each int dtype's range
_FLOAT_MAX = {
    "float16": 65504.0,
    "bfloat16": (2 - 2**-7) * 2.0**127,
    "float32": (2 - 2**-23) * 2.0**127,
    "float64": math.inf,
}
_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def fits(op: str, value: Any, dtype: str) -> Any:
    """`value`, checked to fit `dtype` as PyTorch checks a fill value: a float dtype holds
    every number up to its largest finite value, and inf and nan; an int dtype its range (a
    float is truncated); bool every number.

    Raises:
        ValueError: naming `op`, the value and the dtype, where NumPy would silently make
            `-1e9` in f16 `-inf` (or wrap an int around).
    """
    v = value.item() if hasattr(value, "item") else value  # NOTE: a NumPy scalar
    if isinstance(v, bool) or not isinstance(v, int | float):
        return value
    top = _FLOAT_MAX.get(dtype)
    if top is not None:
        if abs(v) <= top or abs(v) == math.inf or v != v:
            return value
        held = f"{dtype} holds -{top:g} to {top:g}, and ±inf"
    elif dtype in _INT_RANGE:
        low, high = _INT_RANGE[dtype]
        if low <= v <= high:
            return value
        held = f"{dtype} holds {low} to {high}"
    else:
        return value
    raise ValueError(f"{op}: value {v!r} cannot be converted to {dtype} without overflow; {held}")


def _make(
    op: str, shape: ShapeArg, dtype: type[DType], device: Device | None, fill: Any
) -> Tensor[Any, Any, NoTape]:
    dtype = check_dtype(op, dtype, shape)
    dev = device or default_device()
    size = shape_rule(op, _sizes(op, shape))
    return Tensor(fill(dev, size, dev.backend.dtype(dtype.name)), dev)


@register("zeros", shape_rule, tensors=(), statics=("shape",))
def zeros(
    shape: ShapeArg,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """A tensor of zeros.

    Example:
        >>> import shapedl as sd
        >>> sd.zeros((2, 3)).shape
        (2, 3)
    """
    return _make("zeros", shape, dtype, device, lambda d, s, t: d.xp.zeros(s, dtype=t))


@register("ones", shape_rule, tensors=(), statics=("shape",))
def ones(
    shape: ShapeArg,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """A tensor of ones."""
    return _make("ones", shape, dtype, device, lambda d, s, t: d.xp.ones(s, dtype=t))


@register("full", shape_rule, tensors=(), statics=("shape",))
def full(
    shape: ShapeArg,
    value: float | NumpyScalar,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """A tensor filled with `value`.

    Raises:
        ValueError: when `value` overflows `dtype` (`1e9` in f16), as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.full((2,), -1e4, dtype=sd.f16).tolist()
        [-10000.0, -10000.0]
    """
    fits("full", value, check_dtype("full", dtype, shape).name)
    return _make("full", shape, dtype, device, lambda d, s, t: d.xp.full(s, value, dtype=t))


@register("randn", shape_rule, tensors=(), statics=("shape",))
def randn(
    shape: ShapeArg,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """Standard normal samples from the device's seeded generator."""
    return _make("randn", shape, dtype, device, lambda d, s, t: d.rng.standard_normal(s).astype(t))


@register("rand", shape_rule, tensors=(), statics=("shape",))
def rand(
    shape: ShapeArg,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """Uniform samples in [0, 1) from the device's seeded generator."""
    return _make("rand", shape, dtype, device, lambda d, s, t: d.rng.random(s).astype(t))


# NOTE: int bounds count in int64 and any float one in the default float, as in PyTorch (and
# NumPy), so `x[sd.arange(n)]` and `Embedding(...)(sd.arange(t))` index; `dtype=` wins. An
# int passed where `float` is declared counts as int at run time, as in PyTorch.
def _plain(name: str, v: Any) -> Any:
    """A NumPy integer as Python's, which the rule takes; anything else as it is."""
    dims.check_int("arange", name, v)
    return operator.index(v) if hasattr(v, "__index__") else v


@overload
def arange(
    start: int,
    stop: int | None = None,
    step: int = 1,
    *,
    dtype: None = None,
    device: Device | None = None,
) -> Tensor[Any, i64, NoTape]: ...
@overload
def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    *,
    dtype: None = None,
    device: Device | None = None,
) -> Tensor[Any, f32, NoTape]: ...
@overload
def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    *,
    dtype: type[DT],
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]: ...
@register("arange", arange_rule, tensors=(), statics=("start", "stop", "step"))
def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    *,
    dtype: type[DType] | None = None,
    device: Device | None = None,
) -> Tensor[Any, Any, NoTape]:
    """`[start, stop)` in steps of `step`; `arange(n)` is `0 .. n-1`.

    The dtype is PyTorch's: `i64` when `start`, `stop` and `step` are all ints, `f32` when one
    of them is a float; `dtype=` (keyword-only, as in PyTorch) chooses another.

    Example:
        >>> import shapedl as sd
        >>> sd.arange(3).dtype.__name__, sd.arange(0, 1, 0.5).dtype.__name__
        ('i64', 'f32')
        >>> sd.arange(3, dtype=sd.f64).tolist()
        [0.0, 1.0, 2.0]
    """
    arange_rule("arange", *map(_plain, ("start", "stop", "step"), (start, stop, step)))
    dev = device or default_device()
    lo, hi = (0, start) if stop is None else (start, stop)
    if dtype is None:
        ints = all(hasattr(v, "__index__") for v in (lo, hi, step))
        dtype = i64 if ints else f32
    dtype = check_dtype("arange", dtype)
    return Tensor(dev.xp.arange(lo, hi, step, dtype=dev.backend.dtype(dtype.name)), dev)


@register("eye", eye_rule, tensors=(), statics=("n", "m"))
def eye(
    n: int,
    m: int | None = None,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """The `n x m` identity matrix (square when `m` is omitted)."""
    check_dtype("eye", dtype)
    for name, v in (("n", n), ("m", m)):
        dims.check_int("eye", name, v)
    eye_rule("eye", n, m)
    dev = device or default_device()
    return Tensor(dev.xp.eye(n, m, dtype=dev.backend.dtype(dtype.name)), dev)


def linspace_rule(op: str, num: Dim) -> Shape:
    """`num` values (at least 0)."""
    return shape_rule(op, (num,))


@register("linspace", linspace_rule, tensors=(), statics=("num",))
def linspace(
    start: float,
    stop: float,
    num: int,
    dtype: type[DT] = f32,  # type: ignore[assignment]
    device: Device | None = None,
) -> Tensor[Any, DT, NoTape]:
    """`num` evenly spaced values from `start` to `stop`, both included.

    `num` must be given, as PyTorch's `steps` (NumPy's defaults to 50).

    Example:
        >>> import shapedl as sd
        >>> sd.linspace(0, 1, 5).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    check_dtype("linspace", dtype)
    dev = device or default_device()
    n = _size("linspace", "num", num)
    linspace_rule("linspace", n)
    return Tensor(dev.xp.linspace(start, stop, n, dtype=dev.backend.dtype(dtype.name)), dev)


_LIST_DTYPES = {"f": "float32", "i": "int64", "u": "int64", "b": "bool"}


def tensor(
    data: Any, dtype: type[DType] | None = None, device: Device | None = None
) -> Tensor[Any, Any, NoTape]:
    """A tensor from nested lists, a scalar or an array; floats become f32 unless `dtype`.

    NumPy arrays keep their float dtype (an f64 array gives an f64 tensor). The data is
    copied, as PyTorch's `torch.tensor` copies (`from_numpy` shares the array's memory).

    Example:
        >>> import shapedl as sd
        >>> sd.tensor([[1.0, 2.0], [3.0, 4.0]]).shape
        (2, 2)
    """
    if dtype is not None:
        check_dtype("tensor", dtype)
    dev = device or default_device()
    try:
        arr = dev.backend.asarray(data)
    except ValueError:
        if ragged_path(data) is None:
            raise
        raise ValueError(f"tensor: {ragged_message(data, 'data')}") from None
    name = dtype.name if dtype else str(arr.dtype)
    if dtype is None and not hasattr(data, "dtype"):
        name = _LIST_DTYPES.get(arr.dtype.kind, name)  # NOTE: Python floats become f32
    if name not in DTYPES:
        raise TypeError(f"tensor: unsupported dtype {arr.dtype}")
    if name != str(arr.dtype):
        arr = arr.astype(dev.backend.dtype(name))
    elif hasattr(data, "dtype"):
        arr = arr.copy()  # NOTE: asarray kept the caller's array, which they may change
    return Tensor(arr, dev)


def ragged_path(data: Any, where: str = "") -> tuple[str, int, str, int] | None:
    """The first place where nested lists differ in length: `(path, length, other path,
    other length)`, e.g. `("[1]", 1, "[0]", 2)` for `[[1.0, 2.0], [3.0]]`; None if none."""
    if not isinstance(data, list | tuple):
        return None
    lengths = [len(d) if isinstance(d, list | tuple) else None for d in data]
    for i, n in enumerate(lengths[1:], 1):
        if n != lengths[0]:
            return (f"{where}[{i}]", -1 if n is None else n, f"{where}[0]", _len(lengths[0]))
    for i, d in enumerate(data):
        found = ragged_path(d, f"{where}[{i}]")
        if found is not None:
            return found
    return None


def _len(n: int | None) -> int:
    return -1 if n is None else n


def ragged_message(data: Any, name: str) -> str:
    """Why nested lists `data` (called `name`) make no array, naming the entry at fault."""
    found = ragged_path(data)
    if found is None:
        return f"{name} cannot be made an array of numbers"
    path, n, other, m = found

    def what(k: int) -> str:
        return "is a number" if k < 0 else f"has {k} entr{'y' if k == 1 else 'ies'}"

    return (
        f"{name} is ragged: {name}{path} {what(n)} but {name}{other} {what(m)} "
        "(every row needs the same length; pad the short rows or make one tensor per row)"
    )


def from_numpy(array: Any, device: Device | None = None) -> Tensor[Any, Any, NoTape]:
    """A tensor with the values and dtype of `array` (copied to `device` if it is a GPU).

    Raises:
        TypeError: for an array of no number type (objects, strings, complex numbers), as
            PyTorch's `from_numpy` refuses them; other integer types (`uint8` images) are
            taken as they are, for `.astype` to convert.
    """
    dev = device or default_device()
    arr = dev.backend.asarray(array)
    if arr.dtype.kind not in "biuf" and str(arr.dtype) not in DTYPES:  # NOTE: bf16's is "V"
        raise TypeError(f"from_numpy: unsupported dtype {arr.dtype}; shapedl's are {list(DTYPES)}")
    return Tensor(arr, dev)
