"""Lists and dicts of tensors or layers of different sizes, and `max`/`min` of sizes: no error.

mypy types `[a, b]` as the list of the join of `a` and `b`; shapes and layer sizes are
covariant type parameters, so `[Linear(8, 16), Linear(16, 4)]` is `list[Linear[int, int]]`
(sizes unknown: `Dyn` to the plugin), not `list[object]`, which nothing could be called on.
"""

from __future__ import annotations

from typing import Any, TypeVar

import shapedl as sd
from shapedl import Dim, Dyn, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)

# ---- a list of layers of different widths, called in a loop ----------------------------------
layers = [nn.Linear(8, 16), nn.Linear(16, 4)]
x = sd.randn((2, 8))
for layer in layers:
    x = layer(x).relu()
assert x.shape == (2, 4)

convs = [nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)]
image = sd.randn((1, 3, 6, 6))
for conv in convs:
    image = conv(image)
assert image.shape == (1, 8, 6, 6)

# ---- a dict of heads of different widths ---------------------------------------------------
heads = {"cls": nn.Linear(4, 5), "reg": nn.Linear(4, 1)}
outs = {name: head(x) for name, head in heads.items()}
assert outs["cls"].shape == (2, 5) and outs["reg"].shape == (2, 1)

# ---- a list of tensors of different shapes, joined later -------------------------------------
parts = [sd.randn((2, 3)), sd.randn((2, 4))]
joined = sd.concat(parts, axis=1)
assert joined.shape == (2, 7)
rows = [sd.randn((1, 5)), sd.randn((3, 5))]
assert sd.concat(rows, axis=0).shape == (4, 5)

# ---- max and min of sizes ------------------------------------------------------------------
h, w = sd.randn((6, 10)).shape
square = sd.zeros((max(h, w), min(h, w)))
assert square.shape == (10, 6)


# ---- a bare `nn.Sequential` in an annotation, PyTorch style ---------------------------------
def double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())


stack: nn.Sequential = double_conv(3, 4)
assert stack(sd.randn((1, 3, 5, 5))).shape == (1, 4, 5, 5)


# ---- a name rebound in a loop keeps its tape through a shared method signature --------------
class Block(nn.Module):
    def __init__(self) -> None:
        self.conv = nn.Conv2d(8, 8, 3, padding=1)

    def forward(
        self, x: Tensor[tuple[Dyn, Dyn, Dyn, Dyn], f32, TT]
    ) -> Tensor[tuple[Dyn, Dyn, Dyn, Dyn], f32, TT]:
        return self.conv(x)


class Net(nn.Module):
    def __init__(self) -> None:
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = [Block(), Block()]

    def forward(
        self, x: Tensor[tuple[B, Dyn, Dyn, Dyn], f32, TT]
    ) -> Tensor[tuple[B, Dyn], f32, TT]:
        h = self.stem(x).relu()
        for block in self.blocks:
            h = block(h)
        return h.mean(axis=(2, 3))


assert Net()(sd.randn((2, 3, 4, 4))).shape == (2, 8)


# ---- a name of unknown shape rebound in a branch to a traced tensor, then used ----------------
def smoothed(logits: Tensor[Any, f32, TT], target: Tensor[Any, Any, Any], e: float) -> float:
    if e:
        target = target * (1 - e) + e / logits.shape[-1]
    loss = -(logits.log_softmax(axis=-1) * target).sum(axis=-1)
    return float(loss.mean().item())


assert smoothed(sd.randn((2, 3)), sd.ones((2, 3)).traced(), 0.1) > 0
