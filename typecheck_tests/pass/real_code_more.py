"""More correct code as users write it (second round): no error, and it runs."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Dim, Tensor, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
D = TypeVar("D", bound=Dim)


# ---- 1. `d ** -0.5` of a size is a float (typeshed's `int ** float` is Any) -------------------
def attention(q: Tensor[tuple[B, T, D]], k: Tensor[tuple[B, T, D]]) -> Tensor[tuple[B, T, T]]:
    d = q.shape[-1]
    return ((q @ k.mT) * d**-0.5).softmax(axis=-1)


assert attention(sd.randn((2, 3, 4)), sd.randn((2, 3, 4))).shape == (2, 3, 3)


# ---- 2. a bare `Tensor`, PyTorch style: any tensor, traced or not, of any dtype ---------------
class Mlp(nn.Module):
    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.fc = nn.Linear(d_in, d_out)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x).relu()


def total(xs: list[Tensor]) -> Tensor:
    return sd.stack(xs).sum()


mlp = Mlp(3, 4)
step_loss = mlp(sd.randn((2, 3)).traced()).mean()
grads = step_loss.backward()
sd.optim.Sgd(lr=0.1).update(mlp, grads)
assert total([sd.ones((2,)), sd.ones((2,))]).item() == 4.0


# ---- 3. counting hits: a sum of bools is i64, a mean of them f64 (NumPy's dtypes) ------------
def hits(pred: Tensor[tuple[B], sd.i64], y: Tensor[tuple[B], sd.i64]) -> Tensor[tuple[()], sd.i64]:
    return (pred == y).sum()


def hit_rate(
    pred: Tensor[tuple[B], sd.i64], y: Tensor[tuple[B], sd.i64]
) -> Tensor[tuple[()], sd.f64]:
    return (pred == y).mean()


labels = sd.tensor([0, 1, 1], dtype=sd.i64)
assert hits(labels, labels).item() == 3 and hit_rate(labels, labels).item() == 1.0


# ---- 4. a Sequential's layer by index, PyTorch style ---------------------------------------
head = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
assert head[0].weight.shape == (8, 4) and head[-1].out_features == 2
assert head[len(head) - 1](head[0](sd.ones((1, 4))).relu()).shape == (1, 2)


# ---- 5. weights from a condition: `where` of two floats is f32, as at run time --------------
def weighted(
    per: Tensor[tuple[B], sd.f32], y: Tensor[tuple[B], sd.i64]
) -> Tensor[tuple[()], sd.f32]:
    weights: Tensor[tuple[B], sd.f32] = sd.where(y == 1, 2.0, 1.0)
    return (per * weights).mean()


assert abs(weighted(sd.ones((3,)), labels).item() - 5.0 / 3) < 1e-6
