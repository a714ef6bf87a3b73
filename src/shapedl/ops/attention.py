"""Scaled dot-product attention, with a direct backward.

`out = softmax(q @ k^T * scale + mask) @ v`. The backward reuses the saved probabilities `p`:
`dv = p^T @ g`, `ds = p * (dp - rowsum(dp * p))` with `dp = g @ v^T`, `dq = ds @ k * scale`,
`dk = ds^T @ q * scale`, and an additive mask receives `ds`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.device import Device
from shapedl.dims import Dim, Shape
from shapedl.errors import ShapeError, shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT

__all__ = ["scaled_dot_product_attention"]


def _check_rank(op: str, name: str, s: Shape) -> None:
    if len(s) < 2:
        raise shape_error(op, [s], f"{name} has rank {len(s)} but must be (..., T, D)")


def _broadcast_dim(a: Dim, b: Dim) -> Dim | None:
    try:
        return dims.broadcast("", (a,), (b,))[0]
    except ShapeError:
        return None


def _batch(op: str, shapes: dict[str, Shape]) -> Shape:
    """The broadcast of the batch axes (all but the last two), axes counted from the end."""
    rank = max(len(s) for s in shapes.values())
    out: list[Dim] = []
    for i in range(rank, 2, -1):
        d: Dim = 1
        for name, s in shapes.items():
            if len(s) < i:
                continue
            nxt = _broadcast_dim(d, s[-i])
            if nxt is None:
                others = [t for t in shapes.values() if len(t) >= i and t is not s]
                raise shape_error(
                    op,
                    [*others[:1], s],
                    f"batch size {s[-i]} of {name} at axis {-i} does not broadcast against {d}",
                )
            d = nxt
        out.append(d)
    return tuple(out)


def attention_rule(
    op: str,
    q: Shape,
    k: Shape,
    v: Shape,
    mask: Shape | None = None,
    attn_mask: Shape | None = None,
) -> Shape:
    """`(..., Tq, D), (..., Tk, D), (..., Tk, Dv) -> (..., Tq, Dv)`, batch axes broadcast;
    the mask by either name (`attn_mask` is PyTorch's)."""
    mask = attn_mask if mask is None else mask
    for name, s in (("q", q), ("k", k), ("v", v)):
        _check_rank(op, name, s)
    if dims.same(q[-1], k[-1]) is False:
        raise shape_error(
            op,
            [q, k],
            f"query width {q[-1]} differs from key width {k[-1]} at axis -1",
            "q and k must have the same last dimension",
        )
    if dims.same(k[-2], v[-2]) is False:
        raise shape_error(
            op,
            [k, v],
            f"key length {k[-2]} differs from value length {v[-2]} at axis -2",
            "k and v must hold the same number of positions",
        )
    batch = _batch(op, {"q": q, "k": k, "v": v})
    if mask is not None:
        check_mask(op, mask, (*batch, q[-2], k[-2]))
    return (*batch, q[-2], v[-1])


def check_mask(op: str, mask: Shape, scores: Shape) -> None:
    """The mask broadcasts to the scores `(..., Tq, Tk)` without growing them (as PyTorch)."""
    if len(mask) > len(scores):
        raise shape_error(
            op,
            [mask, scores],
            f"mask has rank {len(mask)} but the scores (..., Tq, Tk) have rank {len(scores)}",
        )
    i = misfit_axis(mask, scores)
    if i is not None:
        raise shape_error(
            op,
            [mask, scores],
            f"mask size {mask[i]} at axis {i} does not broadcast to {scores[i]}",
            "the mask must broadcast to the scores (..., Tq, Tk)",
        )


def misfit_axis(mask: Shape, scores: Shape) -> int | None:
    """The first axis (from the end) where `mask` does not broadcast to `scores`, or None.
    Also the attention layers' check of their masks."""
    for i in range(-min(len(mask), len(scores)), 0):
        if mask[i] != 1 and dims.same(mask[i], scores[i]) is False:
            return i
    return None


@register(
    "scaled_dot_product_attention", attention_rule, tensors=("q", "k", "v", "mask", "attn_mask")
)
def scaled_dot_product_attention(
    q: Tensor[Any, DT, Any],
    k: Tensor[Any, DT, Any],
    v: Tensor[Any, DT, Any],
    mask: Tensor[Any, Any, Any] | None = None,
    *,
    causal: bool = False,
    scale: float | None = None,
    attn_mask: Tensor[Any, Any, Any] | None = None,
    is_causal: bool = False,
) -> Tensor[Any, DT, Any]:
    """`softmax(q @ k^T * scale + mask) @ v`, as PyTorch's `scaled_dot_product_attention`.

    Args:
        q: queries `(..., Tq, D)`.
        k: keys `(..., Tk, D)`.
        v: values `(..., Tk, Dv)`.
        mask: broadcast to `(..., Tq, Tk)`; boolean (True keeps a position, as PyTorch's
            `attn_mask`) or a float added to the scores (`-inf` removes a position).
        causal: query `i` sees only keys `j <= i` (PyTorch's `is_causal`).
        scale: the factor of the scores, `1 / sqrt(D)` when None.
        attn_mask: PyTorch's name of `mask` (give one or the other), so that a port's
            `F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=True)` runs.
        is_causal: PyTorch's name of `causal`. Everything after the mask is keyword-only:
            PyTorch's fifth positional is `dropout_p`, so a ported positional call is a
            `TypeError`, not wrong attention.

    Returns:
        `(..., Tq, Dv)`; a query that sees no key at all gets zeros (as PyTorch does).

    Raises:
        ShapeError: when widths, lengths, batch axes or the mask do not fit.
        TypeError: when both `mask` and `attn_mask` are given.

    Shape:
        `(..., Tq, D), (..., Tk, D), (..., Tk, Dv) -> (..., Tq, Dv)`

    Example:
        >>> import shapedl as sd
        >>> q, k, v = sd.ones((2, 4, 3, 8)), sd.ones((2, 4, 5, 8)), sd.ones((2, 4, 5, 6))
        >>> sd.ops.scaled_dot_product_attention(q, k, v, causal=True).shape
        (2, 4, 3, 6)
    """
    op = "scaled_dot_product_attention"
    if attn_mask is not None:
        if mask is not None:
            raise TypeError(f"{op}: give the mask once, as mask= or as attn_mask=, not both")
        mask = attn_mask
    causal = causal or is_causal
    attention_rule(op, q.shape, k.shape, v.shape, None if mask is None else mask.shape)
    check_devices(op, q, k, v, *([] if mask is None else [mask]))
    same_dtype(op, q, k, v)
    xp, dtype, mm = q.xp, q.data.dtype, q.device.backend.matmul
    factor = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    # NOTE: the scale goes on q (Tq x D), not on the scores (Tq x Tk), and the softmax and its
    # backward work in place: attention's cost is in these (..., Tq, Tk) arrays
    scores = mm(q.data * factor, xp.swapaxes(k.data, -1, -2))
    if mask is not None and mask.data.dtype.kind != "b":
        scores += mask.data.astype(dtype, copy=False)
    p = _softmax(xp, scores, _keep(q.device, scores.shape, mask, causal))
    out = mm(p, v.data)

    def vjp(g: Array) -> list[Array | None]:
        dv = mm(xp.swapaxes(p, -1, -2), g)
        ds = mm(g, xp.swapaxes(v.data, -1, -2))
        # NOTE: softmax's rowsum(dp * p), as PyTorch's CPU kernel, not the equal rowsum(g * out):
        # where p is saturated ([0, 1]) the two terms then cancel exactly, as in PyTorch
        ds -= (ds * p).sum(axis=-1, keepdims=True)
        ds *= p
        grads: list[Array | None] = [
            mm(ds, k.data * factor),
            mm(xp.swapaxes(ds, -1, -2), q.data * factor),
            dv,
        ]
        if mask is not None:
            grads.append(
                None if mask.data.dtype.kind == "b" else ds.astype(mask.data.dtype, copy=False)
            )
        return grads

    inputs = (q, k, v) if mask is None else (q, k, v, mask)
    return record(out.astype(dtype, copy=False), inputs, vjp)


def _keep(
    device: Device, shape: tuple[int, ...], mask: Tensor[Any, Any, Any] | None, causal: bool
) -> Any:
    """The boolean array of visible positions (broadcastable to `shape`), or None for all."""
    keep = None
    if mask is not None and mask.data.dtype.kind == "b":
        keep = mask.data
    if causal:
        tri = _causal(device, shape[-2], shape[-1])
        keep = tri if keep is None else keep & tri
    return keep


@functools.lru_cache(maxsize=32)
def _causal(device: Device, tq: int, tk: int) -> Any:
    """The causal mask, made once per device and size (never written to: shared)."""
    return device.xp.tril(device.xp.ones((tq, tk), dtype=bool))


def _softmax(xp: Any, scores: Array, keep: Any) -> Array:
    """A stable softmax over the last axis, in place; a row with nothing visible is all zeros."""
    if scores.shape[-1] == 0:  # NOTE: no key at all: empty rows, which `max` has no value for
        return scores
    if keep is not None:
        xp.copyto(scores, -xp.inf, where=~keep)  # NOTE: `where` broadcasts a small mask
    top = scores.max(axis=-1, keepdims=True)
    scores -= xp.where(xp.isfinite(top), top, 0)
    xp.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    scores /= xp.where(total > 0, total, 1)
    return scores
