"""Writing at indices: `one_hot` and `scatter_add` (PyTorch's semantics).

`one_hot(index, C)` appends an axis of size `C` and gives untraced `int64`, as PyTorch does.
`scatter_add(x, axis, index, src)` is `torch.scatter_add`: `x` with `src[i][j]` added at
`out[index[i][j]][j]` (for `axis=0`), only over `index`'s extent; its gradient passes to `x`
unchanged and to `src` as the output's gradient gathered at `index` (zero outside).
"""

from __future__ import annotations

from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import DYN, Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.index import out_of_range
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, NoTape, i64

__all__ = ["one_hot", "scatter_add"]


def _integer(op: str, index: Tensor[Any, Any, Any]) -> None:
    if index.data.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must be an integer tensor, not {index.data.dtype}")


# ---- one_hot ----------------------------------------------------------------------------
def one_hot_rule(op: str, index: Shape, num_classes: Any = -1) -> Shape:
    """`index`'s shape with an axis of `num_classes` appended (`-1`: known at run time)."""
    if isinstance(num_classes, int) and num_classes < -1:
        raise shape_error(op, [index], f"num_classes {num_classes} is negative")
    known = isinstance(num_classes, int | dims.Expr) and num_classes != -1
    return (*index, num_classes if known else DYN)


@register("one_hot", one_hot_rule, tensors=("index",), statics=("num_classes",), dtype="int64")
def one_hot(index: Tensor[Any, Any, Any], num_classes: int = -1) -> Tensor[Any, i64, NoTape]:
    """`1` at each index along a new last axis of size `num_classes`, else `0` (`int64`).

    As `torch.nn.functional.one_hot`: `num_classes=-1` takes the largest index plus one.

    Raises:
        ShapeError: when an index is negative or not below `num_classes`.
        TypeError: when `index` is not an integer tensor.

    Shape:
        `(*S) -> (*S, num_classes)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.one_hot(sd.tensor([0, 2]), 3).tolist()
        [[1, 0, 0], [0, 0, 1]]
    """
    one_hot_rule("one_hot", index.shape, num_classes)
    _integer("one_hot", index)
    xp, data = index.xp, index.data
    n = num_classes if num_classes != -1 else int(data.max()) + 1 if data.size else 0
    found = out_of_range(index.device.backend, data, 0, n)
    if found is not None:
        raise shape_error(
            "one_hot",
            [index.shape],
            f"index values {found[0]}..{found[1]} are not all in [0, {n})",
            "raise num_classes" if found[1] >= n else None,
        )
    out = (data[..., None] == xp.arange(n)).astype("int64")
    return Tensor(out, index.device)


# ---- scatter_add ------------------------------------------------------------------------
def scatter_add_rule(op: str, x: Shape, index: Shape, src: Shape, axis: Any = 0) -> Shape:
    """`x`'s shape; `index` has `x`'s rank, fits in `src`, and in `x` off `axis`."""
    for name, s in (("index", index), ("src", src)):
        if len(s) != len(x):
            raise shape_error(op, [x, index, src], f"{name} has rank {len(s)}, x has rank {len(x)}")
    a = dims.normalize_axis(op, axis, x) if dims.is_axis(axis) else None
    # NOTE: with an unknown axis, any axis of x may be the one index is free along
    against = (("src", src), ("x", x)) if a is not None else (("src", src),)
    for k, n in enumerate(index):
        for name, s in against:
            d = s[k]
            if (name == "x" and k == a) or not (isinstance(n, int) and isinstance(d, int)):
                continue
            if n > d:
                raise shape_error(
                    op, [x, index, src], f"index has size {n} at axis {k}, {name} only {d}"
                )
    return x


def _key(xp: Any, index: Array, a: int) -> tuple[Array, ...]:
    """The advanced index that puts `index` along axis `a` and each position elsewhere."""
    return tuple(
        index if k == a else xp.arange(n).reshape((-1,) + (1,) * (index.ndim - k - 1))
        for k, n in enumerate(index.shape)
    )


@register("scatter_add", scatter_add_rule, tensors=("x", "index", "src"), statics=("axis",))
def scatter_add(
    x: Tensor[Any, DT, Any], axis: int, index: Tensor[Any, Any, Any], src: Tensor[Any, DT, Any]
) -> Tensor[Any, DT, Any]:
    """`x` with the values of `src` added at the positions `index` names along `axis`.

    `torch.scatter_add`: `out[index[i][j]][j] += src[i][j]` for `axis=0`, over `index`'s
    extent only; repeated indices add up.

    Raises:
        ShapeError: when the ranks differ, `index` is larger than `src` (or than `x` off
            `axis`), or an index is out of range.
        TypeError: when `index` is not an integer tensor.

    Shape:
        `(*S), (*I), (*R) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.zeros((3,))
        >>> sd.ops.scatter_add(x, 0, sd.tensor([0, 2, 0]), sd.tensor([1.0, 2.0, 3.0])).tolist()
        [4.0, 0.0, 2.0]
    """
    scatter_add_rule("scatter_add", x.shape, index.shape, src.shape, axis)
    _integer("scatter_add", index)
    check_devices("scatter_add", x, index, src)
    same_dtype("scatter_add", x, src)
    xp, a = x.xp, axis % max(x.ndim, 1)
    data = index.data
    found = out_of_range(x.device.backend, data, 0, x.shape[a])
    if found is not None:
        raise shape_error(
            "scatter_add",
            [x.shape, index.shape, src.shape],
            f"index values {found[0]}..{found[1]} are out of range for axis {axis} of size "
            f"{x.shape[a]}",
        )
    key = _key(xp, data, a)
    part = tuple(slice(0, n) for n in index.shape)
    out = x.data.copy()
    xp.add.at(out, key, src.data[part])

    def vjp(g: Array) -> tuple[Array, None, Array]:
        grad_src = xp.zeros(src.shape, dtype=g.dtype)
        grad_src[part] = g[key]
        return g, None, grad_src

    return record(out, (x, index, src), vjp)
