"""Created tensors without the plugin, in mypy and pyright alike: `sd.randn((32, 784))` has an
unknown shape (the IDE shows `Tensor[Any, f32, NoTape]`), and an annotation gives it one.

Why not literal sizes in pyright (issue 15, item 3): a pyright-only signature can give
`sd.randn((32, 784))` the type `Tensor[tuple[Literal[32], Literal[784]], f32, NoTape]`, but
pyright cannot tell a literal size from an `int` one, so the correct code at the end of this file
(accepted by the plugin, where a size held in an `int` is `Dyn`) would become pyright errors.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Mul, NoTape, Tensor, f32, f64, i64, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
In = TypeVar("In", bound=Dim)
Out = TypeVar("Out", bound=Dim)

# ---- what the IDE shows, and how to give a created tensor its shape ---------------------------
assert_type(sd.randn((32, 784)), Tensor[Any, f32, NoTape])
assert_type(sd.zeros((2, 3), dtype=sd.f64), Tensor[Any, f64, NoTape])
assert_type(sd.full((), 5.0), Tensor[Any, f32, NoTape])
# arange counts ints in int64 and floats in f32, as PyTorch's does; `dtype=` wins
assert_type(sd.arange(5), Tensor[Any, i64, NoTape])
assert_type(sd.arange(0, 1, 0.5), Tensor[Any, f32, NoTape])
assert_type(sd.arange(5, dtype=sd.f64), Tensor[Any, f64, NoTape])
# reshape and permute take one tuple or separate ints, as PyTorch's methods do
assert_type(sd.randn((2, 3)).reshape(3, 2), Tensor[Any, f32, NoTape])
assert_type(sd.randn((2, 3)).reshape((3, 2)), Tensor[Any, f32, NoTape])
assert_type(sd.randn((2, 3)).permute(1, 0), Tensor[Any, f32, NoTape])
sd.randn((2, 3)).reshape((3, 2), 1)  # E: [call-overload]
x: Tensor[tuple[Const[32], Const[784]]] = sd.randn((32, 784))
assert_type(x, Tensor[tuple[Const[32], Const[784]], f32, NoTape])
w: Tensor[tuple[Const[784], Const[10]]] = sd.randn((784, 10))
assert_type(x @ w, Tensor[tuple[Const[32], Const[10]], f32, NoTape])
x @ x  # E: [operator] Unsupported operand types for @


# ---- correct code that literal sizes in pyright would reject ----------------------------------
class Affine(Generic[In, Out]):
    """A layer written as in PyTorch: its sizes are plain ints, its weight's type is generic."""

    def __init__(self, i: int, o: int) -> None:
        self.weight: Tensor[tuple[Out, In]] = sd.randn((o, i))


def widen(x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, Mul[Const[2], C]]]:
    b, c = x.shape
    return sd.zeros((b, 2 * c))


def rows(n: int) -> Tensor[tuple[Const[8], Const[4]]]:
    return sd.zeros((n, 4))  # `n` is Dyn: the run decides


def either(wide: bool) -> None:
    nn.Linear(3, 2)(sd.ones((2, 3)) if wide else sd.ones((5, 3)))
