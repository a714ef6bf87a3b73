"""A name rebound in a loop, put in a display, appended or yielded: a width no pass of the loop
gives the declared one is still an error there."""

# fmt: off
from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from shapedl import Const, Dim, Tensor, nn

B = TypeVar("B", bound=Dim)
Logits = Tensor[tuple[B, Const[10]]]


def outputs(x: Tensor[tuple[B, Const[784]]]) -> dict[str, Logits[B]]:
    h = x
    for layer in (nn.Linear(784, 32), nn.Linear(32, 12)):
        h = layer(h)
    return {"logits": h}  # E: [dict-item]


def listed(x: Tensor[tuple[B, Const[784]]]) -> list[Logits[B]]:
    h = x
    for layer in (nn.Linear(784, 32), nn.Linear(32, 12)):
        h = layer(h)
    return [h]  # E: [list-item]


def collected(x: Tensor[tuple[B, Const[784]]], n: int) -> list[Logits[B]]:
    outs: list[Logits[B]] = []
    h = x
    for _ in range(n):
        h = nn.Linear(784, 5)(h)  # E: [shape] Linear: shapes (B, 5) and (5, 784)
    outs.append(h)  # E: [arg-type]
    return outs


def streamed(x: Tensor[tuple[B, Const[784]]]) -> Iterator[Logits[B]]:
    h = x
    for layer in (nn.Linear(784, 32), nn.Linear(32, 12)):
        h = layer(h)
    yield h  # E: [misc] Incompatible types in "yield"


def keyed(x: Tensor[tuple[B, Const[784]]]) -> dict[str, Logits[B]]:
    h = x
    for layer in (nn.Linear(784, 32), nn.Linear(32, 12)):
        h = layer(h)
    out: dict[str, Logits[B]] = {}
    out["logits"] = h  # E: [assignment]
    return out
