"""`backward()` only on a traced scalar; the message says how to fix it."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x = sd.zeros((2, 3))
x.sum().backward()  # E: [tape] call .traced() on an input
x.traced().backward()  # E: [tape] backward() needs a scalar, but the tensor has shape (2, 3): reduce it first with .sum() or .mean()
(x.traced() * 2).sum(axis=0).backward()  # E: [tape] reduce it first with .sum() or .mean()
sd.ones(()).backward()  # E: [tape] backward() needs a traced tensor

# a loss computed inside no_grad is untraced there, as at run time
with sd.no_grad():
    lost = (sd.randn((3,)).traced() * 2).sum()
lost.backward()  # E: [tape] backward() needs a traced tensor
