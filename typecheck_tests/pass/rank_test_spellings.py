"""A test of a tensor's rank in every spelling users write, PyTorch's included: `x.dim()`,
an ordering (`x.ndim > 2`), `len(x.size())`, `not`, the test kept in a name. Each decides the
branch as `x.ndim == 3` does: the branch the run never takes leaves no member behind."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
fc = nn.Linear(8, 4)
conv = nn.Conv2d(3, 8, 3)


def by_dim(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if x.dim() == 3:
        x = x.mean(axis=1)
    return fc(x)


def by_order(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if x.ndim > 2:
        x = x.mean(axis=1)
    if x.ndim >= 3:
        x = x.mean(axis=1)
    if 2 < x.ndim:
        x = x.mean(axis=1)
    return fc(x)


def by_size(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if len(x.size()) == 3:
        x = x.mean(axis=1)
    return fc(x)


def by_name(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    is3d = x.ndim == 3
    if is3d:
        x = x.mean(axis=1)
    flat = x.dim() < 3
    if not flat:
        x = x.mean(axis=1)
    return fc(x)


def by_not(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if not x.ndim <= 2:
        x = x.mean(axis=1)
    return fc(x)


def by_in(x: Tensor[tuple[B, Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    if x.ndim in (3, 4):
        x = x.mean(axis=1)
    if x.dim() in [3]:
        x = x.mean(axis=1)
    if len(x.shape) in {3, 4}:
        x = x.mean(axis=1)
    if not len(x.size()) not in (3,):
        x = x.mean(axis=1)
    return fc(x)


def sequence_mean(x: Tensor[tuple[B, Const[5], Const[8]], f32]) -> Tensor[tuple[B, Const[4]], f32]:
    # NOTE: always true here: the way round the branch is the one the run never takes
    if x.ndim > 2:
        h = x.mean(axis=1)
    else:
        h = x.reshape((-1, 8))
    return fc(h)


def one_image_or_batch(img: Tensor[tuple[Const[3], Const[32], Const[32]], f32]) -> Any:
    if img.dim() < 4:
        img = img.unsqueeze(0)
    elif img.dim() > 4:
        img = img.flatten(0, 1)
    return conv(img).shape


def any_rank(t: Tensor[Any, Any, Any]) -> int:
    return 2 if t.ndim > 2 else 1 if len(t.size()) == 2 else 0


for fn in (by_dim, by_order, by_size, by_name, by_not, by_in):
    assert fn(sd.randn((2, 8))).shape == (2, 4)
assert sequence_mean(sd.randn((2, 5, 8))).shape == (2, 4)
assert one_image_or_batch(sd.randn((3, 32, 32))) == (1, 8, 30, 30)
assert any_rank(sd.randn((2, 3, 4))) == 2 and any_rank(sd.randn((2, 3))) == 1
