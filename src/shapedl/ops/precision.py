"""Half-precision ops that accumulate: computed in f32 and rounded back, as PyTorch's are.

PyTorch sums, normalizes and multiplies f16 and bf16 tensors with a float32 accumulator and
rounds the result to the input's dtype. NumPy sums bf16 in bf16 (the sum of 2048 values of
N(0, 1) came out 6% off, a softmax over them 80%), and f16 cumulative sums in f16; it has no
bf16 `einsum` or `finfo`, and its bf16 `matmul` returns f32. `in_f32` runs such an op on
f32 copies of its half-precision tensors (through `astype`, so that the tape casts their
gradients back) and casts its float results to the input's dtype.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from shapedl.backend import is_float
from shapedl.backend.numpy import bfloat16
from shapedl.ops.elementwise import astype
from shapedl.tensor import Tensor
from shapedl.types import DTYPES, DType, f32

__all__ = ["in_f32", "is_half"]

F = TypeVar("F", bound=Callable[..., Any])

# NOTE: dtype objects, not names: `dtype.name` costs ~9 us, a set lookup of the dtype 80 ns
_HALF = frozenset((np.dtype("float16"), np.dtype(bfloat16())))
_F32 = np.dtype("float32")


def is_half(dtype: Any) -> bool:
    """Whether the NumPy/CuPy dtype `dtype` is f16 or bf16."""
    return dtype in _HALF


def _half(args: Iterable[Any]) -> Any:
    """The dtype of the first tensor among `args` if it is f16 or bf16, None if it is
    another, `_NONE` if there is no tensor."""
    for a in args:
        if isinstance(a, Tensor):
            return a.data.dtype if a.data.dtype in _HALF else None
    return _NONE


_NONE = object()


def in_f32(state: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Run the decorated op in f32 when its first tensor is f16 or bf16 (see the module).

    `state` names arguments the op updates in place (running statistics): they are given
    to it as f32 copies too, and what it wrote is copied back into the caller's tensors.
    Tensors of several float dtypes are passed on untouched, for the op's own dtype error.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            half = _half(args)
            if half is _NONE:  # NOTE: the tensors are passed by keyword
                half = _half(kwargs.values())
            if half is None or half is _NONE:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            if _floats(bound.arguments.values()) != {half}:
                return fn(*args, **kwargs)
            written: list[tuple[Tensor[Any, Any, Any], Tensor[Any, Any, Any]]] = []
            for name, value in bound.arguments.items():
                bound.arguments[name] = _cast(value, half, f32)
                if name in state and isinstance(value, Tensor):
                    written.append((value, bound.arguments[name]))
            out = fn(*bound.args, **bound.kwargs)
            for mine, copy in written:
                mine.data[...] = copy.data
            return _cast(out, _F32, DTYPES[half.name])

        return run  # type: ignore[return-value]

    return decorate


def _floats(values: Any) -> set[Any]:
    found: set[Any] = set()
    for v in values:
        items = v if isinstance(v, (tuple, list)) else (v,)
        dtypes = (t.data.dtype for t in items if isinstance(t, Tensor))
        found.update(d for d in dtypes if is_float(d))
    return found


def _cast(value: Any, source: Any, dtype: type[DType]) -> Any:
    """`value` with its tensors of NumPy dtype `source` (in tuples too) converted to `dtype`."""
    if isinstance(value, Tensor):
        return astype(value, dtype) if value.data.dtype == source else value
    if isinstance(value, tuple):
        return tuple(_cast(v, source, dtype) for v in value)
    return value
