"""A tensor whose type is a union of ranks (a mask given as `(B, T)` or `(B, T, T)`, as
HF's `get_extended_attention_mask` takes it) is narrowed by a test of its rank, in every
spelling: `mask.ndim == 2` narrows it as mypy narrows a tagged union, and `mask.dim() == 3`
(PyTorch's) leaves out the members of another rank in that branch."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, i64

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
H = TypeVar("H", bound=Dim)


def extended(
    mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64],
) -> Tensor[tuple[B, Any, Any, T], f32]:
    if mask.dim() == 3:
        ext = mask[:, None, :, :]
    elif mask.dim() == 2:
        ext = mask[:, None, None, :]
    else:
        raise ValueError(f"a mask of shape {mask.shape}")
    return (1.0 - ext.float()) * -10000.0


def apply(
    scores: Tensor[tuple[B, H, T, T], f32],
    mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64],
) -> Tensor[tuple[B, H, T, T], f32]:
    if mask.ndim == 2:
        ext = mask[:, None, None, :]
    else:
        ext = mask[:, None, :, :]
    return scores.masked_fill(ext == 0, -1e4)


s = sd.randn((2, 2, 3, 3))
for m in (sd.ones((2, 3), dtype=sd.i64), sd.ones((2, 3, 3), dtype=sd.i64)):
    assert apply(s, m).shape == (2, 2, 3, 3) and extended(m).shape[-1] == 3


def add_batch(x: Tensor[tuple[B, T], f32]) -> Tensor[tuple[Any, B, T], f32]:
    if x.dim() == 2:
        x = x.unsqueeze(0)
        y = x.sum(axis=2)
        assert y.shape[0] == 1
    return x


assert add_batch(sd.randn((2, 3))).shape == (1, 2, 3)


def rebound(
    scores: Tensor[tuple[B, H, T, T], f32],
    mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64],
) -> Tensor[tuple[B, H, T, T], f32]:
    # NOTE: the name rebound in each branch, after the call the test speaks of
    if mask.dim() == 3:
        mask = mask.unsqueeze(1)
    else:
        mask = mask.unsqueeze(1).unsqueeze(1)
    if len(scores.shape) == 4:
        scores = scores.masked_fill(mask == 0, -1e4)
    return scores


Ext = Tensor[tuple[B, Const[1], T, T], i64]


def by_assert(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> Ext[B, T]:
    assert mask.dim() == 3, "want (B, T, T)"
    return mask.unsqueeze(1)


def by_return(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> Ext[B, T]:
    if mask.dim() == 2:
        return mask[:, None, None, :] * mask[:, None, :, None]
    return mask.unsqueeze(1)


def by_order(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> Ext[B, T]:
    if mask.ndim > 2:
        return mask.unsqueeze(1)
    return mask[:, None, None, :] * mask[:, None, :, None]


def by_name(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> Ext[B, T]:
    is_2d = mask.dim() == 2
    if is_2d:
        return mask[:, None, None, :] * mask[:, None, :, None]
    square = not mask.ndim == 2
    if not square:
        raise AssertionError("not reached")
    return mask.unsqueeze(1)


def by_in(mask: Tensor[tuple[B, T], i64] | Tensor[tuple[B, T, T], i64]) -> Ext[B, T]:
    if mask.dim() in (3, 4):
        return mask.unsqueeze(1)
    return mask[:, None, None, :] * mask[:, None, :, None]


def pool_to_2d(x: Tensor[tuple[B, Const[3], Const[5], Const[4]], f32]) -> Tensor[Any, f32]:
    for _ in range(4):
        if x.dim() == 2:
            break
        x = x.mean(axis=1)
    return x


for m in (sd.ones((2, 3), dtype=sd.i64), sd.ones((2, 3, 3), dtype=sd.i64)):
    assert rebound(s, m).shape == (2, 2, 3, 3)
    for fn in (by_return, by_order, by_name, by_in):
        assert fn(m).shape == (2, 1, 3, 3)
assert by_assert(sd.ones((2, 3, 3), dtype=sd.i64)).shape == (2, 1, 3, 3)
assert pool_to_2d(sd.randn((2, 3, 5, 4))).shape == (2, 4)


def unbatched_in(x: Tensor[tuple[T, Const[8]], f32] | Tensor[tuple[B, T, Const[8]], f32]) -> Tensor[tuple[Any, T, Const[8]], f32]:
    # NOTE: PyTorch's unbatched input: after the `if`, a 2-d `x` went through the body
    if x.dim() == 2:
        x = x.unsqueeze(0)
    return x


def unbatched_layer(x: Tensor[tuple[T, Const[8]], f32] | Tensor[tuple[B, T, Const[8]], f32]) -> Tensor[tuple[Any, T, Const[8]], f32]:
    is_batched = x.dim() == 3
    if not is_batched:
        x = x.unsqueeze(0)
    return sd.nn.Linear(8, 8)(x)


for inp in (sd.randn((5, 8)), sd.randn((2, 5, 8))):
    assert unbatched_in(inp).ndim == 3 and unbatched_layer(inp).ndim == 3
