"""A name rebound in a loop over layers, then put in a dict, a list or a set, appended,
assigned to a dict's key, or yielded: its stale member (the loop never ran) says nothing
there either, as at a `return` (HF-style outputs, "collect the logits" code)."""

# fmt: off
from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import shapedl as sd
from shapedl import Const, Dim, Tensor, nn

B = TypeVar("B", bound=Dim)
Logits = Tensor[tuple[B, Const[10]]]
layers = [nn.Linear(784, 256), nn.Linear(256, 10)]


def run(x: Tensor[tuple[B, Const[784]]]) -> Tensor[tuple[B, Const[784]]] | Tensor[tuple[B, int]]:
    h = x
    for layer in layers:
        h = layer(h)
    return h


def outputs(x: Tensor[tuple[B, Const[784]]]) -> dict[str, Logits[B]]:
    h = x
    for layer in layers:
        h = layer(h)
    return {"logits": h}


def collected(x: Tensor[tuple[B, Const[784]]]) -> list[Logits[B]]:
    outs: list[Logits[B]] = []
    h = x
    for layer in layers:
        h = layer(h)
    outs.append(h)
    outs.insert(0, h)
    outs += [h]
    outs.extend([h])
    return outs


def listed(x: Tensor[tuple[B, Const[784]]]) -> list[Logits[B]]:
    h = x
    for layer in layers:
        h = layer(h)
    return [h]


def nested(x: Tensor[tuple[B, Const[784]]]) -> dict[str, list[Logits[B]]]:
    h = x
    for layer in layers:
        h = layer(h)
    return {"all": [h, h]}


def keyed(x: Tensor[tuple[B, Const[784]]]) -> dict[str, Logits[B]]:
    h = x
    for layer in layers:
        h = layer(h)
    out: dict[str, Logits[B]] = {}
    out["logits"] = h
    return out


def streamed(x: Tensor[tuple[B, Const[784]]]) -> Iterator[Logits[B]]:
    h = x
    for layer in layers:
        h = layer(h)
    yield h


def unrolled(x: Tensor[tuple[B, Const[784]]]) -> list[Logits[B]]:
    # NOTE: a tuple of layers: the plugin runs the loop, and the last width is 10
    h = x
    for layer in (nn.Linear(784, 32), nn.Linear(32, 10)):
        h = layer(h)
    return [h]


def annotated(x: Tensor[tuple[B, Const[784]]]) -> list[Logits[B]]:
    h = x
    for layer in layers:
        h = layer(h)
    out: list[Logits[B]] = [h]
    keyed: dict[str, Logits[B]] = {"logits": h}
    return [*out, keyed["logits"]]


Out = Tensor[tuple[Const[4], Const[10]]]
h = sd.randn((4, 784))
for layer in layers:
    h = layer(h)
listed_here: list[Out] = [h]
keyed_here: dict[str, Out] = {"k": h}
set_here: set[Out] = {h}
assert listed_here[0].shape == keyed_here["k"].shape == (4, 10) and len(set_here) == 1
assert annotated(sd.randn((4, 784)))[1].shape == (4, 10)

x = sd.randn((4, 784))
assert outputs(x)["logits"].shape == (4, 10) and collected(x)[0].shape == (4, 10)
assert listed(x)[0].shape == nested(x)["all"][1].shape == keyed(x)["logits"].shape == (4, 10)
assert [t.shape for t in streamed(x)] == [(4, 10)] and unrolled(x)[0].shape == (4, 10)
assert run(x).shape == (4, 10)
