"""Correct code as users write it every day: no error (and it runs).

Sizes in variables, `Dyn` at every boundary, arithmetic written in any order, aliases, data
loaded from NumPy, calls nested in arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

import shapedl as sd
from shapedl import Const, Dim, Dyn, Mul, Rank4, Tensor, f32, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
H = TypeVar("H", bound=Dim)
K = TypeVar("K", bound=Dim)

# ---- 1. sizes held in variables: Dyn in the dims they affect, never an error ----------------
Image = Tensor[tuple[B, Const[3], Const[16], Const[16]]]


@dataclass
class Config:
    pool: int = 2
    kernel: int = 3
    stride: int = 2


def features(x: Image[B], cfg: Config) -> Tensor[tuple[B, Const[8], Dyn, Dyn]]:
    k, g, d = cfg.kernel, 1, 1
    w = sd.randn((8, 3, k, k))
    y = sd.ops.conv2d(x, w, stride=cfg.stride, padding=k // 2, dilation=d, groups=g)
    return nn.MaxPool2d(cfg.pool)(y)


def pooled(x: Image[B], s: int, p: int) -> Tensor[tuple[B, Const[3], Dyn, Dyn]]:
    return sd.ops.max_pool2d(x, 2, stride=s, padding=p)


def upsampled(x: Image[B], p: int) -> Tensor[tuple[B, Const[4], Dyn, Dyn]]:
    w = sd.randn((3, 4, 2, 2))
    return sd.ops.conv_transpose2d(x, w, stride=2, output_padding=p)


def best(x: Tensor[tuple[B, Const[10]]], dim: int) -> Tensor[Dyn, i64]:
    return x.argmax(axis=dim)


def total(x: Tensor[tuple[B, Const[10]]], dim: int) -> Tensor[Dyn]:
    return x.sum(axis=dim)


def pick(x: Tensor[tuple[B, Const[10]]], i: int, n: int) -> Tensor[tuple[Dyn]]:
    row: Tensor[tuple[Const[10]]] = x[i]
    return row[:n]


def chunks(x: Tensor[tuple[B, Const[12]]], parts: int, dim: int) -> int:
    return len(x.chunk(parts, axis=dim)) + len(x.split(parts, axis=1)) + x.unsqueeze(dim).ndim


images = sd.randn((4, 3, 16, 16))
assert pick(sd.randn((3, 10)), 1, 4).shape == (4,)
assert chunks(sd.randn((3, 12)), 3, 1) == 9
assert features(images, Config()).shape == (4, 8, 4, 4)
assert pooled(images, 2, 0).shape == (4, 3, 8, 8)
assert upsampled(images, 1).shape == (4, 4, 33, 33)
assert best(sd.randn((4, 10)), 1).shape == (4,)
assert total(sd.randn((4, 10)), 0).shape == (10,)


# ---- 2. Const where Dyn is declared, and back ------------------------------------------------
def head(t: Tensor[tuple[Dyn, Const[64]]]) -> Tensor[tuple[Dyn, Const[64]]]:
    return t


def fixed() -> Tensor[tuple[Const[32], Const[64]]]:
    t: Tensor[tuple[Dyn, Const[64]]] = sd.randn((32, 64))
    return t


@dataclass
class Holder:
    x: Tensor[tuple[Dyn, Const[64]]]


assert head(sd.randn((32, 64))).shape == (32, 64)
assert Holder(fixed()).x.shape == (32, 64)


# ---- 3. arithmetic written in any order is the same dimension -------------------------------
def rows(x: Tensor[tuple[B, T, Const[8]]]) -> Tensor[tuple[Mul[T, B], Const[8]]]:
    b, t, c = x.shape
    return x.reshape((b * t, c))


def flat(x: Tensor[tuple[B, Const[3], H, K]]) -> Tensor[tuple[B, Mul[Const[3], Mul[H, K]]]]:
    return x.flatten(1)


assert rows(sd.randn((2, 5, 8))).shape == (10, 8)
assert flat(sd.randn((2, 3, 4, 5))).shape == (2, 60)

# ---- 4. type aliases with the sugar ----------------------------------------------------------
Batch = Tensor[Rank4[B, 3, 16, 16]]


def same(x: Image[B]) -> Batch[B]:
    return x


assert same(images).shape == (4, 3, 16, 16)

# ---- 5. from data to typed tensors in one call -----------------------------------------------
data = np.zeros((64, 1, 28, 28), dtype=np.float32)
n = len(data)
loaded = sd.from_numpy(data).realize((64, 1, 28, 28), sd.f32)
typed: Tensor[tuple[Const[64], Const[1], Const[28], Const[28]], f32] = loaded
rows_only = sd.tensor(data.tolist()).realize((n, sd.DYN, 28, -1), sd.f32)
some: Tensor[tuple[Dyn, Dyn, Const[28], Dyn], f32] = rows_only

# ---- 7. calls nested in arguments are typed as when assigned first ---------------------------
tok, pos = nn.Embedding(10, 4), nn.Embedding(6, 4)
idx = sd.zeros((2, 6), dtype=i64)
h = tok(idx) + pos(sd.arange(0, 6, dtype=i64))
logits: Tensor[tuple[Const[2], Const[6], Const[10]]] = h @ tok.weight.T


def left(x: Tensor[tuple[B, Const[4]]]) -> Tensor[tuple[B, Const[2]]]:
    return x[:, :2]


both: Tensor[tuple[Const[3], Const[6]]] = sd.ops.concat([left(sd.ones((3, 4))), sd.ones((3, 4))], axis=1)

# ---- 9. smaller ones -------------------------------------------------------------------------
assert sd.randn((4, 5)).reshape(-1).shape == (20,)
swapped: Tensor[tuple[Const[2], Const[4], Const[3]]] = sd.randn((2, 3, 4)).mT

# ---- 6. names rebound in a loop and after a reduction ----------------------------------------
x = sd.randn((4, 8))
for layer in [nn.Linear(8, 8), nn.Linear(8, 8)]:
    x = layer(x).relu()
x = x.sum(axis=0)
assert (x + sd.randn((8,))).shape == (8,)

# ---- 9. the README's autodiff example, verbatim, and a Sequential's layers by index ---------
a, b, c = sd.tensor(5.0).traced(), sd.tensor(2.0).traced(), sd.tensor(0.0)
for _ in range(10):
    c = c + a * b
    if c > 50:
        c = c * a
grads = c.backward()    # c = 195300, grads[b] = 97650, grads[a] = 232420
assert (c.item(), grads[b].item(), grads[a].item()) == (195300.0, 97650.0, 232420.0)

mlp = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
first: Tensor[tuple[Const[16], Const[8]]] = mlp.layers[0].weight
assert first.shape == (16, 8)

# ---- 10. BatchNorm with its channels known, in a variable, or annotated bare ----------------
norm2d: nn.BatchNorm2d = nn.BatchNorm2d(16)
normed: Tensor[tuple[Const[2], Const[16], Const[5], Const[5]]] = nn.BatchNorm2d(16)(sd.randn((2, 16, 5, 5)))
channels = int("5")
assert nn.BatchNorm1d(channels)(sd.randn((4, 5))).shape == (4, 5)
assert norm2d(sd.randn((1, 16, 2, 2))).shape == (1, 16, 2, 2)
cross = nn.MultiHeadAttention(16, 4, kdim=12, vdim=10)
attended: Tensor[tuple[Const[2], Const[5], Const[16]]] = cross(
    sd.randn((2, 5, 16)), sd.randn((2, 7, 12)), sd.randn((2, 7, 10))
)

# ---- 5. NumPy data straight into batches -------------------------------------------------------
for bx, by in sd.data.Batches(data[:, 0], np.zeros(64, np.int64), 16, shuffle=False):
    assert bx.shape == (16, 28, 28) and by.shape == (16,)

# ---- 11. losses summed with the builtin sum, as in PyTorch -----------------------------------
def summed(x: Tensor[tuple[B, Const[10]]]) -> sd.Gradients:
    xt = x.traced()
    losses = [xt.sum(), (xt * xt).mean()]
    return (sum(losses) / len(losses)).backward()


ones = sd.ones((2, 10))
assert float(abs(summed(ones)[ones] - 0.55).max().item()) < 1e-6  # (1 + 2 * 1 / 20) / 2
