"""Pooling over `(N, C, L)` signals: `max_pool1d`, `avg_pool1d`, `adaptive_avg_pool1d` and
`adaptive_max_pool1d`.

Shape rules: the 1-d arithmetic of their 2-d counterparts along `L`, so a symbolic length
stays exact: `(L + 2P - K) // S + 1` (rounded up with `ceil_mode`, as `ops/pool.py` says) for
a window pool, `output_size` for an adaptive one.

How it runs: each is its 2-d op on the `(N, C, 1, L)` view with a `(1, K)` window (an
adaptive `(1, l)` output), as PyTorch's own 1-d pools are; the view's forward and backward are
the 2-d op's, so values, ties and gradients are PyTorch's. Each checks its own rule first, so
that an error names the 1-d op and the `(N, C, L)` shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shapedl import dims
from shapedl.dims import DYN, Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import float_only
from shapedl.ops.pool import OPTIONS, avg_pool2d, checked_pool, max_pool2d
from shapedl.ops.registry import register
from shapedl.ops.resample import adaptive_avg_pool2d, adaptive_max_pool2d
from shapedl.tensor import Tensor
from shapedl.types import DT, TT

__all__ = ["adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d"]

Single = int | tuple[int]
AnyTensor = Tensor[Any, Any, Any]
Adaptive2d = Callable[[AnyTensor, tuple[int, Any]], AnyTensor]


# ---- shape rules ------------------------------------------------------------------------
def pool1d_rule(
    op: str,
    x: Shape,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    ceil_mode: object = False,
) -> Shape:
    """`(N, C, L) -> (N, C, (L + 2P - K) // S + 1)`, rounded up with `ceil_mode`."""
    return checked_pool(op, x, kernel_size, stride, padding, ceil_mode, nd=1)[0]


def adaptive_pool1d_rule(op: str, x: Shape, output_size: object) -> Shape:
    """`(N, C, L) -> (N, C, l)` (or without `N`) with `output_size` `l` or `(l,)`."""
    if len(x) not in (2, 3):
        raise shape_error(op, [x], f"needs (N, C, L) or (C, L), not rank {len(x)}")
    one = isinstance(output_size, tuple) and len(output_size) == 1
    size = output_size[0] if one else output_size  # type: ignore[index]
    if not dims.is_dim(size):
        raise shape_error(op, [x], f"output_size must be an int or a 1-tuple, got {output_size!r}")
    if isinstance(size, int) and size <= 0:
        raise shape_error(op, [x], f"output_size {output_size!r} must be a positive size")
    if isinstance(size, int) and x[-1] == 0:
        raise shape_error(op, [x], f"cannot pool an empty axis (axis {len(x) - 1}) to size {size}")
    out: Dim = size if isinstance(size, int | dims.Expr) else DYN
    return (*x[:-1], out)


# ---- window pools -----------------------------------------------------------------------
def _one(v: object, fill: int) -> tuple[object, object]:
    """A 1-d option as the 2-d op's `(fill, v)`: no window across the height of 1."""
    return (fill, v[0] if isinstance(v, tuple) else v)


def _window(op: str, x: AnyTensor, kernel: Any, stride: Any, padding: Any, ceil_mode: Any) -> Any:
    """The 2-d op's `(kernel, stride, padding)`, after the 1-d rule's check."""
    pool1d_rule(op, x.shape, kernel, stride, padding, ceil_mode)
    return _one(kernel, 1), None if stride is None else _one(stride, 1), _one(padding, 0)


@register("max_pool1d", pool1d_rule, statics=OPTIONS)
def max_pool1d(
    x: Tensor[Any, DT, TT],
    kernel_size: Single,
    stride: Single | None = None,
    padding: Single = 0,
    ceil_mode: bool = False,
) -> Tensor[Any, DT, TT]:
    """The maximum over each `kernel_size` window of `(N, C, L)` signals.

    Args:
        x: the input `(N, C, L)`.
        kernel_size: `K` (an int or a 1-tuple).
        stride: an int or a 1-tuple; the kernel size when None.
        padding: an int or a 1-tuple, at most half the kernel; padded cells never win.
        ceil_mode: round the output size up (PyTorch's `ceil_mode`).

    Raises:
        ShapeError: when `x` is not 3-d, the padding exceeds half the kernel, or the output
            would be empty.
        TypeError: when `ceil_mode` is not a bool.

    Shape:
        `(N, C, L) -> (N, C, (L + 2P - K) // S + 1)`; with `ceil_mode`,
        `ceil((L + 2P - K) / S) + 1` unless that window starts past the input

    Example:
        >>> import shapedl as sd
        >>> sd.ops.max_pool1d(sd.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2).tolist()
        [[[3.0, 5.0]]]
    """
    k, s, p = _window("max_pool1d", x, kernel_size, stride, padding, ceil_mode)
    return max_pool2d(x.unsqueeze(2), k, s, p, ceil_mode).squeeze(2)


@register("avg_pool1d", pool1d_rule, statics=OPTIONS)
def avg_pool1d(
    x: Tensor[Any, DT, TT],
    kernel_size: Single,
    stride: Single | None = None,
    padding: Single = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor[Any, DT, TT]:
    """The mean over each `kernel_size` window of `(N, C, L)` signals. An integer input gives
    PyTorch's integer mean: the sum divided, truncated toward 0.

    Args, Raises and Shape as in `max_pool1d`, except that the padding is zeros (and a bool
    input is a `TypeError`), and:
        count_include_pad: whether the padded zeros count in the mean (PyTorch's default,
            True); a window's cells past the padding (`ceil_mode`) never count.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.avg_pool1d(sd.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2).tolist()
        [[[2.0, 3.5]]]
    """
    k, s, p = _window("avg_pool1d", x, kernel_size, stride, padding, ceil_mode)
    if x.data.dtype.kind == "b":
        raise TypeError("avg_pool1d: x must be a number tensor, not bool")
    return avg_pool2d(x.unsqueeze(2), k, s, p, ceil_mode, count_include_pad).squeeze(2)


# ---- adaptive pools ---------------------------------------------------------------------
def _adaptive(op: str, x: AnyTensor, output_size: Single, pool: Adaptive2d) -> AnyTensor:
    """`pool` (a 2-d adaptive op) on the `(..., 1, L)` view, to `(1, l)`."""
    shape = adaptive_pool1d_rule(op, x.shape, output_size)
    return pool(x.unsqueeze(-2), (1, shape[-1])).squeeze(-2)


@register("adaptive_avg_pool1d", adaptive_pool1d_rule, statics=("output_size",))
def adaptive_avg_pool1d(x: Tensor[Any, DT, TT], output_size: Single) -> Tensor[Any, DT, TT]:
    """Average over PyTorch's adaptive windows, so the length becomes `output_size`.

    `output_size=1` is global average pooling over time (a text CNN's or a TCN's head).

    Raises:
        ShapeError: when `x` is not 2-d or 3-d, the size is not positive, or an empty axis is
            pooled.
        TypeError: for an integer or bool `x` (as PyTorch).

    Shape:
        `(N, C, L) -> (N, C, l)` with `output_size=l`; also `(C, L)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.adaptive_avg_pool1d(sd.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2).tolist()
        [[[2.0, 4.0]]]
    """
    float_only("adaptive_avg_pool1d", x)
    return _adaptive("adaptive_avg_pool1d", x, output_size, adaptive_avg_pool2d)


@register("adaptive_max_pool1d", adaptive_pool1d_rule, statics=("output_size",))
def adaptive_max_pool1d(x: Tensor[Any, DT, TT], output_size: Single) -> Tensor[Any, DT, TT]:
    """Maximum over PyTorch's adaptive windows, so the length becomes `output_size`.

    `output_size=1` is global max pooling over time; the gradient goes to the maximum of
    each window.

    Raises:
        ShapeError: when `x` is not 2-d or 3-d, the size is not positive, or an empty axis is
            pooled.

    Shape:
        `(N, C, L) -> (N, C, l)` with `output_size=l`; also `(C, L)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.adaptive_max_pool1d(sd.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 1).tolist()
        [[[6.0]]]
    """
    return _adaptive("adaptive_max_pool1d", x, output_size, adaptive_max_pool2d)
