"""`Optimizer`: what every optimizer shares — finding parameters, reporting missing gradients,
per-parameter state by name (a tensor stepped under a new name takes its state along, as
PyTorch's state follows the parameter object), validation, and saving that state so training
resumes exactly.

A subclass names its hyperparameters (`hyper`) and its per-parameter state slots (`slots`),
validates in `_validate`, and writes its update rule in `_step` over flat arrays: the
parameters of one device, dtype and step count are stepped together as views of one array
(`optim/flat.py`), in place, so an update is a constant number of array operations per group
(the tensors, and so their identities and `grads[p]`, stay the same).
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Protocol

import numpy as np

from shapedl.backend import Array, is_float
from shapedl.backend.recording import recording
from shapedl.checkpoint import CheckpointError, PathLike, load_state, save_state
from shapedl.device import Device
from shapedl.optim.flat import Group, Work, regroup
from shapedl.tape import Gradients, parameters_changed
from shapedl.tensor import Tensor

__all__ = [
    "HasParameters",
    "MissingGradientError",
    "MissingGradientWarning",
    "Optimizer",
    "Params",
    "named_parameters",
    "per_step",
]

Missing = Literal["error", "warn"]


class HasParameters(Protocol):
    """Anything with `parameters()` giving tensors by dotted name, such as an `nn.Module`."""

    def parameters(self) -> Mapping[str, Tensor[Any, Any, Any]]: ...


Params = HasParameters | Mapping[str, Tensor[Any, Any, Any]] | Sequence[Tensor[Any, Any, Any]]


class MissingGradientError(ValueError):
    """Some parameters have no gradient: they did not take part in the loss."""


class MissingGradientWarning(UserWarning):
    """The warning form of `MissingGradientError`, chosen with `missing="warn"`."""


def named_parameters(params: Params) -> dict[str, Tensor[Any, Any, Any]]:
    """Parameters by name: a model's `parameters()`, a dict as given, a list by position;
    the floating-point ones (an integer or boolean tensor has no gradient to follow)."""
    found: Any = params.parameters() if hasattr(params, "parameters") else params
    if isinstance(found, Mapping):
        named = dict(found)
    elif isinstance(found, Sequence) and not isinstance(found, str | bytes):
        named = {str(i): p for i, p in enumerate(found)}
    else:
        raise TypeError(
            "expected a model with parameters(), a dict of tensors or a list of tensors, "
            f"got {type(params).__name__}"
        )
    for name, p in named.items():
        if not isinstance(p, Tensor):
            raise TypeError(f"parameter {name!r} is a {type(p).__name__}, not a Tensor")
    # NOTE: an integer or boolean tensor (an offsets table) never has a gradient: PyTorch
    # refuses it as a Parameter; here it is skipped, as a module counts it a buffer
    return {name: p for name, p in named.items() if is_float(p.data.dtype)}


def per_step(value: Any, p: Array) -> Any:
    """A value of this step (the rate `state["lr"]`) as an update formula takes it: a Python
    number as it is; a device array of one value (a step recorded by `sd.graphed`, where the
    host's number would be fixed in the graph) in `p`'s dtype, as NumPy takes the number."""
    return value if isinstance(value, int | float) else value.astype(p.dtype)


def check(ok: bool, what: str, value: object, hint: str = "") -> None:
    """A `ValueError` `invalid <what>: <value> (<hint>)` unless `ok` (PyTorch's wording, with
    what to write instead)."""
    if not ok:
        raise ValueError(f"invalid {what}: {value}" + (f" ({hint})" if hint else ""))


def check_nonnegative(what: str, value: float, arg: str) -> None:
    """`check` that `value` (the argument `arg`) is a finite number >= 0."""
    ok = isinstance(value, int | float) and math.isfinite(value) and value >= 0
    check(ok, what, value, f"{arg} must be a finite number >= 0")


def plain(value: Any) -> Any:
    """A hyperparameter as the update formulas take it: a NumPy real scalar
    (`np.float32(5e-4)`, from a table made with `np.linspace`) as a Python float, as PyTorch
    takes any real number; a tuple (`betas`) entry by entry; anything else as it is, for
    validation to judge (a bool stays a bool)."""
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, bool | int) or type(value) is float:
        return value
    # NOTE: `np.float64`, a float subclass, is made plain too (its repr, its arithmetic)
    return float(value) if isinstance(value, numbers.Real) else value


def check_lr_type(op: str, lr: object) -> None:
    """A `TypeError` unless `lr` is a number: PyTorch's `Adam(model.parameters(), ...)` puts
    the parameters there; named by type only, since printing them dumped every weight."""
    if not isinstance(lr, numbers.Real):
        raise TypeError(
            f"{op}: lr must be a number, not {type(lr).__name__}; shapedl optimizers take no "
            f"parameters: sd.optim.{op}(lr=1e-3, ...), then opt.update(model, grads)"
        )


def check_beta(what: str, value: float) -> None:
    ok = isinstance(value, int | float) and 0.0 <= value < 1.0
    check(ok, what, value, "each of betas must be a number in [0, 1)")


class Optimizer:
    """Base of every optimizer: `opt.update(model, grads)` steps each parameter in place.

    Hyperparameters are numbers: a NumPy scalar (`np.float32(5e-4)`) is taken as the Python
    float it holds, as PyTorch takes any real number.

    Args:
        missing: what a parameter with no gradient is: `"error"` (the default) raises
            `MissingGradientError`, `"warn"` warns with `MissingGradientWarning` and leaves
            those parameters unchanged. Never silent.

    Raises:
        ValueError: for an invalid hyperparameter, naming the optimizer, the value and what
            it must be (`Adam: invalid learning rate: -1.0 (lr must be a finite number >= 0)`).
    """

    hyper: ClassVar[tuple[str, ...]] = ("lr",)
    # NOTE: whether `_step` reads its rate from `state["lr"]` and anything that depends on the
    # step count from `state["counter"]` when there is one, so that a step recorded by
    # `sd.graphed` takes each call's values; otherwise a new rate records the step again
    device_values: ClassVar[bool] = False

    def __init__(self, lr: float, *, missing: Missing = "error") -> None:
        check_lr_type(type(self).__name__, lr)
        self.lr = lr
        for h in self.hyper:
            setattr(self, h, plain(getattr(self, h)))
        self.missing: Missing = missing
        self.state: dict[str, dict[str, Any]] = {}
        self._devices: dict[str, Device] = {}
        # NOTE: the tensor each state belongs to (PyTorch keys state by parameter object; ours
        # is by name, so that it saves and loads): a second model's same-named parameter must
        # not step with the first one's moments. Tensors, not ids, so that deep-copying model
        # and optimizer together gives a copy that steps the copied model.
        self._owners: dict[str, Tensor[Any, Any, Any]] = {}
        self._groups: dict[tuple[str, ...], Group] = {}
        try:
            check(missing in ("error", "warn"), "missing", repr(missing), 'write "error" or "warn"')
            self._validate()
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {err}") from None

    @property
    def slots(self) -> tuple[str, ...]:
        """The per-parameter state arrays this optimizer keeps with its hyperparameters."""
        return ()

    def _validate(self) -> None:
        check_nonnegative("learning rate", self.lr, "lr")

    def set_lr(self, lr: float) -> None:
        """Change the learning rate between updates (what `sd.train` schedules call); a NumPy
        scalar (`np.float32`) is taken as the Python float it holds.

        Raises:
            ValueError: for a negative or non-finite rate (`Adam.set_lr: invalid learning
                rate: -1.0 (lr must be a finite number >= 0)`).
        """
        lr = plain(lr)
        try:
            check_nonnegative("learning rate", lr, "lr")
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}.set_lr: {err}") from None
        self.lr = lr

    def _step(self, xp: Any, state: dict[str, Any], p: Array, g: Array, tmp: Array) -> None:
        """One step of the flat parameters `p` (in place) with the flat gradients `g` (a copy
        it may overwrite) and a scratch array `tmp`; `state` has `"step"`, `"lr"` (the rate
        to use, not `self.lr`: see `per_step`) and the flat slots."""
        raise NotImplementedError

    # ---- the update -------------------------------------------------------------------
    def update(self, params: Params, grads: Gradients, *, missing: Missing | None = None) -> None:
        """Step every parameter of `params` against its gradient in `grads`, in place.

        A tensor's state goes with it under a new name: stepped first as `weight` through
        `update(model.head, ...)`, then as `head.weight` through `update(model, ...)` (a frozen
        body unfrozen), it continues its moments and step count.

        Args:
            params: a model (anything with `parameters()`), a dict of tensors, or a list.
            grads: what `loss.backward()` returned.
            missing: overrides the optimizer's `missing` for this call.

        Raises:
            MissingGradientError: naming every parameter without a gradient (unless warned).
            ValueError: when a parameter is not the tensor whose state this optimizer holds
                under its name (a second model: use one optimizer per model).
        """
        named = named_parameters(params)
        self._report_missing([n for n, p in named.items() if grads.array(p) is None], missing)
        recorder = recording()
        if recorder is not None and recorder.capturing and not self.device_values:
            raise TypeError(
                f"{type(self).__name__} reads its rate and step count on the host, where a "
                "recorded step would keep this call's: set device_values = True once its _step "
                'reads state["lr"] and state["counter"] (see Optimizer), or run the step '
                "without sd.graphed"
            )
        if recorder is not None:  # NOTE: a step under `sd.graphed` (graphs.py)
            fresh = [n for n, p in named.items() if grads.array(p) is not None
                     and (n not in self.state or self.state[n].get("host"))]  # fmt: skip
            if fresh:
                recorder.not_ready(f"optimizer state for {fresh[0]}")
        self._follow(named)
        # NOTE: every state is found (and a loaded one checked) before any parameter steps,
        # so an error leaves all of them as they were, never some stepped and some not
        tied: dict[int, list[Tensor[Any, Any, Any]]] = {}
        for p in named.values():  # NOTE: tensors sharing an array step once, and move together
            tied.setdefault(id(p.data), []).append(p)
        work = []
        for name, p in named.items():
            g = grads.array(p)
            if g is None or tied[id(p.data)][0] is not p:
                continue
            if g.dtype != p.data.dtype:
                g = g.astype(p.data.dtype)
            work.append(Work(name, tied[id(p.data)], self._state(name, p), g))
        steps = regroup(self._groups, work, self.slots)
        self._groups = {group.names: group for group, _ in steps}
        # NOTE: a traced input's deferred gradient would see new weights, and so would a
        # backward pass through ops recorded before this update
        parameters_changed([p for w in work for p in w.tied])
        for group, gs in steps:
            group.update(self._step, gs, lambda: self.lr)
        if recorder is not None:  # NOTE: the rate is the device's (flat.py), read at each run
            hyper = self._hyper()
            groups = [group for group, _ in steps]
            recorder.guard(lambda: self._hyper() == hyper and all(self._holds(g) for g in groups))

    def _holds(self, group: Group) -> bool:
        """Whether `group` still holds this optimizer's states and parameters of its names
        (nothing rebound them: `load_state_dict`, a loaded checkpoint)."""
        return group.holds(group.params, [self.state.get(n, {}) for n in group.names])

    def _hyper(self) -> tuple[Any, ...]:
        return tuple(getattr(self, h) for h in self.hyper if h != "lr" or not self.device_values)

    def _report_missing(self, names: list[str], missing: Missing | None) -> None:
        if not names:
            return
        how = self.missing if missing is None else missing
        text = (
            f"no gradient for {len(names)} parameter{'s' if len(names) > 1 else ''}: "
            f"{', '.join(names)} (did they take part in the loss? pass only the parameters "
            'you train, or missing="warn" to skip them with a warning; a tensor a module keeps '
            "but does not learn, as running statistics, is a buffer: name its field in the "
            'class\'s buffer_fields = ("running_mean", ...))'
        )
        if how == "warn":
            warnings.warn(text, MissingGradientWarning, stacklevel=3)
        else:
            raise MissingGradientError(text)

    def _follow(self, named: Mapping[str, Tensor[Any, Any, Any]]) -> None:
        """Move the state of a tensor stepped under a new name to that name.

        NOTE: PyTorch keys state by the parameter object, ours is by name (so that it saves
        and loads): without this, `opt.update(model.head, grads)` (names `weight`, `bias`)
        then `opt.update(model, grads)` (`head.weight`, ...) restarted the head's moments at
        step 0, silently, and kept the stale entries in `state_dict()`. A state moves only
        when its old name is not stepped in this update (a tied tensor keeps both)."""
        new = [name for name in named if name not in self.state]
        if not new or not self._owners:  # NOTE: every step of a training loop: one pass
            return
        by_id = {p.id: name for name, p in self._owners.items() if name not in named}
        for name in new:
            old = by_id.pop(named[name].id, None)
            if old is not None and old in self.state:
                self.state[name] = self.state.pop(old)
                self._devices[name] = self._devices.pop(old)
                self._owners[name] = self._owners.pop(old)

    def _state(self, name: str, p: Tensor[Any, Any, Any]) -> dict[str, Any]:
        state = self.state.get(name)
        if state is None:
            xp = p.xp
            state = {"step": 0, **{slot: self._initial(xp, slot, p.data) for slot in self.slots}}
            self.state[name] = state
            self._devices[name] = p.device
            self._owners[name] = p
        elif state.get("host"):
            state = self._to_device(name, state, p)
        else:
            self._check_owner(name, p, state)
        return state

    def _check_owner(self, name: str, p: Tensor[Any, Any, Any], state: dict[str, Any]) -> None:
        """Refuse to step `p` with the state of another tensor of the same name."""
        owner = self._owners.setdefault(name, p)
        if owner is p:  # NOTE: every step of a training loop: one lookup, on the host
            return
        held = next((tuple(state[s].shape) for s in self.slots), p.shape)
        if held != p.shape:
            what = f"of shape {held}, this parameter is {p.shape}"
        elif owner.id != p.id:  # NOTE: ids, not objects: `t.to(device)` keeps its id
            what = "of another tensor (another model's, or the field was given a new tensor)"
        else:
            return
        kind = type(self).__name__
        raise ValueError(
            f"{kind} holds state for {name!r} {what}: its state is kept by parameter name, so "
            f"one optimizer steps one model. Make one {kind} per model; to carry this state over "
            "to a new model, call opt.load_state_dict(opt.state_dict()) first; to change a "
            "parameter's values, write them into it (p.data = ...) instead of rebinding it"
        )

    def _initial(self, xp: Any, slot: str, p: Array) -> Array:
        """A new state array of `slot` for the parameter `p`: zeros unless a subclass says.

        NOTE: made before the first step rather than by a branch on the step count in `_step`,
        which a step recorded by `sd.graphed` would fix at its recording."""
        return xp.zeros_like(p)

    def _to_device(self, name: str, state: dict[str, Any], p: Tensor[Any, Any, Any]) -> Any:
        """State loaded from a file, moved onto the parameter's device at its first step."""
        wrong = [s for s in self.slots if tuple(state[s].shape) != p.shape]
        if wrong:
            raise CheckpointError(
                f"optimizer state for {name!r} has shape {tuple(state[wrong[0]].shape)}, "
                f"but the parameter has shape {p.shape}"
            )
        # NOTE: a copy even on the CPU: the loaded arrays may be shared, and steps write in place
        backend, dtype = p.device.backend, str(p.data.dtype)
        moved = {s: backend.asarray(state[s], dtype=dtype).copy() for s in self.slots}
        state = {"step": state["step"], **moved}
        self.state[name] = state
        self._devices[name] = p.device
        self._owners[name] = p  # NOTE: a loaded state belongs to whatever it is loaded into
        return state

    # ---- saving and loading -----------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """What pickle and `copy.deepcopy` copy: all but the flat buffers (flat.py).

        NOTE: a copy keeps no view relation: each parameter's array would be a copy of its own,
        and the copied group would step its flat buffer, which no parameter reads any more (a
        model pickled with its optimizer stopped training, silently). The copy's next update
        makes new groups from the parameters and states it has."""
        state = self.__dict__.copy()
        state["_groups"] = {}
        return state

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters (`hyper.lr`, ...) and per-parameter state (`state.<name>.<slot>`),
        as host arrays and Python numbers, ready for `checkpoint.save_state`."""
        out: dict[str, Any] = {f"hyper.{h}": getattr(self, h) for h in self.hyper}
        for name, state in self.state.items():
            out[f"state.{name}.step"] = state["step"]
            for slot in self.slots:
                a = state[slot]
                host = state.get("host")
                out[f"state.{name}.{slot}"] = a if host else self._host(name, a)
        return out

    def load_state_dict(self, state: Mapping[str, Any], params: Params | None = None) -> None:
        """Restore what `state_dict` returned: hyperparameters and every parameter's state.

        Everything is checked (see `check_state_dict`) before anything changes.

        Raises:
            CheckpointError: listing every missing or unexpected entry, or a state whose shape
                is not its parameter's (the optimizer is left as it was).
        """
        hyper, per_param = self._checked(state, params)
        for h, value in hyper.items():
            setattr(self, h, value)
        self._owners = {}  # NOTE: loaded states belong to the tensors they are loaded into
        self.state = {
            name: {"host": True, "step": int(slots["step"]), **{s: slots[s] for s in self.slots}}
            for name, slots in per_param.items()
        }

    def check_state_dict(self, state: Mapping[str, Any], params: Params | None = None) -> None:
        """Check that `load_state_dict(state)` would succeed, changing nothing.

        Args:
            state: what `state_dict` returned (from a file, say).
            params: the parameters it will step (a model); when given, each saved state must
                belong to one of them and have its shape.

        Raises:
            CheckpointError: naming every missing, unexpected or mis-shaped entry, or an
                invalid hyperparameter.
        """
        self._checked(state, params)

    def _checked(
        self, state: Mapping[str, Any], params: Params | None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The hyperparameters and per-parameter state `state` holds, all checked."""
        trial = copy.copy(self)  # NOTE: hyperparameters are validated on a copy, not on self
        hyper = {h: state[f"hyper.{h}"] for h in self.hyper if f"hyper.{h}" in state}
        try:
            for h, value in hyper.items():
                setattr(trial, h, _like(getattr(self, h), value))
            trial._validate()
        except (TypeError, ValueError) as err:
            raise CheckpointError(f"{type(self).__name__} state is invalid: {err}") from None
        per_param, unexpected = trial._split(state)
        missing = [f"hyper.{h}" for h in self.hyper if h not in hyper]
        for name, slots in per_param.items():
            missing += [f"state.{name}.{s}" for s in ("step", *trial.slots) if s not in slots]
        wrong = [] if params is None else _mismatched(per_param, named_parameters(params))
        steps = [f"state.{n}.step" for n, s in per_param.items() if not _count(s.get("step", 0))]
        found = (
            ("missing", missing),
            ("unexpected", unexpected),
            ("wrong shape", wrong),
            ("not a step count (an integer >= 0)", steps),
        )
        if missing or unexpected or wrong or steps:
            raise CheckpointError(
                f"{type(self).__name__} state does not match: "
                + "; ".join(f"{label}: {', '.join(names)}" for label, names in found if names)
            )
        return {h: getattr(trial, h) for h in hyper}, per_param

    def _split(self, state: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        per_param: dict[str, dict[str, Any]] = {}
        unexpected = []
        for key, value in state.items():
            name, _, slot = key.removeprefix("state.").rpartition(".")
            if key.startswith("state.") and name and slot in ("step", *self.slots):
                per_param.setdefault(name, {})[slot] = value
            elif not (key.startswith("hyper.") and key[6:] in self.hyper):
                unexpected.append(key)
        return per_param, unexpected

    def _host(self, name: str, a: Array) -> Any:
        return self._devices[name].backend.to_numpy(a).copy()

    def save(self, path: PathLike, *, allow_nonfinite: bool = False) -> None:
        """Save `state_dict()` with `checkpoint.save_state` (safetensors, or `.npz`).

        Raises:
            NonFiniteCheckpointError: when a state (a moment) holds a NaN or an infinity,
                naming it; nothing is written, so the file at `path` stays.
                `allow_nonfinite=True` saves it anyway.
        """
        save_state(self.state_dict(), path, allow_nonfinite=allow_nonfinite)

    def load(self, path: PathLike) -> None:
        """Load what `save` wrote, so that training resumes exactly where it stopped."""
        self.load_state_dict(load_state(path))

    def __repr__(self) -> str:
        args = ", ".join(f"{h}={getattr(self, h)!r}" for h in self.hyper)
        return f"{type(self).__name__}({args})"


def _count(value: Any) -> bool:
    """Whether a saved step count is one: a whole number >= 0 (a 0-d array from a file)."""
    a = np.asarray(value)
    if a.shape != () or a.dtype.kind not in "iuf":
        return False
    v = float(a)
    return math.isfinite(v) and v >= 0 and v == int(v)


def _mismatched(
    per_param: Mapping[str, Mapping[str, Any]], params: Mapping[str, Tensor[Any, Any, Any]]
) -> list[str]:
    """Saved states with no parameter of their name, or not of its shape (or not a count)."""
    wrong = []
    for name, slots in per_param.items():
        p = params.get(name)
        for slot, a in slots.items():
            shape = tuple(getattr(a, "shape", ()))
            if slot == "step":
                ok = isinstance(a, int) or (shape == () and getattr(a, "dtype", None) is not None
                                            and a.dtype.kind in "iu")  # fmt: skip
                want: object = "a step count"
            else:
                ok = p is not None and shape == p.shape
                want = "a parameter of that name" if p is None else p.shape
            if not ok:
                wrong.append(f"state.{name}.{slot} (expected {want}, got {shape})")
    return wrong


def _like(current: Any, value: Any) -> Any:
    """A loaded hyperparameter converted to the type of the current one."""
    if isinstance(current, bool):
        return bool(value)
    if isinstance(current, tuple):
        return tuple(float(v) for v in value)
    return float(value)
