"""The tape: what each traced op recorded, `Gradients`, and `backward`.

Every op with a traced operand records a `Node`: its operands and a vector-Jacobian product
(`vjp`) that maps the output's gradient to one gradient per operand. `backward` walks the
nodes in reverse topological order. Gradients of broadcast operands are summed back to the
operand's shape here, in one place, so no op has to.

Only what reaches an untraced leaf (a parameter, a constant) is computed by `backward`. The
gradient of a traced input (`model(x.traced())`) is left for later and computed when it is
first read (`grads[x]`): a training step never pays for it. A vjp may return a costly
operand gradient as a function of no arguments (matmul's `g @ W.T` for the input), so that the
tape calls it only if that gradient is wanted.
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref
from collections.abc import Callable, Generator, Iterator, Sequence
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from shapedl.backend import Array, Backend
from shapedl.backend.sums import sum_axes, sum_leading
from shapedl.errors import ShapeError, TapeError, not_scalar, untraced
from shapedl.types import DType, NoTape

if TYPE_CHECKING:
    from shapedl.tensor import Tensor

__all__ = [
    "Gradients",
    "NoGrad",
    "Node",
    "TapeRef",
    "backward",
    "changed_in_place",
    "no_grad",
    "parameters_changed",
    "recording_off",
    "unbroadcast",
]

Grad = Array | Callable[[], Array] | None  # NOTE: a function when computed only if wanted
Vjp = Callable[[Array], Sequence[Grad]]

_S = TypeVar("_S", bound=tuple[Any, ...])
_F = TypeVar("_F", bound=Callable[..., Any])
_DT = TypeVar("_DT", bound="DType")


# NOTE: a context variable, as PyTorch's flag is per thread: a data-loading thread's ops are
# not the training loop's
_OFF: ContextVar[bool] = ContextVar("shapedl_no_grad", default=False)


# NOTE: whether ops keep no link to their operands here (inside `no_grad`): the context
# variable's own `get`, bound, since `record` asks it for every op (14 ns, a function 34 ns)
recording_off: Callable[[], bool] = _OFF.get


class NoGrad:
    """The context manager `no_grad()` gives: recording off inside, as it was after."""

    def __init__(self) -> None:
        # NOTE: the previous setting per thread: one decorated function may run in two
        # threads at once (a context variable's tokens would cross between them)
        self._local = threading.local()

    def __enter__(self) -> NoGrad:
        stack = self._local.__dict__.setdefault("prev", [])
        stack.append(_OFF.get())
        _OFF.set(True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _OFF.set(self._local.prev.pop())

    def __call__(self, func: _F) -> _F:
        """`func` with recording off in each of its calls (and in each step of a generator's
        body, which a plain wrapper would leave running outside)."""
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def steps(*args: Any, **kwargs: Any) -> Any:
                return (yield from _quiet_steps(func(*args, **kwargs)))

            return cast("_F", steps)

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            with NoGrad():
                return func(*args, **kwargs)

        return cast("_F", call)


def _quiet_steps(gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """`gen`'s items, each computed with recording off, and what is sent in passed on."""
    with NoGrad():
        item = next(gen, _DONE)
    while item is not _DONE:
        try:
            sent = yield item
        except GeneratorExit:
            with NoGrad():
                gen.close()
            raise
        except BaseException as error:  # noqa: BLE001 - passed on into the generator
            with NoGrad():
                item = _resume(gen.throw, error)
        else:
            with NoGrad():
                item = _resume(gen.send, sent)
    return None


def _resume(step: Callable[[Any], Any], value: Any) -> Any:
    try:
        return step(value)
    except StopIteration:
        return _DONE


_DONE = object()


@overload
def no_grad() -> NoGrad: ...
@overload
def no_grad(func: _F) -> _F: ...
def no_grad(func: _F | None = None) -> NoGrad | _F:
    """Ops inside keep no link to their operands: their results are tensors of their own, as
    under PyTorch's `torch.no_grad()`: a context manager, or a decorator (`@sd.no_grad()` or
    `@sd.no_grad`; a generator's body too), per thread.

    Outside it, an untraced result keeps its link (so that `grads[w]` reaches a parameter used
    as `w.T`): a target computed with the network itself, `r + 0.9 * V(s2)`, then passes the
    loss's gradient on into `V`, as it would in PyTorch without `no_grad`. Compute such
    targets, and rollouts' old log-probabilities, under `no_grad` (or `.detach()` them); the
    graphs they would keep alive are not kept either.

    Example:
        >>> import shapedl as sd
        >>> w = sd.ones((2,))
        >>> with sd.no_grad():
        ...     target = w * 3
        >>> x = sd.ones((2,)).traced()
        >>> grads = ((x * w - target) ** 2).sum().backward()
        >>> grads[w].tolist()  # only through `x * w`
        [-4.0, -4.0]
    """
    return NoGrad() if func is None else NoGrad()(func)


class Gradients:
    """Gradients by tensor: `grads[w]` for any tensor that took part, traced or not.

    A tensor and its `.traced()` twin share one entry. A traced input's gradient is computed
    when a gradient is first read by `grads[t]` (optimizers read theirs without it, so a step
    that never reads the input's gradient never computes it); read it before an optimizer
    changes the parameters it depends on.
    """

    def __init__(self) -> None:
        self._arrays: dict[int, Array] = {}
        self._deferred: list[_Deferred] = []

    def __getitem__(self, t: Tensor[_S, _DT, Any]) -> Tensor[_S, _DT, NoTape]:
        if self._deferred:
            # NOTE: every deferred part, not only t's: a hand-written update after this read
            # (`w.data -= lr * grads[w].data`) changes in place the arrays they would use
            self._settle()
        data = self._arrays.get(t.id)
        if data is None:
            raise KeyError(
                f"no gradient for this tensor of shape {t.shape}: it did not take part in the "
                "traced computation (was the input traced, and the loss computed from it?)"
            )
        return t._like(data)

    def get(self, t: Tensor[_S, _DT, Any]) -> Tensor[_S, _DT, NoTape] | None:
        return self[t] if t in self else None

    def array(self, t: Tensor[Any, Any, Any]) -> Array | None:
        """The raw gradient array of `t` (for optimizers), or None."""
        if self._deferred and any(t.id in d.keys for d in self._deferred):
            self._settle()
        return self._arrays.get(t.id)

    def __contains__(self, t: object) -> bool:
        key = getattr(t, "id", None)
        return key in self._arrays or any(key in d.keys for d in self._deferred)

    def __len__(self) -> int:
        return len(self._keys())

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys())

    def _keys(self) -> dict[int, None]:
        keys = dict.fromkeys(self._arrays)
        for d in self._deferred:
            keys.update(dict.fromkeys(d.keys))
        return keys

    def replace(self, t: Tensor[Any, Any, Any], grad: Array) -> None:
        """Set the gradient of `t` to `grad` (how `optim.clip_grad_norm` rescales)."""
        self.array(t)  # NOTE: a deferred part added later would land on the replacement
        self._arrays[t.id] = grad

    def accumulate(self, key: int, grad: Array) -> None:
        old = self._arrays.get(key)
        self._arrays[key] = grad if old is None else old + grad

    def clear(self) -> None:
        self._arrays.clear()
        self._deferred.clear()

    def _defer(self, deferred: _Deferred) -> None:
        self._deferred.append(deferred)

    def _settle(self) -> None:
        """Run every deferred part of the backward passes that filled these gradients."""
        for d in self._deferred:
            d.check()
        deferred, self._deferred = self._deferred, []
        for d in deferred:
            for key, grad in d.run():
                self.accumulate(key, grad)


class TapeRef:
    """What `x.traced(grads)` attaches: the `Gradients` that `backward` accumulates into."""

    __slots__ = ("grads",)

    def __init__(self, grads: Gradients | None) -> None:
        self.grads = grads


class Node:
    """One recorded op: its operands, how to send the output's gradient back to them, and the
    optimizer updates (`_updates`) there had been when it was recorded."""

    __slots__ = ("inputs", "vjp", "updates")

    def __init__(self, inputs: tuple[Tensor[Any, Any, Any], ...], vjp: Vjp) -> None:
        self.inputs = inputs
        self.vjp = vjp
        self.updates = _updates[0]


# NOTE: how many optimizer updates there have been, and after which one each parameter last
# changed: an op recorded before its parameter changed in place holds the old weights' arrays
# no longer (flat buffers are stepped in place), so its backward would mix old and new
# (by `t.id`, as `Gradients` keys them: a tensor's `==` is elementwise, and ids are never
# given again, so an entry outliving its parameter is one int)
_updates = [0]
_changed: dict[int, int] = {}


def unbroadcast(grad: Array, shape: tuple[int, ...], backend: Backend | None = None) -> Array:
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`.

    Where only leading axes were added (a bias's gradient), the sum is `sum_leading` on
    `grad`'s `backend` (a matrix-vector product on CUDA); without one, `.sum`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if backend is not None and not stretched:
        return sum_leading(backend, grad, lead).reshape(shape)
    axes = tuple(range(lead)) + stretched
    out = sum_axes(grad, axes, keepdims=True) if axes else grad
    return out.reshape(shape)


def _topological(root: Tensor[Any, Any, Any]) -> tuple[list[Tensor[Any, Any, Any]], set[int]]:
    """The tensors `root` was computed from, inputs first, and those among them (`wanted`)
    from which an untraced leaf (a parameter, a constant) can be reached."""
    order: list[Tensor[Any, Any, Any]] = []
    wanted: set[int] = set()
    seen: set[int] = set()
    stack: list[tuple[Tensor[Any, Any, Any], bool]] = [(root, False)]
    while stack:  # NOTE: iterative, so long Python loops of ops never hit the recursion limit
        t, done = stack.pop()
        node = t.node
        if done:
            order.append(t)
            if node is None:
                if t.tape is None:
                    wanted.add(id(t))
            else:
                if node.updates < _updates[0]:
                    _check_fresh(node)
                for i in node.inputs:  # NOTE: a loop, not any(): this runs for every op
                    if id(i) in wanted:
                        wanted.add(id(t))
                        break
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if node is not None:
            stack.extend((i, False) for i in node.inputs if id(i) not in seen)
    return order, wanted


Local = dict[int, Array]
Pending = list[tuple["Tensor[Any, Any, Any]", Grad]]


def _add(local: Local, inp: Tensor[Any, Any, Any], g: Array | Callable[[], Array]) -> None:
    if callable(g):
        g = g()
    if g.dtype != inp.data.dtype:
        # NOTE: a Python float times a bf16 array is f32 in NumPy; a gradient keeps its dtype
        g = g.astype(inp.data.dtype)
    if g.shape != inp.data.shape:
        try:
            g = unbroadcast(g, inp.data.shape, inp.device.backend)
        except ValueError as err:  # pragma: no cover - a bug in an op's vjp
            raise ShapeError(f"gradient of shape {g.shape} for {inp.shape}") from err
    key = id(inp)
    old = local.get(key)
    local[key] = g if old is None else old + g


def _propagate(
    order: list[Tensor[Any, Any, Any]], local: Local, wanted: set[int] | None, pending: Pending
) -> None:
    """Send each gradient in `local` back through its tensor's node, last op first; an
    operand outside `wanted` (None: every operand) gets its gradient in `pending` instead."""
    for t in reversed(order):
        node = t.node
        grad = None if node is None else local.get(id(t))
        if grad is None:
            continue
        for inp, g in zip(node.inputs, node.vjp(grad), strict=True):
            if g is None:
                continue
            # NOTE: a traced leaf's gradient that is already computed costs nothing to keep
            if wanted is None or id(inp) in wanted or (inp.node is None and not callable(g)):
                _add(local, inp, g)
            else:
                pending.append((inp, g))


class _Deferred:
    """What a backward pass left for the gradients that reach only traced inputs: computed when
    one of them (`keys`) is first read, or dropped when the parameters change (`expire`)."""

    __slots__ = ("order", "pending", "keys", "__weakref__")

    def __init__(self, order: list[Tensor[Any, Any, Any]], pending: Pending) -> None:
        self.order: list[Tensor[Any, Any, Any]] | None = order
        self.pending = pending
        self.keys = frozenset(t.id for t in order)
        _live.add(self)

    def expire(self) -> None:
        self.order, self.pending = None, []  # NOTE: frees the graph it held

    def check(self) -> None:
        if self.order is None:
            raise TapeError(
                "a traced input's gradient is computed when first read, and the parameters it "
                "depends on changed since (an optimizer update): read grads[x] before "
                "opt.update(...)"
            )

    def run(self) -> list[tuple[int, Array]]:
        self.check()
        order, local = self.order or [], Local()
        if not order:
            self.expire()
            return []
        with order[0].device.backend.quiet():
            for inp, g in self.pending:
                if g is not None:
                    _add(local, inp, g)
            _propagate(order, local, None, [])
        self.expire()
        return [(t.id, local[id(t)]) for t in order if id(t) in local]


_live: weakref.WeakSet[_Deferred] = weakref.WeakSet()


def parameters_changed(params: Sequence[Tensor[Any, Any, Any]] = ()) -> None:
    """What optimizers call before stepping `params` in place: every deferred gradient
    computation is dropped (computed later, a traced input's gradient would use the new
    parameters), and a backward pass through an op recorded before is refused (`backward`)."""
    for d in list(_live):
        d.expire()
    _stamp(params)


def changed_in_place(t: Tensor[Any, Any, Any]) -> None:
    """What `x -= y` calls after updating the leaf `x` in place: a backward pass through an op
    recorded before is refused (`_check_fresh`). Deferred gradients are kept: they are
    computed at the first `grads[...]`, which the update's own `grads[p]` read before, and an
    accumulator (`running += loss.detach()`) took no part in them."""
    _stamp((t,))


def _stamp(changed: Sequence[Tensor[Any, Any, Any]]) -> None:
    """A new update, and `changed` marked as changed by it (what `_check_fresh` compares)."""
    _updates[0] += 1
    for t in changed:
        _changed[t.id] = _updates[0]


def _check_fresh(node: Node) -> None:
    """A `TapeError` where an operand of `node` (a parameter) changed in place after it was
    recorded: its backward would use the new weights with the old activations (PyTorch
    raises too: "modified by an inplace operation"). A loss computed after the update meets
    such an op through a tensor carried over from before it (truncated BPTT's hidden state
    not detached; PyTorch: "backward through the graph a second time")."""
    for i in node.inputs:
        if i.node is None and _changed.get(i.id, 0) > node.updates:
            raise TapeError(
                f"backward: a parameter of shape {i.shape} was changed in place (by an "
                "optimizer update, or `w -= ...`) after this graph was recorded, so its "
                "gradient would mix the old weights and the new; compute the loss again after "
                "the update, or take every gradient from the graph before updating; if the loss "
                "is new, a tensor kept from before the update (an RNN's hidden state carried "
                "between batches) still holds its graph: `.detach()` it between batches"
            )


def backward(loss: Tensor[Any, Any, Any]) -> Gradients:
    """Gradients of the scalar `loss` with respect to every tensor it was computed from.

    What reaches only traced inputs is left for when it is first read (see `Gradients`).
    """
    if loss.tape is None:
        inside = " (inside sd.no_grad(), no op records anything: call backward() after it)"
        raise TapeError(untraced() + (inside if recording_off() else ""))
    if loss.shape != ():
        raise TapeError(not_scalar(loss.shape))
    # NOTE: keyed by object, not by `t.id`: `x.traced()` shares x's id, and what reaches one
    # must not flow on through the other's node. Objects sharing an id are summed into
    # `grads` below.
    local: Local = {id(loss): loss.xp.ones((), dtype=loss.data.dtype)}
    order, wanted = _topological(loss)
    pending: Pending = []
    # NOTE: a derivative that is infinite where the function is finite (sqrt or log at 0,
    # x / 0) gives inf or nan silently, as in PyTorch, and never an error
    with loss.device.backend.quiet():
        _propagate(order, local, wanted, pending)
    grads = loss.tape.grads if loss.tape.grads is not None else Gradients()
    for t in order:
        g = local.get(id(t))
        if g is not None:
            grads.accumulate(t.id, g)
    if pending:
        grads._defer(_Deferred([t for t in order if id(t) not in wanted], pending))
    return grads
