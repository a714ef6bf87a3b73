"""Loops over layers of different widths: a width that is wrong on every pass is still an error."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Dyn, Size, Tensor, Traced, nn

B = TypeVar("B", bound=Dim)
square = nn.Linear(784, 784)


# ---- a member that is not stale (a width the loop gives) keeps the return's error -------------
def five(x: Tensor[tuple[B, Const[784]]], n: int) -> Tensor[tuple[B, Const[10]]]:
    h = x
    for _ in range(n):
        h = nn.Linear(784, 5)(h)  # E: [shape] Linear: shapes (B, 5) and (5, 784)
    return h  # E: [return-value]


def never_widened(x: Tensor[tuple[B, Const[784]]], n: int) -> Tensor[tuple[B, Const[10]]]:
    h = x
    for _ in range(n):
        h = square(h)
    return h  # E: [return-value]


def annotated(x: Tensor[tuple[B, Const[784]]], deep: bool) -> None:
    h = x
    if deep:
        h = nn.Linear(784, 4)(h)
    y: Tensor[tuple[B, Const[4]]] = h  # E: [assignment]


# ---- a layer of a tuple that fits no width of the loop ----------------------------------------
def tower(x: Tensor[tuple[B, Const[784]]]) -> Tensor[tuple[B, Dyn]]:
    h = x
    for layer in (nn.Linear(784, 256), nn.Linear(128, 10)):
        h = layer(h)  # E: [shape] in_features 128
    return h


def same_input(x: Tensor[tuple[B, Const[784]]]) -> None:
    for layer in (nn.Linear(784, 256), nn.Linear(256, 10)):
        layer(x)  # E: [shape] in_features 256


# ---- arguments: a member that is not stale keeps the error ------------------------------------
def head(h: Tensor[tuple[Const[2], Const[10]]]) -> None: ...


def report(loss: Tensor[tuple[()], sd.f32, Traced]) -> None: ...


def passed(deep: bool) -> None:
    h = sd.randn((2, 784))
    if deep:
        h = nn.Linear(784, 4)(h)
    head(h)  # E: [arg-type]
    total = sd.zeros(())
    for _ in range(3):
        total = total + 1.0
    report(total)  # E: [arg-type]


# ---- a user's block of a tuple that fits no width of the loop -----------------------------------
C = TypeVar("C", bound=Dim)
O = TypeVar("O", bound=Dim)


class Block(nn.Module, Generic[C, O]):
    def __init__(self, c: Size[C], o: Size[O]) -> None:
        super().__init__()
        self.lin = nn.Linear(c, o)

    def forward(self, x: Tensor[tuple[B, C]]) -> Tensor[tuple[B, O]]:
        return self.lin(x)


def blocks(x: Tensor[tuple[B, Const[8]]]) -> None:
    h = x
    for blk in (Block(8, 16), Block(128, 4)):
        h = blk(h)  # E: [arg-type] expected "Tensor[tuple[B, Literal[128]], f32, NoTape]"


sd.randn((2, 784))


# ---- a tuple looped in the wrong order: the last layer's width is not the declared one --------
def reordered(x: Tensor[tuple[B, Const[784]]]) -> Tensor[tuple[B, Const[10]]]:
    for layer in (nn.Linear(784, 10), nn.Linear(10, 128)):
        x = layer(x)
    return x  # E: [return-value] Incompatible return value type


def reordered_expression(x: Tensor[tuple[B, Const[784]]]) -> Tensor[tuple[B, Const[10]]]:
    for layer in (nn.Linear(784, 10), nn.Linear(10, 128)):
        x = layer(x)
    out = x.relu()
    return out * 2  # E: [return-value] Incompatible return value type


def biased_wrong(x: Tensor[tuple[B, Const[784]]]) -> None:
    for layer in (nn.Linear(784, 128), nn.Linear(128, 10)):
        x = layer(x)
    x + sd.zeros((128,))  # E: [shape] add: shapes (B, 10) and (128,): cannot broadcast 10 against 128 at axis -1


def activated_wrong(x: Tensor[tuple[B, Const[784]]]) -> Tensor[tuple[B, Const[128]]]:
    for layer in (nn.Linear(784, 128), nn.Linear(128, 10)):
        x = layer(x)
    return nn.ReLU()(x)  # E: [arg-type] Argument 1 to "forward" of "_Elementwise" has incompatible type


def next_layer(x: Tensor[tuple[B, Const[784]]]) -> None:
    for layer in (nn.Linear(784, 128), nn.Linear(128, 10)):
        x = layer(x)
    nn.Linear(128, 2)(x)  # E: [shape] in_features 128


# ---- a loop run a run-time number of times: a width that fits none of its shapes ----------------
def pooled(x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]]) -> None:
    while x.shape[-1] > 4:
        x = nn.MaxPool2d(2)(x)
    nn.Linear(999, 10)(x.flatten(1))  # E: [shape] in_features 999


def pooled_to(
    x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]],
) -> Tensor[tuple[Const[2], Const[8], Const[5], Const[5]]]:
    while x.shape[-1] > 5:
        x = nn.MaxPool2d(2)(x)
    return x  # E: [return-value] Incompatible return value type


def pooled_named(x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]]) -> None:
    while x.shape[-1] > 4:
        x = nn.MaxPool2d(2)(x)
    flat = x.flatten(1)  # NOTE: counted as `x` is, but 999 fits none of its widths
    nn.Linear(999, 10)(flat)  # E: [shape] in_features 999


def takes_5x5(h: Tensor[tuple[Const[2], Const[8], Const[5], Const[5]]]) -> None: ...


def pooled_passed(x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]]) -> None:
    while x.shape[-1] > 5:
        x = nn.MaxPool2d(2)(x)
    takes_5x5(x)  # E: [arg-type] Argument 1 to "takes_5x5" has incompatible type


def passed_once(x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]], deep: bool) -> None:
    if deep:  # NOTE: no loop: each branch's shape must fit
        x = nn.MaxPool2d(2)(x)
    y = x
    takes_5x5(y)  # E: [arg-type] Argument 1 to "takes_5x5" has incompatible type


def pooled_once(x: Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]], deep: bool) -> None:
    if deep:  # NOTE: no loop: each branch's shape must fit
        x = nn.MaxPool2d(2)(x)
    nn.Linear(8 * 16 * 16, 10)(x.flatten(1))  # E: [shape] in_features 2048
