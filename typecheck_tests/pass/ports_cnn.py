"""A CNN ported from PyTorch: `ceil_mode` pooling on odd sizes into a `Linear` whose width the
plugin computes, BatchNorm with `momentum=None` (a cumulative average, `num_batches_tracked`),
PyTorch's state names (`features.0.weight`), a NaN guard with `isfinite`; no error, and it
runs.
"""

# fmt: off
from __future__ import annotations

from typing import TypeVar, assert_type

import numpy as np

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)
Image = Tensor[tuple[B, Const[3], Const[15], Const[15]], f32, TT]


class Net(nn.Module):
    def __init__(self) -> None:
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8, momentum=None), nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),  # 15 -> 8
            nn.Conv2d(8, 16, 3), nn.ReLU(),  # 8 -> 6
            nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),  # 6 -> 4
        )
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x: Image[B, TT]) -> Tensor[tuple[B, Const[10]], f32, TT]:
        h = self.features(x)
        assert_type(h, Tensor[tuple[B, Const[16], Const[4], Const[4]], f32, TT])
        return self.fc(h.reshape(h.shape[0], -1))


def guarded_step(model: Net, x: Image[B, Tape], y: Tensor[tuple[B], sd.i64]) -> float:
    loss = sd.losses.cross_entropy_with_logits_loss(model(x.traced()), y)
    if not bool(sd.isfinite(loss).item()):
        return float("nan")  # NOTE: skip the update, as a PyTorch loop guarding against NaN does
    sd.optim.Sgd(lr=0.1, momentum=0.9).update(model, loss.backward())
    return loss.item()


sd.set_default_device(sd.Cpu(seed=0))
model = Net()
for _ in range(2):
    guarded_step(model, sd.randn((4, 3, 15, 15)), sd.randint(0, 10, (4,)))
tracked = model.features[1].num_batches_tracked  # NOTE: None without running statistics
assert tracked is not None and tracked.item() == 2
state = model.state_dict()
assert "features.0.weight" in state and "features.1.num_batches_tracked" in state
copy = Net().load_state_dict(state)
x = sd.randn((2, 3, 15, 15))
np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), rtol=1e-6)
odd = sd.ops.max_pool2d(sd.randn((1, 2, 5, 5)), 2, 2, 1, ceil_mode=True)
assert_type(odd, Tensor[tuple[Const[1], Const[2], Const[3], Const[3]]])
assert odd.shape == (1, 2, 3, 3)
