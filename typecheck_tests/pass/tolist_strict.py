"""`t.tolist()` of a tensor of rank 1 or more is a `list` (PyTorch's stub says so too), so a
function declared `-> list[int]` returns it under `--strict` without `[no-any-return]`; a 0-d
tensor's is its Python number."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor

B = TypeVar("B", bound=Dim)


def predictions(logits: Tensor[tuple[B, Const[10]]]) -> list[int]:
    return logits.argmax(axis=1).tolist()


def rows(x: Tensor[tuple[B, Const[3]]]) -> list[list[float]]:
    return x.tolist()


total = sd.ones((2, 3)).sum().tolist() + 1.0
assert predictions(sd.zeros((4, 10))) == [0, 0, 0, 0] and total == 7.0
assert rows(sd.ones((2, 3))) == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
