"""Traced propagates through every op: either operand traced makes the result traced."""

# fmt: off
from __future__ import annotations

from typing import Any, TypeVar, reveal_type

import shapedl as sd
from shapedl import Tape, Tensor

x = sd.ones((2, 3))
t = x.traced()
w = sd.ones((3, 4))
reveal_type(t @ w)  # R: Tensor[tuple[Literal[2], Literal[4]], f32, Traced]
reveal_type(x @ w.traced())  # R: Tensor[tuple[Literal[2], Literal[4]], f32, Traced]
reveal_type(x @ w)  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(t.reshape((3, 2)))  # R: Tensor[tuple[Literal[3], Literal[2]], f32, Traced]
reveal_type(t.sum(axis=0))  # R: Tensor[tuple[Literal[3]], f32, Traced]
reveal_type(t.softmax())  # R: Tensor[tuple[Literal[2], Literal[3]], f32, Traced]
reveal_type(t[0])  # R: Tensor[tuple[Literal[3]], f32, Traced]
reveal_type(sd.ops.concat([x, t]))  # R: Tensor[tuple[Literal[4], Literal[3]], f32, Traced]
reveal_type(sd.ops.concat([x, x]))  # R: Tensor[tuple[Literal[4], Literal[3]], f32, NoTape]
reveal_type(sd.ops.where(x > 0, x, t))  # R: Tensor[tuple[Literal[2], Literal[3]], f32, Traced]
reveal_type(t.split(3, axis=1)[2])  # R: Tensor[tuple[Literal[2], Literal[1]], f32, Traced]
reveal_type(t > 0)  # R: Tensor[tuple[Literal[2], Literal[3]], bool_, NoTape]
reveal_type(t.argmax(axis=1))  # R: Tensor[tuple[Literal[2]], i64, NoTape]
reveal_type(sd.ops.conv1d(sd.ones((1, 3, 5)), sd.ones((2, 3, 3)).traced()))  # R: Tensor[tuple[Literal[1], Literal[2], Literal[3]], f32, Traced]
reveal_type(sd.losses.mse_loss(t, x))  # R: Tensor[tuple[()], f32, Traced]
reveal_type(t.detach())  # R: Tensor[tuple[Literal[2], Literal[3]], f32, NoTape]
reveal_type((t * w[0:1, 0:3]).sum().backward())  # R: Gradients

TT = TypeVar("TT", bound=Tape)


def generic(z: Tensor[tuple[sd.Const[2], sd.Const[3]], sd.f32, TT]) -> None:
    reveal_type(z @ w)  # R: Tensor[tuple[Literal[2], Literal[4]], f32, TT]
    reveal_type(z * 2 + x)  # R: Tensor[tuple[Literal[2], Literal[3]], f32, TT]
    reveal_type(z + t)  # R: Tensor[tuple[Literal[2], Literal[3]], f32, Traced]


def unknown_operand(model: Any, data: Tensor[tuple[sd.Const[2], sd.Const[3]]]) -> None:
    loss = sd.losses.mse_loss(model(data.traced()), data)
    reveal_type(loss)  # R: Tensor[tuple[()], Any, Any]
    reveal_type(model(data) + data)  # R: Any
    reveal_type(sd.ops.add(model(data), data))  # R: Tensor[Any, Any, Any]
    loss.backward()
    reveal_type(sd.ops.matmul(model(data), sd.ones((3, 4))))  # R: Tensor[Any, Any, Any]


def unknown_tape(p: Tensor[Any, Any, Any], q: Tensor[tuple[sd.Const[2]], sd.f32, Any]) -> None:
    # a tape that may be either stays unknown: not NoTape (TT's default), nor Traced
    reveal_type(p.mean())  # R: Tensor[tuple[()], Any, Any]
    reveal_type(p * 2)  # R: Tensor[Any, Any, Any]
    reveal_type(q.relu().sum())  # R: Tensor[tuple[()], f32, Any]
    reveal_type(q + x[0, :2])  # R: Tensor[tuple[Literal[2]], f32, Any]
    reveal_type(q + t[0, :2])  # R: Tensor[tuple[Literal[2]], f32, Traced]
    p.square().mean().backward()
    q.exp().mean().backward()


losses = [t.sum(), (t * t).mean()]
reveal_type(sum(losses))  # R: Tensor[tuple[()], f32, Traced]
reveal_type(sum(loss * 2 for loss in losses))  # R: Tensor[tuple[()], f32, Traced]
reveal_type(sum([1, 2]))  # R: int

# NOTE: an untraced input made inline and a traced state, unpacked: traced, no [arg-type]
tokens = sd.tensor([[1], [2]]).realize((2, 1), sd.i64)
out, state = sd.nn.GRU(16, 8)(sd.nn.Embedding(5, 16)(tokens), sd.zeros((1, 2, 8)).traced())
reveal_type(state)  # R: Tensor[tuple[Literal[1], Literal[2], Literal[8]], f32, Traced]
