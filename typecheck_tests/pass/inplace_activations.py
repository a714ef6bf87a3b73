"""PyTorch's `inplace=` on the activations ports as it is, as `nn.ReLU(inplace=True)` does: no
error, the shape kept, and it runs."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.randn((2, 3))
layers = [
    sd.nn.SiLU(inplace=True),
    sd.nn.Hardswish(inplace=True),
    sd.nn.Hardsigmoid(True),
    sd.nn.ELU(0.5, inplace=True),
    sd.nn.SELU(inplace=True),
    sd.nn.Mish(inplace=True),
    sd.nn.Hardtanh(-2.0, 2.0, True),
]
model = sd.nn.Sequential(sd.nn.Linear(3, 4), sd.nn.SiLU(inplace=True), sd.nn.ELU(inplace=True))
y: Tensor[tuple[Const[2], Const[4]]] = model(x)
assert y.shape == (2, 4)
assert all(layer(x).shape == (2, 3) for layer in layers)
assert repr(sd.nn.ELU(0.5, inplace=True)) == "ELU(alpha=0.5, inplace=True)"
