"""Without the plugin: `==` gives a bool tensor and `.item()` a Python type by dtype."""

from __future__ import annotations

from typing import Any, Literal, assert_type

from shapedl import Const, NoTape, Tensor, bool_, f32, f64, i64

Three = Const[Literal[3]]


def equality(a: Tensor[tuple[Three]], b: Tensor[tuple[Three]]) -> None:
    assert_type(a == b, Tensor[Any, bool_, NoTape])
    assert_type(a != 0, Tensor[Any, bool_, NoTape])


def items(
    a: Tensor[tuple[()], f32], b: Tensor[tuple[()], f64], c: Tensor[tuple[()], i64],
    d: Tensor[tuple[()], bool_],
) -> None:
    assert_type(a.item(), float)
    assert_type(b.item(), float)
    assert_type(c.item(), int)
    assert_type(d.item(), bool)
    n: int = a.item()  # E: [assignment] Incompatible types in assignment
