"""A dynamic graph (corgi's example): Python control flow between ops just works.

The tape records whichever ops actually run, so a loop and an `if` that depends on a
tensor's value are differentiated like any other code:

    python examples/dynamic_graph.py
"""

from __future__ import annotations

import argparse

import shapedl as sd
from shapedl import Tensor, Traced, f32

Scalar = Tensor[tuple[()], f32, Traced]


def program(a: Scalar, b: Scalar, c: Scalar) -> Scalar:
    """Ten times `c = c + a*b`, multiplying by `a` whenever `c` passes 50."""
    for _ in range(10):
        c = c + a * b
        if c.item() > 50:
            c = c * a
    return c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="(the same: it is quick already)")
    parser.parse_args(argv)
    a: Scalar = sd.full((), 5.0).traced()
    b: Scalar = sd.full((), 2.0).traced()
    c: Scalar = sd.full((), 0.0).traced()
    out = program(a, b, c)
    grads = out.backward()
    print(f"c = {out.item():g}")
    print(f"dc/db = {grads[b].item():g}")
    print(f"dc/da = {grads[a].item():g}")


if __name__ == "__main__":
    main()
