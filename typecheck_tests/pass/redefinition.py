"""Reusing a name for a tensor of a new shape (allow_redefinition_new in the config)."""

from __future__ import annotations

import shapedl as sd


def forward() -> sd.Tensor[tuple[sd.Const[2], sd.Const[2]]]:
    x = sd.ones((3, 4))
    x = x.sum(axis=0)
    x = x.reshape((2, 2))
    return x


y = sd.ones((2, 6))
y = y.reshape((3, 4)).sum(axis=1)
assert forward().shape == (2, 2) and y.shape == (3,)
