"""A test of a size the types know decides its branch, as a rank test does: code written for
several shapes (`if x.shape[1] == 1: x = x.squeeze(1)`) is no error where this tensor's size
makes the test false, nor after the `if` where it makes it true; nor is one kept in a name
(`_, c, _ = x.shape`, then `if c == 1:`). On a name whose type is a union (a loop over tensors
of several sizes), the test leaves out the members whose size makes it false."""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
fc = nn.Linear(5, 2)


def never(x: Tensor[tuple[B, Const[5]], f32]) -> Tensor[tuple[B, Const[2]], f32]:
    if x.shape[1] == 1:
        x = x.squeeze(1)
    return fc(x)


def always(x: Tensor[tuple[B, Const[5], Const[1]], f32]) -> Tensor[tuple[B, Const[2]], f32]:
    if x.shape[-1] == 1:
        x = x.squeeze(-1)
    return fc(x)


def unless(x: Tensor[tuple[B, Const[5], Const[1]], f32]) -> Tensor[tuple[B, Const[2]], f32]:
    if x.size(2) != 1:
        x = x.mean(axis=2, keepdims=True)
    return fc(x.squeeze(2))


def kept(x: Tensor[tuple[B, Const[1], Const[5]], f32]) -> Tensor[tuple[B, Const[5]], f32]:
    _, c, _ = x.shape
    if c == 1:
        x = x.squeeze(1)
    n = x.size(1)
    if n != 5:
        x = x.mean(axis=1)
    return x


def each(score: Tensor[tuple[B, Const[1]], f32], probs: Tensor[tuple[B, Const[3]], f32]) -> int:
    total = 0
    for out in (score, probs):
        if out.shape[1] == 1:
            out = out.squeeze(1)
        total += out.ndim
    return total


C = TypeVar("C", bound=Dim)


def trailing_one(x: Tensor[tuple[B, C], f32]) -> Tensor[Any, f32]:
    # NOTE: generic in C: in the branch the run has C == 1, so the squeeze is right
    if x.shape[-1] == 1:
        x = x.squeeze(-1)
    return x


def unless_wide(x: Tensor[tuple[B, C], f32]) -> Tensor[tuple[B], f32]:
    if x.size(1) != 1:
        return x.sum(axis=1)
    else:
        return x.squeeze(1)


def kept_one(x: Tensor[tuple[B, C], f32]) -> Tensor[Any, f32]:
    _, c = x.shape
    if c == 1:
        x = x.squeeze(1)
    return x


def kept_size(x: Tensor[tuple[B, C], f32]) -> Tensor[Any, f32]:
    c = x.size(1)
    if c == 1:
        x = sd.squeeze(x, 1)
    return x


assert trailing_one(sd.randn((2, 1))).shape == (2,) and trailing_one(sd.randn((2, 3))).ndim == 2
assert kept_one(sd.randn((2, 1))).shape == kept_size(sd.randn((2, 1))).shape == (2,)
assert unless_wide(sd.randn((2, 1))).shape == unless_wide(sd.randn((2, 3))).shape == (2,)
assert kept(sd.randn((3, 1, 5))).shape == (3, 5)
assert each(sd.randn((2, 1)), sd.randn((2, 3))) == 3
assert never(sd.randn((3, 5))).shape == (3, 2)
assert always(sd.randn((3, 5, 1))).shape == (3, 2)
assert unless(sd.randn((3, 5, 1))).shape == (3, 2)
