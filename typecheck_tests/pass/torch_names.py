"""PyTorch code with its method names, as ported (executed too): casts, `t()`, `size()`,
`dim()`, `type_as`/`expand_as`/`view_as`, the operators' names and the scans."""

from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)


def masked_mean(x: Tensor[tuple[B, T]], mask: Tensor[tuple[B, T], sd.bool_]) -> Tensor[tuple[B]]:
    """A length-masked mean, as written in PyTorch: `(x * m).sum(1) / m.sum(1)`."""
    m = mask.type_as(x)
    return x.mul(m).sum(1).div(m.sum(1).clip(1.0, None))


def causal_cumsum(x: Tensor[tuple[B, T], sd.f32, Traced]) -> Tensor[tuple[B, T], sd.f32, Traced]:
    return x.cumsum(1).sub(x).add(x.flip(1).roll(1, 1).neg().mul(0.0))


x = sd.randn((4, 6))
lengths = sd.tensor([6, 3, 1, 5])
mask = sd.arange(6).unsqueeze(0).lt(lengths.unsqueeze(1))
avg: Tensor[tuple[Const[4]]] = masked_mean(x, mask)
assert x.dim() == 2 and x.size() == (4, 6) and x.size(1) == 6
w: Tensor[tuple[Const[6], Const[4]]] = x.t()
ids: Tensor[tuple[Const[4], Const[6]], sd.i64] = x.ge(0.0).long()
half: Tensor[tuple[Const[4], Const[6]], sd.f16] = x.half()
back: Tensor[tuple[Const[4], Const[6]], sd.f64] = half.double()
bias = sd.randn((6,)).expand_as(x)
flat: Tensor[tuple[Const[24]]] = x.view_as(sd.zeros((24,)))
norms: Tensor[tuple[Const[4]]] = x.norm(2, 1)
grads = causal_cumsum(x.traced()).sum().backward()
assert grads[x].shape == (4, 6) and bias.shape == (4, 6) and ids.int().bool().dim() == 2
assert abs(float(avg[1].item()) - float(x[1, :3].mean().item())) < 1e-5
