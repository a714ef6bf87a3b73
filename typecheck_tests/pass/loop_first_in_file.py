"""A function at the top of its file whose loop calls only callables it was given: no
shapedl hook has run in the file yet when mypy checks its `return h`, and the stale member
(the loop's input, 784 wide) is still taken back.

NOTE: nothing else in the file: a hook anywhere in it (even below) had set the filter's
checker; `loop_states.py` runs the same function."""

from collections.abc import Callable
from typing import Any

from shapedl import Const, Dyn, Tensor, f32

Transform = Callable[[Tensor[tuple[Any, Dyn], f32]], Tensor[tuple[Any, Dyn], f32]]


def run(
    x: Tensor[tuple[Dyn, Const[784]], f32], fns: list[Transform]
) -> Tensor[tuple[Dyn, Const[10]], f32]:
    h = x
    for f in fns:
        h = f(h)
    return h
