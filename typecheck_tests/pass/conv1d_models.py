"""1-d signal models ported from PyTorch (a text CNN, a TCN block, a 1-d U-Net step, an ECG
ResNet stem): `Conv1d`, `ConvTranspose1d`, the 1-d pools and their ops, typed over a symbolic
length `L` as well as literal ones; a `Conv1d` subclass passes its own options to the op, as
`F.conv1d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)`; no error,
and it runs.
"""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar, assert_type

import shapedl as sd
from shapedl import Add, Const, Dim, FloorDiv, Mul, Sub, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
L = TypeVar("L", bound=Dim)
TT = TypeVar("TT", bound=Tape)
Signal = Tensor[tuple[B, Const[4], L], f32, TT]


class WeightScaledConv1d(nn.Conv1d):
    """A weight-scaled causal convolution of a TCN: the layer's options go to the op as kept."""

    def forward(self, x: Tensor[Any, Any, Any]) -> Tensor[Any, Any, Any]:
        w = self.weight * 0.5
        return sd.ops.conv1d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


class TextCNN(nn.Module):
    """Kim's text CNN: convolutions over time, then a max over time."""

    def __init__(self) -> None:
        self.conv = nn.Conv1d(4, 8, 3, padding=1)
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(8, 2)

    def forward(self, x: Signal[B, L, TT]) -> Tensor[tuple[B, Const[2]], f32, TT]:
        h = self.pool(self.conv(x).relu())
        assert_type(h, Tensor[tuple[B, Const[8], Const[1]], f32, TT])
        return self.fc(h.flatten(1))


def shapes(x: Signal[B, L, TT]) -> None:
    """The 1-d length arithmetic of each layer and op, over a symbolic `L`."""
    assert_type(nn.MaxPool1d(2)(x), Tensor[tuple[B, Const[4], FloorDiv[L, Const[2]]], f32, TT])
    assert_type(nn.AvgPool1d(3, stride=1, padding=1)(x), Signal[B, L, TT])
    assert_type(sd.ops.max_pool1d(x, 2, ceil_mode=True),  # op: max_pool1d
                Tensor[tuple[B, Const[4], FloorDiv[Add[L, Const[1]], Const[2]]], f32, TT])
    assert_type(sd.ops.avg_pool1d(x, (3,), (1,), (1,)), Signal[B, L, TT])  # op: avg_pool1d
    assert_type(nn.AdaptiveAvgPool1d(5)(x), Tensor[tuple[B, Const[4], Const[5]], f32, TT])
    assert_type(sd.ops.adaptive_avg_pool1d(x, 1),  # op: adaptive_avg_pool1d
                Tensor[tuple[B, Const[4], Const[1]], f32, TT])
    assert_type(sd.ops.adaptive_max_pool1d(x, (3,)),  # op: adaptive_max_pool1d
                Tensor[tuple[B, Const[4], Const[3]], f32, TT])
    up = nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1)(x)
    assert_type(up, Tensor[tuple[B, Const[2], Mul[Const[2], L]], f32, TT])
    w = sd.ones((4, 3, 3))
    assert_type(sd.ops.conv_transpose1d(x, w, None, 2, 1, 1),  # op: conv_transpose1d
                Tensor[tuple[B, Const[3], Mul[Const[2], L]], f32, TT])
    causal = nn.Conv1d(4, 4, 3, padding=4, dilation=2)(x)
    assert_type(causal, Tensor[tuple[B, Const[4], Add[L, Const[4]]], f32, TT])
    strided = sd.ops.conv1d(x, sd.ones((6, 4, 3)), None, (2,), (1,))
    assert_type(strided, Tensor[tuple[B, Const[6], Add[FloorDiv[Sub[L, Const[1]], Const[2]], Const[1]]], f32, TT])


def ecg_stem(x: Tensor[tuple[B, Const[1], Const[1000]]]) -> Tensor[tuple[B, Const[16], Const[250]]]:
    """An ECG ResNet's stem: a strided convolution, then a strided max pool."""
    stem = nn.Sequential(
        nn.Conv1d(1, 16, 7, stride=2, padding=3), nn.BatchNorm1d(16), nn.ReLU(),
        nn.MaxPool1d(3, stride=2, padding=1),
    )
    return stem(x)


sd.set_default_device(sd.Cpu(seed=0))
signal = sd.randn((2, 4, 12))
shapes(signal)
model = TextCNN()
step = sd.losses.cross_entropy_with_logits_loss(model(signal.traced()), sd.tensor([0, 1]))
sd.optim.Sgd(lr=0.1).update(model, step.backward())
assert ecg_stem(sd.randn((2, 1, 1000))).shape == (2, 16, 250)
wavenet = [WeightScaledConv1d(4, 4, 2, dilation=d, padding=d) for d in (1, 2, 4)]
assert [layer(signal).shape[2] for layer in wavenet] == [13, 14, 16]
assert WeightScaledConv1d(4, 6, 3, stride=(2,), padding=(1,))(signal).shape == (2, 6, 6)


def causal(x: Tensor[tuple[B, Const[4], L]], dilation: int = 2) -> Tensor[tuple[B, Const[4], L]]:
    # NOTE: a TCN's causal conv: pad both sides, then chomp the right: `:-4` of `L + 4` is `L`
    y = nn.Conv1d(4, 4, 3, padding=4, dilation=2)(x)
    return y[:, :, :-4] + x


assert causal(signal).shape == signal.shape
