"""The tape: what each traced op recorded, `Gradients`, and `backward`.

Every op with a traced operand records a `Node`: its operands and a vector-Jacobian product
(`vjp`) that maps the output's gradient to one gradient per operand. `backward` walks the
nodes in reverse topological order. Gradients of broadcast operands are summed back to the
operand's shape here, in one place, so no op has to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from shapedl.backend import Array
from shapedl.errors import ShapeError, TapeError, not_scalar, untraced
from shapedl.types import DType, NoTape

if TYPE_CHECKING:
    from shapedl.tensor import Tensor

__all__ = ["Gradients", "Node", "TapeRef", "backward", "unbroadcast"]

Vjp = Callable[[Array], Sequence[Array | None]]

_S = TypeVar("_S", bound=tuple[Any, ...])
_DT = TypeVar("_DT", bound="DType")


class Gradients:
    """Gradients by tensor: `grads[w]` for any tensor that took part, traced or not.

    A tensor and its `.traced()` twin share one entry.
    """

    def __init__(self) -> None:
        self._arrays: dict[int, Array] = {}
        self._tensors: dict[int, Tensor[Any, Any, Any]] = {}

    def __getitem__(self, t: Tensor[_S, _DT, Any]) -> Tensor[_S, _DT, NoTape]:
        try:
            data = self._arrays[t.id]
        except KeyError:
            raise KeyError(
                f"no gradient for this tensor of shape {t.shape}: it did not take part in the "
                "traced computation (was the input traced, and the loss computed from it?)"
            ) from None
        return t._like(data)

    def get(self, t: Tensor[_S, _DT, Any]) -> Tensor[_S, _DT, NoTape] | None:
        return self[t] if t.id in self._arrays else None

    def array(self, t: Tensor[Any, Any, Any]) -> Array | None:
        """The raw gradient array of `t` (for optimizers), or None."""
        return self._arrays.get(t.id)

    def __contains__(self, t: object) -> bool:
        return getattr(t, "id", None) in self._arrays

    def __len__(self) -> int:
        return len(self._arrays)

    def __iter__(self) -> Iterator[int]:
        return iter(self._arrays)

    def replace(self, t: Tensor[Any, Any, Any], grad: Array) -> None:
        """Set the gradient of `t` to `grad` (how `optim.clip_grad_norm` rescales)."""
        self._arrays[t.id] = grad

    def accumulate(self, key: int, grad: Array) -> None:
        old = self._arrays.get(key)
        self._arrays[key] = grad if old is None else old + grad

    def clear(self) -> None:
        self._arrays.clear()


class TapeRef:
    """What `x.traced(grads)` attaches: the `Gradients` that `backward` accumulates into."""

    __slots__ = ("grads",)

    def __init__(self, grads: Gradients | None) -> None:
        self.grads = grads


class Node:
    """One recorded op: its operands and how to send the output's gradient back to them."""

    __slots__ = ("inputs", "vjp")

    def __init__(self, inputs: tuple[Tensor[Any, Any, Any], ...], vjp: Vjp) -> None:
        self.inputs = inputs
        self.vjp = vjp


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    out = grad.sum(axis=axes, keepdims=True) if axes else grad
    return out.reshape(shape)


def _topological(root: Tensor[Any, Any, Any]) -> list[Tensor[Any, Any, Any]]:
    order: list[Tensor[Any, Any, Any]] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor[Any, Any, Any], bool]] = [(root, False)]
    while stack:  # NOTE: iterative, so long Python loops of ops never hit the recursion limit
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t.node is not None:
            stack.extend((i, False) for i in t.node.inputs if id(i) not in seen)
    return order


def backward(loss: Tensor[Any, Any, Any]) -> Gradients:
    """Gradients of the scalar `loss` with respect to every tensor it was computed from."""
    if loss.tape is None:
        raise TapeError(untraced())
    if loss.shape != ():
        raise TapeError(not_scalar(loss.shape))
    xp = loss.xp
    # NOTE: keyed by object, not by `t.id`: `h.detach()` shares h's id, and what reaches it
    # must not flow on through h's node. Objects sharing an id are summed into `grads` below.
    local: dict[int, Array] = {id(loss): xp.ones((), dtype=loss.data.dtype)}
    order = _topological(loss)
    for t in reversed(order):
        if t.node is None or id(t) not in local:
            continue
        grad = local[id(t)]
        for inp, g in zip(t.node.inputs, t.node.vjp(grad), strict=True):
            if g is None:
                continue
            if g.shape != inp.data.shape:
                try:
                    g = unbroadcast(g, inp.data.shape)
                except ValueError as err:  # pragma: no cover - a bug in an op's vjp
                    raise ShapeError(f"gradient of shape {g.shape} for {inp.shape}") from err
            old = local.get(id(inp))
            local[id(inp)] = g if old is None else old + g
    grads = loss.tape.grads if loss.tape.grads is not None else Gradients()
    for t in order:
        if id(t) in local:
            grads.accumulate(t.id, local[id(t)])
    return grads
