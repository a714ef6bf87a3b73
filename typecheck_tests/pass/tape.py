"""`backward()` on a traced scalar; gradients for traced and untraced tensors alike."""

from __future__ import annotations

import shapedl as sd

w = sd.ones((3, 4))
x = sd.ones((4,)).traced()
loss = (w * x).sum()
grads = loss.backward()
assert grads[w].shape == (3, 4)
