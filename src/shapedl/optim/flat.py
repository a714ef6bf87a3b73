"""Flat buffers: the parameters an optimizer steps together, as views of one array, so that an
update is a constant number of array operations (kernel launches on CUDA) however many
parameters there are.

A `Group` holds the parameters of one device and dtype that are at the same step. It adopts
them: their values, and each slot of their optimizer state, move into one flat array each,
and every parameter tensor's `data` (and every state entry) becomes a view of it. The tensors
stay the same objects, so modules, `grads[p]` and state names are untouched. When anything
rebinds a parameter's array (`model.load_state_dict`, `.to()`) or its state (a loaded
checkpoint), the group no longer `holds` it and the optimizer makes a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from shapedl.backend import Array
from shapedl.backend.recording import Recorder, recording
from shapedl.tensor import Tensor

__all__ = ["Group", "Step", "Work", "regroup"]

# NOTE: (xp, state with "step", "lr" and the flat slots, flat parameters, flat gradients to
# overwrite freely, a flat scratch array); under `sd.graphed` the state also has "counter", and
# "lr" is a device array (see `Group.update`)
Step = Callable[[Any, dict[str, Any], Array, Array, Array], None]
Tied = Sequence[Tensor[Any, Any, Any]]  # NOTE: the tensors sharing one array; the first steps


def _views(flat: Array, shapes: Sequence[tuple[int, ...]]) -> list[Array]:
    views, start = [], 0
    for shape in shapes:
        size = 1
        for n in shape:
            size *= n
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def _flat(xp: Any, arrays: Sequence[Array], dtype: Any) -> Array:
    """One flat copy of `arrays`, in one operation."""
    return xp.concatenate([a.reshape(-1) for a in arrays]).astype(dtype, copy=False)


class Work(NamedTuple):
    """A parameter to step: its name, its tensor and those tied to it, its state, gradient."""

    name: str
    tied: list[Tensor[Any, Any, Any]]
    state: dict[str, Any]
    grad: Array


class Group:
    """Parameters (each with the tensors tied to it) and their states, stepped as flat arrays.

    Args:
        names: the parameters' names (what the optimizer finds the group by).
        params: for each parameter, the tensors sharing its array (the first has the gradient).
        states: each parameter's state: `"step"` (the same for all) and one array per slot.
        slots: the names of the state arrays.
    """

    __slots__ = (
        "names", "params", "states", "views", "flat", "slots", "grad", "tmp", "step", "counter",
        "counted", "rate", "rated",
    )  # fmt: skip

    def __init__(
        self,
        names: tuple[str, ...],
        params: Sequence[Tied],
        states: list[dict[str, Any]],
        slots: Sequence[str],
    ) -> None:
        self.names = names
        xp = params[0][0].xp
        shapes = [tied[0].shape for tied in params]
        self.params, self.states, self.step = params, states, states[0]["step"]
        dtype = params[0][0].data.dtype
        self.flat = _flat(xp, [tied[0].data for tied in params], dtype)
        self.views = _views(self.flat, shapes)
        for tied, view in zip(params, self.views, strict=True):
            for p in tied:
                p.data = view
        self.slots = {slot: _flat(xp, [s[slot] for s in states], dtype) for slot in slots}
        for slot, flat in self.slots.items():
            for s, view in zip(states, _views(flat, shapes), strict=True):
                s[slot] = view
        self.grad, self.tmp = xp.empty_like(self.flat), xp.empty_like(self.flat)
        # NOTE: the step count and the learning rate on the device, for a step recorded as a
        # CUDA graph (graphs.py), and the host values they were last set from
        self.counter: Array | None = None
        self.counted = -1
        self.rate: Array | None = None
        self.rated = -1.0

    def holds(self, params: Sequence[Tied], states: Sequence[dict[str, Any]]) -> bool:
        """Whether these are still the tensors and states it adopted, untouched since."""
        return len(params) == len(self.params) and all(
            s is old and s["step"] == self.step and all(p.data is view for p in tied)
            for tied, s, old, view in zip(params, states, self.states, self.views, strict=True)
        )

    def update(self, step: Step, grads: Sequence[Array], lr: Callable[[], float]) -> None:
        """Gather `grads` (one per parameter) into the flat gradient and take one `step` at
        the learning rate `lr()`."""
        xp = self.params[0][0].xp
        recorder = recording()
        if recorder is not None and recorder.capturing:
            # NOTE: CuPy's concatenate of many arrays uploads their addresses from the host,
            # which a recording refuses; a copy per parameter is one kernel each in the graph
            views = _views(self.grad, [v.shape for v in self.views])
            for view, g in zip(views, grads, strict=True):
                xp.copyto(view, g.reshape(view.shape))
        else:
            xp.concatenate([g.reshape(-1) for g in grads], out=self.grad)
        state: dict[str, Any] = {"step": self.step, **self.slots}
        if recorder is None:
            state["lr"] = lr()
            step(xp, state, self.flat, self.grad, self.tmp)
            self._advance(state["step"])
            return
        # NOTE: under `sd.graphed` the step count and the learning rate also live on the
        # device, so that each run of the graph takes the step with this call's values (Adam's
        # bias correction, a scheduled rate); the host's count advances after each run
        state["counter"], state["lr"] = self._on_device(xp, recorder, lr)
        step(xp, state, self.flat, self.grad, self.tmp)
        if not recorder.capturing:
            # NOTE: at once, as without `sd.graphed`: a second update in the same call must
            # see this one's count (Sgd's first step, Adagrad's decay), not the call's first
            self._advance(self.step + 1, counted=True)
            return
        # NOTE: a replay runs no Python, so each run advances the host's count afterwards. The
        # Python of a later update in the recorded call sees the count before the call; it
        # decides no branch by it: every group stepped before (`regroup` makes none while
        # recording), so the count is >= 1 and only the device's counter says which step it is
        recorder.after(lambda: self._advance(self.step + 1, counted=True))

    def _on_device(
        self, xp: Any, recorder: Recorder, lr: Callable[[], float]
    ) -> tuple[Array, Array]:
        """The device's step count, advanced by one, and learning rate (float64 arrays of one
        value): set from the host's before each run where they differ (an eager step in
        between, a new rate, the first run)."""
        if self.counter is None or self.rate is None:
            recorder.not_ready("the step count's and rate's device copies")
            self.counter, self.rate = xp.zeros(1, dtype=xp.float64), xp.zeros(1, dtype=xp.float64)
        counter, rate = self.counter, self.rate

        def seed() -> None:
            if self.counted != self.step:
                counter.fill(self.step)
                self.counted = self.step
            if self.rated != lr():
                rate.fill(lr())
                self.rated = lr()

        recorder.before(seed)
        counter += 1
        return counter, rate

    def _advance(self, to: int, counted: bool = False) -> None:
        """The host's step count is now `to` (and so the device's, where `counted`)."""
        self.step = to
        if counted:
            self.counted = to
        for s in self.states:
            s["step"] = to


def regroup(
    groups: dict[tuple[str, ...], Group], work: Sequence[Work], slots: Sequence[str]
) -> list[tuple[Group, list[Array]]]:
    """The groups that step `work`, by device, dtype and step count, each with its gradients;
    a group of `groups` (by names) is kept while it still holds its parameters."""
    keyed: dict[tuple[Any, ...], list[Work]] = {}
    for w in work:
        p = w.tied[0]
        keyed.setdefault((p.device.key, p.data.dtype, w.state["step"]), []).append(w)
    found = []
    for members in keyed.values():
        names = tuple(w.name for w in members)
        params, states = [w.tied for w in members], [w.state for w in members]
        group = groups.get(names)
        found.append((group if group is not None and group.holds(params, states) else None,
                      names, params, states, members))  # fmt: skip
    recorder = recording()
    if recorder is not None and any(group is None for group, *_ in found):
        recorder.not_ready("new flat buffers")  # NOTE: checked before any is made
    return [
        (group or Group(names, params, states, slots), [w.grad for w in members])
        for group, names, params, states, members in found
    ]
