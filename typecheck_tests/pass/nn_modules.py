"""Typed modules run: construction, calls, `Sequential` chains and a user-defined module."""

from __future__ import annotations

from typing import Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Mul, NoTape, Tensor, f32

B = TypeVar("B", bound=sd.Dim)
D = TypeVar("D", bound=sd.Dim)

cnn = sd.nn.Sequential(
    sd.nn.Conv2d(1, 8, 3), sd.nn.ReLU(), sd.nn.Flatten(), sd.nn.Linear(8 * 26 * 26, 10)
)
images = sd.randn((2, 1, 28, 28))
logits = cnn(images)
assert_type(logits, Tensor[tuple[Const[2], Const[10]], f32, NoTape])
assert logits.shape == (2, 10)

mlp = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.LayerNorm(8), sd.nn.Linear(8, 2))
out = mlp(sd.ones((5, 4)))
assert_type(out, Tensor[tuple[Const[5], Const[2]], f32, NoTape])
assert out.shape == (5, 2)


class Mlp(sd.nn.Module, Generic[D]):
    """A user-defined module, generic in its width: `model(x)` is typed by `forward`."""

    up: sd.nn.Linear[D, Mul[Const[4], D]]
    down: sd.nn.Linear[Mul[Const[4], D], D]

    def __init__(self, d: sd.Size[D]) -> None:
        self.up = sd.nn.Linear(d, 4 * d)
        self.down = sd.nn.Linear(4 * d, d)

    def forward(self, x: Tensor[tuple[B, D]]) -> Tensor[tuple[B, D]]:
        h = self.up(x).relu()
        assert_type(h, Tensor[tuple[B, Mul[Const[4], D]]])
        return self.down(h)


def run(x: Tensor[tuple[B, D]]) -> Tensor[tuple[B, D]]:
    _, d = x.shape
    model = Mlp(d)
    y = model(x)
    assert_type(y, Tensor[tuple[B, D], f32, NoTape])
    return y


assert run(sd.ones((3, 5))).shape == (3, 5)

# the runtime says what the plugin says (typecheck_tests/fail/nn_sequential.py)
bad: sd.nn.Sequential[sd.nn.Linear[Const[100], Const[10]]] = sd.nn.Sequential(sd.nn.Linear(100, 10))
try:
    bad(sd.ones((2, 5408)))  # type: ignore[shape]
except sd.ShapeError as err:
    text = str(err)
    want = "Linear: shapes (2, 5408) and (10, 100): input width 5408 at axis -1 differs from in_features 100"
    assert text == want, text
else:
    raise AssertionError("no ShapeError")
