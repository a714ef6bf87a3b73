"""Index tensors type as they run: Karpathy's `C[X]`, `logprobs[arange(n), Yb]`, a mask, a
traced index (its untraced table gets the gradient), and sizes whose type is a union."""

from __future__ import annotations

import math

import numpy as np

import shapedl as sd

C = sd.randn((27, 10))
X = sd.randint(0, 27, (32, 3))
emb = C[X]
h = emb.view(-1, 30) @ sd.randn((30, 8))  # op: getitem
assert h.shape == (32, 8)

n = 4
logprobs = sd.randn((n, 5)).log_softmax()
Yb = sd.randint(0, 5, (n,))
picked = logprobs[sd.arange(n), Yb]
assert picked.shape == (4,)
loss = -logprobs[range(n), Yb].mean()
assert loss.shape == ()

x = sd.randn((3, 4))
kept = x[x[:, 0] > 0]
assert kept.shape[1] == 4

# NOTE: the integer input is traced, the table is not: `model(x.traced())`
grads = C[X.traced()].sum().backward()
counts = np.bincount(X.numpy().reshape(-1), minlength=27)
np.testing.assert_allclose(grads[C].numpy(), np.repeat(counts[:, None], 10, axis=1))

y = sd.randn((2, 3, 4, 4))
k = math.prod(y.shape[1:])
flat = y.reshape((2, k))
assert flat.shape == (2, 48)
assert sd.zeros((2, k)).shape == (2, 48)
