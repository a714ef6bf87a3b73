"""`sd.graphed(step)`: a training step recorded once as a CUDA graph, then replayed.

On a GPU an eager step is bound by the host: each op is Python, and each CuPy call costs tens
of microseconds before its kernel starts (issue 13). A CUDA graph holds the kernels of a whole
step; replaying it is one launch, and the host leaves the loop. PyTorch users get this only
through `torch.compile` or `torch.cuda.CUDAGraph` by hand; here the step stays plain code::

    @sd.graphed
    def step(x, y):
        loss = loss_fn(model(x.traced()), y)
        opt.update(model, loss.backward())
        return loss  # the same tensor each call, holding this call's value

    for x, y in batches:
        loss = step(x, y)

Each call is exactly one step. The first `warmup` calls for a set of input shapes run eagerly
(CuPy compiles its kernels, cuDNN plans its convolutions, the optimizer makes its state); the
next one records the step's GPU work into a graph (nothing runs while recording), and that and
every later call with the same shapes copy the inputs into the graph's own and replay it. A new
shape (the last, smaller batch) gets its own graph the same way. On a device without graphs
(the CPU) every call runs the step eagerly, with the same bookkeeping.

What a recorded step may not do, because a replay runs only its GPU work, not its Python:
- wait for the GPU: `.item()`, `.numpy()`, a Python `if` on a tensor's value (recording one
  raises `CaptureError`, and nothing has changed);
- depend on host state that changes between calls, other than what shapedl tracks: the
  optimizer's step count and learning rate (kept on the device, so Adam's bias correction
  advances and a schedule's rate applies at each replay), its other hyperparameters and the
  parameters' arrays (a new `betas`, or parameters rebound by `load_state_dict`, record the
  step again).
Random ops (dropout) draw from the device's generator, whose state lives on the GPU, so each
replay draws anew. An index out of range, which an eager step reports before it indexes, is
found on the GPU during the replay and raised (`IndexError`) when the replay ends: that step's
update has then been applied, so the first (eager) calls are where data errors are reported
in full.

The returned tensors are the graph's outputs: the next call overwrites them. Copy what you
keep (`loss.item()`, `loss.clone()`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, ParamSpec, TypeVar, overload

from shapedl.backend import Array
from shapedl.backend.recording import NotReady, Recorder, recorded, recording
from shapedl.tensor import Tensor

__all__ = ["CaptureError", "Graphed", "NotReady", "Recorder", "graphed", "recording"]

P = ParamSpec("P")
R = TypeVar("R")


class CaptureError(RuntimeError):
    """A step could not be recorded as a CUDA graph (it waited for the GPU, say)."""


class _Entry:
    """One graph of a step: for one set of input shapes, dtypes and static arguments."""

    __slots__ = ("calls", "graph", "recorder", "inputs", "result", "flag", "memory")

    def __init__(self) -> None:
        self.calls = 0
        self.graph: Any = None
        self.recorder: Recorder | None = None
        self.inputs: list[Any] = []  # NOTE: copies of the recorded call's tensors, and its values
        self.result: Any = None
        self.flag: Array | None = None
        self.memory: Any = None  # NOTE: the graph's own memory pool, kept as long as the graph


class Graphed(Generic[P, R]):
    """`step`, recorded as a CUDA graph per input shapes and replayed (see `graphed`)."""

    def __init__(self, step: Callable[P, R], warmup: int = 2) -> None:
        if warmup < 1:
            raise ValueError(f"graphed: warmup must be at least 1 (eager calls), got {warmup}")
        self.step = step
        self.warmup = warmup
        self._entries: dict[Hashable, _Entry] = {}
        self.__doc__ = getattr(step, "__doc__", None)
        self.__wrapped__ = step

    def reset(self) -> None:
        """Drop every recorded graph: the next calls warm up and record again."""
        self._entries.clear()

    @property
    def graphs(self) -> int:
        """How many graphs are recorded now (one per set of input shapes)."""
        return sum(e.graph is not None for e in self._entries.values())

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        names = sorted(kwargs)  # NOTE: one order for the key, the recording and each replay
        given = [*args, *(kwargs[k] for k in names)]
        tensors = [a for a in given if isinstance(a, Tensor)]
        for t in tensors:
            if t.tape is not None:
                raise TypeError(
                    "graphed: the step's tensor arguments must not be traced (pass the batch "
                    "as it is and call .traced() inside the step)"
                )
        graphs = _graphs(tensors)
        entry = self._entries.setdefault(_key(args, kwargs), _Entry())
        if graphs is None:
            return self._eager(entry, args, kwargs)
        with graphs.scope(entry):
            recorder = entry.recorder
            if entry.graph is not None and recorder and not all(g() for g in recorder.guards):
                entry.graph = None  # NOTE: stale (a new learning rate, rebound parameters)
            if entry.graph is None and entry.calls >= self.warmup:
                self._record(graphs, entry, given, len(args), names)
            if entry.graph is None:
                return self._eager(entry, args, kwargs)
            return self._replay(graphs, entry, tensors)

    def _eager(self, entry: _Entry, args: Any, kwargs: Any) -> R:
        with recorded(Recorder(capturing=False)) as recorder:
            out = self.step(*args, **kwargs)
        for fn in recorder.afters:
            fn()
        entry.calls += 1
        return out

    def _record(
        self, graphs: Any, entry: _Entry, given: list[Any], positional: int, names: list[str]
    ) -> None:
        """Record the step on copies of this call's tensors (nothing runs yet); `given` are
        the positional arguments, then the keyword ones in the order of `names`."""
        entry.inputs = [t.clone() if isinstance(t, Tensor) else t for t in given]
        static_args: Any = entry.inputs[:positional]
        static_kwargs: Any = dict(zip(names, entry.inputs[positional:], strict=True))
        recorder = Recorder(capturing=True)
        try:
            with recorded(recorder):
                graph, result, flag = graphs.capture(
                    lambda: self.step(*static_args, **static_kwargs), recorder
                )
        except NotReady:
            return  # NOTE: runs eagerly, and records at the next call
        except CaptureError:
            raise
        except Exception as err:
            raise CaptureError(
                f"graphed: the step could not be recorded as a CUDA graph ({type(err).__name__}: "
                f"{err}). A recorded step must not wait for the GPU (no .item(), .numpy() or "
                "Python branch on a tensor's value) nor upload host data inside it; do those "
                "outside the step. Nothing was changed."
            ) from err
        entry.graph, entry.result, entry.flag, entry.recorder = graph, result, flag, recorder

    def _replay(self, graphs: Any, entry: _Entry, tensors: list[Tensor[Any, Any, Any]]) -> R:
        recorder = entry.recorder
        assert recorder is not None
        statics = [t for t in entry.inputs if isinstance(t, Tensor)]
        for static, t in zip(statics, tensors, strict=True):
            if static.data is not t.data:
                static.xp.copyto(static.data, t.data)
        for fn in recorder.befores:
            fn()
        graphs.launch(entry.graph)
        for fn in recorder.afters:
            fn()
        entry.calls += 1
        if entry.flag is not None and bool(entry.flag):  # NOTE: the one wait, for a bad index
            bad = next(message for flag, message in recorder.checks if bool(flag))
            raise IndexError(f"graphed: {bad} (found while replaying the recorded step)")
        result: R = entry.result
        return result


@overload
def graphed(step: Callable[P, R], *, warmup: int = 2) -> Graphed[P, R]: ...
@overload
def graphed(
    step: None = None, *, warmup: int = 2
) -> Callable[[Callable[P, R]], Graphed[P, R]]: ...
def graphed(step: Callable[P, R] | None = None, *, warmup: int = 2) -> Any:
    """`step` recorded once per input shapes as a CUDA graph, and replayed at each call.

    Use it as a decorator (`@sd.graphed`, or `@sd.graphed(warmup=3)`) or a call
    (`sd.graphed(step)`); the result is called as `step` is, with the same types. See the
    module's documentation for what a recorded step may do.

    Args:
        step: a function of tensors (and hashable values, fixed per graph) doing one step.
        warmup: how many calls per input shapes run eagerly before recording (at least 1).

    Raises:
        CaptureError: (from a call) when the step cannot be recorded: it waits for the GPU.
        TypeError: (from a call) for a traced tensor argument, or an unhashable other one.

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0, -1.0])
        >>> opt = sd.optim.Sgd(lr=0.5)
        >>> @sd.graphed
        ... def step(x):
        ...     loss = (w.traced() * x).sum()
        ...     opt.update([w], loss.backward())
        ...     return loss
        >>> [step(sd.tensor([1.0, 2.0])).item() for _ in range(3)]
        [-1.0, -3.5, -6.0]
    """
    if step is None:
        return lambda fn: Graphed(fn, warmup)
    return Graphed(step, warmup)


def _key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    def one(a: Any) -> Hashable:
        if isinstance(a, Tensor):
            return ("tensor", a.shape, str(a.data.dtype), a.device.key)
        try:
            hash(a)
        except TypeError:
            raise TypeError(
                f"graphed: a step's arguments are tensors or hashable values (fixed for its "
                f"graph), not {type(a).__name__}"
            ) from None
        return ("value", type(a).__name__, a)

    return (tuple(one(a) for a in args), tuple((k, one(v)) for k, v in sorted(kwargs.items())))


def _graphs(tensors: list[Tensor[Any, Any, Any]]) -> Any:
    """The CUDA graphs of the step's device (its tensors', else the default), or None."""
    from shapedl.device import default_device

    device = tensors[0].device if tensors else default_device()
    return device.backend.graphs()
