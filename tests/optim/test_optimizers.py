"""Each optimizer against `torch.optim`, step for step; validation; missing gradients; resuming."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.checkpoint import CheckpointError
from shapedl.optim import (
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    MissingGradientError,
    MissingGradientWarning,
    RMSprop,
    Sgd,
)

STEPS = 20
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def initial(dtype: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "w": rng.standard_normal((3, 4)).astype(dtype),
        "b": rng.standard_normal(4).astype(dtype),
        "v": rng.standard_normal(4).astype(dtype),
    }


def data(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)


def sd_loss(p: dict[str, Any], x: Any, t: Any) -> Any:
    h = (x * p["w"] + p["b"]).tanh()
    return ((h * p["v"] - t).square()).sum()


def sd_grads(params: dict[str, sd.Tensor], x: np.ndarray, t: np.ndarray) -> sd.Gradients:
    traced = {name: p.traced() for name, p in params.items()}
    return sd_loss(traced, sd.from_numpy(x), sd.from_numpy(t)).backward()


def run_sd(make: Callable[[], Any], dtype: str, steps: int = STEPS) -> dict[str, np.ndarray]:
    params = {name: sd.from_numpy(a.copy()) for name, a in initial(dtype).items()}
    x, t = data(dtype)
    opt = make()
    for _ in range(steps):
        opt.update(params, sd_grads(params, x, t))
    return {name: p.numpy() for name, p in params.items()}


def run_torch(make: Callable[[Any], Any], dtype: str) -> dict[str, np.ndarray]:
    params = {n: torch.from_numpy(a.copy()).requires_grad_() for n, a in initial(dtype).items()}
    x, t = (torch.from_numpy(a) for a in data(dtype))
    opt = make(list(params.values()))
    for _ in range(STEPS):
        opt.zero_grad()
        sd_loss(params, x, t).backward()
        opt.step()
    return {name: p.detach().numpy() for name, p in params.items()}


CASES = [
    (Sgd, torch.optim.SGD, dict(lr=0.1)),
    (Sgd, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (Sgd, torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    (Sgd, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (Adam, torch.optim.Adam, dict(lr=0.01)),
    (Adam, torch.optim.Adam, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (Adam, torch.optim.Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, torch.optim.AdamW, dict(lr=0.01)),
    (AdamW, torch.optim.AdamW, dict(lr=0.03, weight_decay=0.5, amsgrad=True, betas=(0.5, 0.9))),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, centered=True)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.005, momentum=0.9, weight_decay=0.05)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.005, momentum=0.5, centered=True, eps=1e-4)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.2, lr_decay=0.05, weight_decay=0.1, eps=1e-6)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.05, initial_accumulator_value=0.5)),
    (Adadelta, torch.optim.Adadelta, dict(lr=1.0)),
    (Adadelta, torch.optim.Adadelta, dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    (Sgd, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (Sgd, torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=1.0)),
    (Sgd, torch.optim.SGD, dict(lr=0.05, weight_decay=0.3)),
    (Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    (Adam, torch.optim.Adam, dict(lr=0.05, betas=(0.0, 0.5))),
    (AdamW, torch.optim.AdamW, dict(lr=0.05, betas=(0.2, 0.7), eps=1e-3, weight_decay=0.0)),
    (
        RMSprop,
        torch.optim.RMSprop,
        dict(lr=0.01, alpha=0.5, centered=True, weight_decay=0.1, momentum=0.3),
    ),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.0)),
    (
        Adagrad,
        torch.optim.Adagrad,
        dict(lr=0.1, lr_decay=0.2, weight_decay=0.3, initial_accumulator_value=0.2),
    ),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "sd_cls, torch_cls, kwargs", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES]
)
def test_matches_torch_over_20_steps(
    sd_cls: Any, torch_cls: Any, kwargs: dict[str, Any], dtype: str
) -> None:
    got = run_sd(lambda: sd_cls(**kwargs), dtype)
    want = run_torch(lambda ps: torch_cls(ps, foreach=False, **kwargs), dtype)
    start = initial(dtype)
    for name in want:
        assert got[name].dtype == np.dtype(dtype)
        assert not np.allclose(want[name], start[name]), "the test must move the parameters"
        rtol, atol = TOL[dtype]["rtol"], TOL[dtype]["atol"]
        np.testing.assert_allclose(got[name], want[name], rtol=rtol, atol=atol, err_msg=name)


def run_both(
    sd_opt: Any,
    torch_opt: Any,
    dtype: str,
    steps: int,
    skipped: Callable[[int], set[str]],
    lr: Any,
    torch_lr: Any = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`steps` of both, leaving out of step `i` the parameters `skipped(i)` (torch: no `grad`)
    and setting the learning rate `lr(i)` before it (torch: its `param_groups`, `torch_lr(i)`
    if given); `sd_opt` is called with the step for the optimizer to use (so that a test can
    swap it)."""
    params = {name: sd.from_numpy(a.copy()) for name, a in initial(dtype).items()}
    tparams = {n: torch.from_numpy(a.copy()).requires_grad_() for n, a in initial(dtype).items()}
    x, t = data(dtype)
    topt = torch_opt(list(tparams.values()))
    for i in range(steps):
        opt = sd_opt(i)
        opt.set_lr(lr(i))
        for group in topt.param_groups:
            group["lr"] = (torch_lr or lr)(i)
        grads = sd_grads(params, x, t)
        topt.zero_grad(set_to_none=True)
        sd_loss(tparams, torch.from_numpy(x), torch.from_numpy(t)).backward()
        for name in skipped(i):
            tparams[name].grad = None
        opt.update({n: p for n, p in params.items() if n not in skipped(i)}, grads)
        topt.step()
    return {n: p.numpy() for n, p in params.items()}, {
        n: p.detach().numpy() for n, p in tparams.items()
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "sd_cls, torch_cls, kwargs", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES]
)
def test_skipped_parameters_and_changing_rates_match_torch(
    sd_cls: Any, torch_cls: Any, kwargs: dict[str, Any], dtype: str
) -> None:
    """A parameter left out of a step keeps its state and its step count (`b` in every third
    step, `w` in the first two), as torch skips a parameter whose `grad` is None; the rate
    halves every four steps, as a scheduler sets it."""
    opt = sd_cls(**kwargs)
    got, want = run_both(
        lambda i: opt,
        lambda ps: torch_cls(ps, foreach=False, **kwargs),
        dtype,
        STEPS,
        lambda i: {"b"} if i % 3 == 1 else {"w"} if i < 2 else set(),
        lambda i: kwargs["lr"] * 0.5 ** (i // 4),
    )
    for name in want:
        np.testing.assert_allclose(got[name], want[name], **TOL[dtype], err_msg=name)


@pytest.mark.parametrize(
    "sd_cls, torch_cls, kwargs", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES]
)
def test_state_dict_round_trip_mid_run_continues_as_torch(
    sd_cls: Any, torch_cls: Any, kwargs: dict[str, Any]
) -> None:
    """Every few steps the state goes through `state_dict()` into a new optimizer (made with
    other hyperparameters, which the state restores), which takes over; torch runs on."""
    opts = [sd_cls(**kwargs)]

    def swap(i: int) -> Any:
        if i in (3, 8, 9):
            fresh = sd_cls(lr=1.0)
            fresh.load_state_dict(opts[-1].state_dict())
            opts.append(fresh)
        return opts[-1]

    got, want = run_both(
        swap,
        lambda ps: torch_cls(ps, foreach=False, **kwargs),
        "float64",
        12,
        lambda i: {"v"} if i == 5 else set(),
        lambda i: kwargs["lr"],
    )
    for name in want:
        np.testing.assert_allclose(got[name], want[name], **TOL["float64"], err_msg=name)


# ---- a real model: an MLP through sd.nn, against the same MLP in torch.nn ---------------
MLP_CASES = [
    (Sgd, torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    (Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    (AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.003, momentum=0.5, centered=True)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1)),
    (Adadelta, torch.optim.Adadelta, dict(lr=1.0, weight_decay=1e-3)),
]


@pytest.mark.parametrize(
    "sd_cls, torch_cls, kwargs", MLP_CASES, ids=[c[0].__name__ for c in MLP_CASES]
)
def test_mlp_training_matches_torch(sd_cls: Any, torch_cls: Any, kwargs: dict[str, Any]) -> None:
    dev = sd.Cpu(seed=0)
    model = sd.nn.Sequential(
        sd.nn.Linear(4, 8, device=dev), sd.nn.Tanh(), sd.nn.Linear(8, 3, device=dev)
    )
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for name, p in twin.named_parameters():
            p.copy_(torch.from_numpy(model.parameters()[name].numpy()))
    x, y = np.random.default_rng(5).standard_normal((2, 16, 4)).astype(np.float32)
    y = y[:, :3]
    opt, torch_opt = sd_cls(**kwargs), torch_cls(twin.parameters(), foreach=False, **kwargs)
    for _ in range(STEPS):
        out = model(sd.from_numpy(x, device=dev).traced())
        opt.update(model, sd.losses.mse_loss(out, sd.from_numpy(y, device=dev)).backward())
        torch_opt.zero_grad()
        torch.nn.functional.mse_loss(twin(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        torch_opt.step()
    for name, p in twin.named_parameters():
        got = model.parameters()[name].numpy()
        np.testing.assert_allclose(got, p.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


# ---- validation ------------------------------------------------------------------------
INVALID = [
    (lambda: Sgd(lr=-1.0), "Sgd: invalid learning rate: -1.0 (lr must be a finite number >= 0)"),
    (lambda: Adam(lr=float("nan")), "Adam: invalid learning rate: nan (lr must be a finite"),
    (lambda: Adam(lr=np.float32("nan")), "Adam: invalid learning rate: nan (lr must be a finite"),
    (lambda: Sgd(lr=0.1, momentum=-0.5), "Sgd: invalid momentum: -0.5 (momentum must be"),
    (lambda: Sgd(lr=0.1, weight_decay=-1.0), "Sgd: invalid weight_decay value: -1.0 (weight_d"),
    (lambda: Sgd(lr=0.1, dampening=float("inf")), "Sgd: invalid dampening: inf (dampening must"),
    (lambda: Sgd(lr=0.1, nesterov=True), "Sgd: invalid nesterov (it requires momentum > 0"),
    (lambda: Sgd(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Sgd: invalid nesterov"),
    (lambda: Adam(betas=(1.0, 0.999)), "Adam: invalid beta parameter at index 0: 1.0 (each of"),
    (lambda: Adam(betas=(0.9, np.float32(-0.25))), "Adam: invalid beta parameter at index 1"),
    (lambda: AdamW(eps=-1e-8), "AdamW: invalid epsilon value: -1e-08 (eps must be a finite"),
    (lambda: AdamW(weight_decay=-0.1), "AdamW: invalid weight_decay value: -0.1"),
    (lambda: RMSprop(alpha=1.5), "RMSprop: invalid alpha value: 1.5 (alpha must be a number in"),
    (lambda: RMSprop(momentum=-1.0), "RMSprop: invalid momentum value: -1.0 (momentum must"),
    (lambda: RMSprop(eps=np.float64(-1.0)), "RMSprop: invalid epsilon value: -1.0 (eps must"),
    (lambda: Adagrad(lr_decay=-1.0), "Adagrad: invalid lr_decay value: -1.0 (lr_decay must"),
    (lambda: Adagrad(initial_accumulator_value=-0.1), "Adagrad: invalid initial_accumulator_valu"),
    (lambda: Adagrad(eps=-1.0), "Adagrad: invalid epsilon value: -1.0"),
    (lambda: AdamW().set_lr(np.float32(-1e-3)), "AdamW.set_lr: invalid learning rate: -0.0010"),
    (lambda: Sgd(lr=0.1).set_lr(float("inf")), "Sgd.set_lr: invalid learning rate: inf (lr must"),
    (lambda: Sgd(lr=0.1, missing="ignore"), "Sgd: invalid missing"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("make, message", INVALID, ids=[m for _, m in INVALID])
def test_invalid_hyperparameters(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        make()
    assert str(err.value).startswith(message)


def _cast(kwargs: dict[str, Any], to: Callable[[Any], Any]) -> dict[str, Any]:
    """`kwargs` with every number (not a bool) given to `to`."""

    def cast(v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(cast(x) for x in v)
        return v if isinstance(v, bool) else to(v)

    return {k: cast(v) for k, v in kwargs.items()}


@pytest.mark.parametrize(
    "sd_cls, torch_cls, kwargs", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES]
)
def test_numpy_scalar_hyperparameters_and_rates_are_taken_as_torch_takes_them(
    sd_cls: Any, torch_cls: Any, kwargs: dict[str, Any]
) -> None:
    """`Adam(lr=np.float32(...))` and `opt.set_lr(table[i])` (a rate from `np.linspace(...,
    dtype=np.float32)`) were refused as `invalid learning rate: 0.000549...`; torch takes
    them. Each is used as the Python float it holds (torch given those floats: its own
    arithmetic on NumPy scalars is float32's, and it refuses NumPy betas)."""
    rates = np.linspace(kwargs["lr"], kwargs["lr"] / 4, 8, dtype=np.float32)
    numpy_kwargs = _cast(kwargs, np.float32)
    opt = sd_cls(**numpy_kwargs)
    for h in opt.hyper:
        value = getattr(opt, h)
        assert all(type(v) is float for v in value) if h == "betas" else type(value) in (
            float, bool), h  # fmt: skip
    got, want = run_both(
        lambda i: opt,
        lambda ps: torch_cls(ps, foreach=False, **_cast(numpy_kwargs, float)),
        "float64",
        8,
        lambda i: set(),
        lambda i: rates[i],
        lambda i: float(rates[i]),
    )
    assert type(opt.lr) is float
    for name in want:
        np.testing.assert_allclose(got[name], want[name], **TOL["float64"], err_msg=name)


# ---- parameters and missing gradients --------------------------------------------------
class Model:
    def __init__(self, params: dict[str, sd.Tensor]) -> None:
        self._params = params

    def parameters(self) -> dict[str, sd.Tensor]:
        return self._params


def three_params() -> dict[str, sd.Tensor]:
    return {name: sd.from_numpy(np.full(2, i + 1.0, np.float32)) for i, name in enumerate("abc")}


def grads_of_a_only(params: dict[str, sd.Tensor]) -> sd.Gradients:
    return (params["a"].traced().square()).sum().backward()  # d/da = 2a


@pytest.mark.parametrize("form", ["model", "dict", "list"])
def test_updates_in_place_for_every_form(form: str) -> None:
    # NOTE: the first update moves the parameters' arrays into the optimizer's flat buffer
    # (the tensors stay the same); from then on every update is in place
    params = three_params()
    given = {"model": Model(params), "dict": params, "list": list(params.values())}[form]
    opt, before = Sgd(lr=0.1), dict(params)
    for step in range(2):
        data = {name: p.data for name, p in params.items()}
        traced = {name: p.traced() for name, p in params.items()}
        grads = (traced["a"] * traced["b"] * traced["c"]).sum().backward()
        opt.update(given, grads)  # type: ignore[arg-type]
        assert all(params[name] is p for name, p in before.items())
        if step == 0:
            np.testing.assert_allclose(params["a"].numpy(), 1 - 0.1 * 2 * 3)
            np.testing.assert_allclose(params["c"].numpy(), 3 - 0.1 * 1 * 2)
    assert all(p.data is data[name] for name, p in params.items())


def test_missing_gradient_is_an_error_naming_every_parameter() -> None:
    params = three_params()
    with pytest.raises(MissingGradientError, match=r"2 parameters: b, c") as err:
        Adam().update(Model(params), grads_of_a_only(params))
    assert "missing=" in str(err.value) and "buffer_fields" in str(err.value)
    np.testing.assert_array_equal(params["a"].numpy(), 1.0)  # nothing moved


def test_missing_gradient_warns_when_asked() -> None:
    params = three_params()
    with pytest.warns(MissingGradientWarning, match=r"b, c"):
        Sgd(lr=0.5, missing="warn").update(params, grads_of_a_only(params))
    np.testing.assert_allclose(params["a"].numpy(), 0.0)
    np.testing.assert_array_equal(params["b"].numpy(), 2.0)
    with pytest.warns(MissingGradientWarning):
        Sgd(lr=0.5).update(params, grads_of_a_only(params), missing="warn")
    with pytest.raises(MissingGradientError):
        Sgd(lr=0.5, missing="warn").update(params, grads_of_a_only(params), missing="error")


class Offsets(sd.nn.Module):
    """DLRM-style: a table of embeddings and an integer offsets attribute (a field, as
    PyTorch's `register_buffer`), which has no gradient."""

    def __init__(self) -> None:
        self.table = sd.nn.Embedding(10, 4)
        self.offsets = sd.tensor(np.array([0, 3, 7]))
        self.seen = sd.tensor(np.array([True, False, True]))

    def forward(self, ids: Any) -> Any:
        return self.table(ids + self.offsets)


@pytest.mark.parametrize("opt", [Sgd(lr=0.1), Adam(), AdamW(), RMSprop()], ids=type)
def test_an_integer_or_bool_tensor_of_a_module_is_a_buffer_that_optimizers_skip(opt) -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        torch.nn.Parameter(torch.tensor([0, 3, 7]))  # NOTE: PyTorch refuses one as a Parameter
    model = Offsets()
    assert list(model.parameters()) == ["table.weight"]
    assert list(model.state_dict()) == ["table.weight", "offsets", "seen"]
    before = model.table.weight.numpy().copy()
    grads = model(sd.tensor(np.array([1, 2, 1])).traced()).sum().backward()
    opt.update(model, grads)
    opt.update({"table.weight": model.table.weight, "offsets": model.offsets}, grads)
    assert not np.array_equal(model.table.weight.numpy(), before)
    assert model.offsets.tolist() == [0, 3, 7] and model.seen.tolist() == [True, False, True]


def test_a_tied_parameter_steps_once() -> None:
    w = sd.tensor([1.0, -2.0])
    grads = w.traced().square().sum().backward()
    Sgd(lr=0.1).update({"encoder.w": w, "decoder.w": w}, grads)
    np.testing.assert_allclose(w.numpy(), [0.8, -1.6])


def test_not_parameters_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="parameter 'x' is a ndarray"):
        Sgd(lr=0.1).update({"x": np.zeros(2)}, sd.Gradients())  # type: ignore[dict-item]


# ---- saving and resuming ---------------------------------------------------------------
RESUME = [
    lambda: Sgd(lr=0.05, momentum=0.9, nesterov=True),
    lambda: Adam(lr=0.02, amsgrad=True, weight_decay=0.01),
    lambda: AdamW(lr=0.02),
    lambda: RMSprop(lr=0.01, momentum=0.5, centered=True),
    lambda: Adagrad(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.3),
]


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("make", RESUME, ids=["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_save_load_then_continue_equals_uninterrupted(
    make: Callable[[], Any], suffix: str, tmp_path: Path
) -> None:
    want = run_sd(make, "float32", steps=20)
    x, t = data("float32")
    params = {name: sd.from_numpy(a.copy()) for name, a in initial("float32").items()}
    opt = make()
    for _ in range(10):
        opt.update(params, sd_grads(params, x, t))
    opt.save(tmp_path / f"opt{suffix}")
    saved = {name: p.numpy().copy() for name, p in params.items()}
    del opt, params

    params = {name: sd.from_numpy(a) for name, a in saved.items()}
    opt = make()
    opt.load(tmp_path / f"opt{suffix}")
    for _ in range(10):
        opt.update(params, sd_grads(params, x, t))
    for name in want:
        np.testing.assert_array_equal(params[name].numpy(), want[name], err_msg=name)


def test_load_restores_hyperparameters(tmp_path: Path) -> None:
    opt = Adam(lr=0.1, betas=(0.5, 0.6), amsgrad=True)
    params = three_params()
    a, b, c = (p.traced() for p in params.values())
    opt.update(params, (a * b * c).sum().backward())
    opt.lr = 0.01
    opt.save(tmp_path / "adam.safetensors")
    other = Adam()
    other.load(tmp_path / "adam.safetensors")
    assert (other.lr, other.betas, other.amsgrad) == (0.01, (0.5, 0.6), True)
    assert other.state["b"]["step"] == 1


def test_load_state_dict_lists_every_mismatch_and_leaves_the_optimizer() -> None:
    state = Adam(amsgrad=True).state_dict() | {
        "state.w.step": 3,
        "state.w.exp_avg": np.zeros(2, np.float32),
        "state.w.momentum_buffer": np.zeros(2, np.float32),
        "other": 1,
    }
    del state["hyper.eps"]
    opt = Adam(lr=0.5)
    with pytest.raises(CheckpointError) as err:
        opt.load_state_dict(state)
    message = str(err.value)
    assert "Adam state does not match" in message
    assert "missing: hyper.eps, state.w.exp_avg_sq, state.w.max_exp_avg_sq" in message
    assert "unexpected: state.w.momentum_buffer, other" in message
    assert (opt.lr, opt.amsgrad, opt.state) == (0.5, False, {})


@pytest.mark.parametrize("step", [-5, 2.5, np.nan, np.array([1, 2]), "3"])
def test_a_saved_step_count_that_is_none_is_refused_before_anything_changes(step: Any) -> None:
    state = {**Adam().state_dict(), "state.w.step": step}
    state |= {f"state.w.{s}": np.zeros(2, np.float32) for s in ("exp_avg", "exp_avg_sq")}
    opt = Adam(lr=0.5)
    message = r"Adam state does not match: not a step count \(an integer >= 0\): state.w.step"
    with pytest.raises(CheckpointError, match=message):
        opt.load_state_dict(state)
    assert (opt.lr, opt.state) == (0.5, {})
    opt.load_state_dict({**state, "state.w.step": np.int64(7)})  # NOTE: as a file gives it
    assert opt.state["w"]["step"] == 7


def test_loaded_state_of_the_wrong_shape_is_an_error() -> None:
    opt = Sgd(lr=0.1, momentum=0.9)
    opt.load_state_dict(
        {**opt.state_dict(), "state.w.step": 1, "state.w.momentum_buffer": np.zeros(3, np.float32)}
    )
    w = sd.tensor([1.0, 2.0])
    with pytest.raises(CheckpointError, match=r"'w' has shape \(3,\).*parameter has shape \(2,\)"):
        opt.update({"w": w}, w.traced().sum().backward())


def test_loaded_state_is_not_shared_with_its_source() -> None:
    w1, w2 = sd.tensor([1.0, 2.0]), sd.tensor([1.0, 2.0])
    first = Adam(lr=0.1)
    first.update({"w": w1}, w1.traced().square().sum().backward())
    saved = first.state_dict()
    kept = {k: np.array(v, copy=True) for k, v in saved.items()}
    second = Adam(lr=0.1)
    second.load_state_dict(saved)
    second.update({"w": w2}, w2.traced().square().sum().backward())
    for key, value in kept.items():
        np.testing.assert_array_equal(np.asarray(saved[key]), value, err_msg=key)


# ---- one optimizer, one model ------------------------------------------------------------
def _linear_grads(model: sd.nn.Module) -> sd.Gradients:
    return model(sd.ones((3, 4)).traced()).square().sum().backward()


def test_a_second_models_same_named_parameters_are_refused_before_any_step() -> None:
    """State is kept by name: G's and D's `weight` silently shared Adam's moments."""
    g, d = sd.nn.Linear(4, 4), sd.nn.Linear(4, 4)
    opt = Adam(lr=0.1)
    opt.update(g, _linear_grads(g))
    before = d.weight.numpy().copy()
    with pytest.raises(ValueError, match=r"Adam holds state for 'weight' of another tensor.*"
                       r"one Adam per model"):  # fmt: skip
        opt.update(d, _linear_grads(d))
    np.testing.assert_array_equal(d.weight.numpy(), before)
    assert opt.state["weight"]["step"] == 1


def test_a_second_models_parameter_of_another_shape_is_a_clear_error() -> None:
    actor, critic = sd.nn.Linear(4, 2), sd.nn.Linear(4, 1)
    opt = Adam(lr=0.1)
    opt.update(actor, _linear_grads(actor))
    with pytest.raises(ValueError, match=r"'weight' of shape \(2, 4\), this parameter is \(1, 4\)"):
        opt.update(critic, _linear_grads(critic))


class _Net(sd.nn.Module):
    def __init__(self) -> None:
        self.body = sd.nn.Linear(3, 4)
        self.head = sd.nn.Linear(4, 2)

    def forward(self, x: Any) -> Any:
        return self.head(self.body(x).tanh())


@pytest.mark.parametrize(
    "sd_cls, torch_cls, kwargs", MLP_CASES, ids=[c[0].__name__ for c in MLP_CASES]
)
def test_a_part_stepped_alone_then_with_the_model_keeps_its_state_as_torch(
    sd_cls: Any, torch_cls: Any, kwargs: dict[str, Any]
) -> None:
    """Freeze, then unfreeze: `update(net.head, ...)` names the head's tensors `weight`,
    `bias`, `update(net, ...)` names them `head.weight`, `head.bias`; their state (moments
    and step count) goes on, as torch's (keyed by the parameter) does when the body's
    parameters join with `add_param_group`, and a round trip through `state_dict` keeps it."""
    net, tnet = _Net(), torch.nn.Sequential()
    tnet.add_module("body", torch.nn.Linear(3, 4))
    tnet.add_module("tanh", torch.nn.Tanh())
    tnet.add_module("head", torch.nn.Linear(4, 2))
    tnet.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in net.state_dict().items()})
    opt, topt = sd_cls(**kwargs), torch_cls(tnet.head.parameters(), foreach=False, **kwargs)
    rng = np.random.default_rng(0)
    for step in range(6):
        x, y = rng.normal(size=(2, 5, 3)).astype(np.float32)
        y = y[:, :2]
        if step == 3:
            topt.add_param_group({"params": list(tnet.body.parameters())})
        if step == 4:  # NOTE: the moved state saves and loads under its new names
            again = sd_cls(**kwargs)
            again.load_state_dict(opt.state_dict())
            opt = again
        grads = sd.losses.mse_loss(net(sd.from_numpy(x).traced()), sd.from_numpy(y)).backward()
        opt.update(net.head if step < 3 else net, grads)
        topt.zero_grad()
        torch.nn.functional.mse_loss(tnet(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        topt.step()
    for name, p in tnet.named_parameters():
        got = net.parameters()[name].numpy()
        np.testing.assert_allclose(got, p.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    assert sorted(k for k in opt.state_dict() if k.endswith(".step")) == [
        f"state.{n}.step" for n in sorted(net.parameters())
    ]


def test_the_same_model_after_load_to_astype_and_a_copy_with_its_optimizer_steps_as_torch(
    tmp_path: Path,
) -> None:
    """What rebinds a parameter's array keeps the tensor (and its id), so its state."""
    import copy

    model = sd.nn.Linear(4, 2)
    net = torch.nn.Linear(4, 2)
    net.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    )
    opt, topt = Adam(lr=0.1), torch.optim.Adam(net.parameters(), lr=0.1)
    for i in range(4):
        if i == 1:
            model.save(tmp_path / "m.safetensors")
            model.load(tmp_path / "m.safetensors")
        if i == 2:
            model.to(sd.default_device()).astype(sd.f32)
        opt.update(model, _linear_grads(model))
        topt.zero_grad()
        net(torch.ones(3, 4)).square().sum().backward()
        topt.step()
    np.testing.assert_allclose(model.weight.numpy(), net.weight.detach().numpy(), rtol=1e-5)
    model2, opt2 = copy.deepcopy((model, opt))
    opt2.update(model2, _linear_grads(model2))  # NOTE: the copy steps the copied model
    fresh = sd.nn.Linear(4, 2)
    fresh.load_state_dict(model.state_dict())
    opt.load_state_dict(opt.state_dict())  # NOTE: what the error says to carry state over
    opt.update(fresh, _linear_grads(fresh))
    np.testing.assert_allclose(fresh.weight.numpy(), model2.weight.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: sd.optim.Sgd(lr=0.1, momentum=0.9), sd.optim.Adam])
def test_a_model_pickled_with_its_optimizer_trains_on_as_the_original(make: Any) -> None:
    # NOTE: after a first update the parameters are views of the optimizer's flat buffers,
    # which pickling does not keep: the copy's optimizer stepped a buffer its model no
    # longer read, and the copied model stopped training without a word
    import pickle

    x = sd.tensor(np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32))
    y = sd.ones((8, 1))

    def step(model: Any, opt: Any) -> None:
        opt.update(model, ((model(x.traced()) - y) ** 2).mean().backward())

    model, opt = sd.nn.Linear(3, 1), make()
    step(model, opt)
    step(model, opt)
    twin, twin_opt = pickle.loads(pickle.dumps((model, opt)))
    before = twin.weight.numpy().copy()
    for _ in range(2):
        step(model, opt)
        step(twin, twin_opt)
    assert not np.array_equal(twin.weight.numpy(), before)
    np.testing.assert_array_equal(twin.weight.numpy(), model.weight.numpy())
    np.testing.assert_array_equal(twin.bias.numpy(), model.bias.numpy())


_PARAMETER_FORMS: dict[str, Callable[[Any], Any]] = {
    "dict": lambda model: model.parameters(),
    "list": lambda model: list(model.parameters().values()),
    "generator": lambda model: (p for p in model.parameters().values()),
}


@pytest.mark.parametrize("name", ["Sgd", "Adam", "AdamW", "RMSprop", "Adagrad"])
@pytest.mark.parametrize("form", list(_PARAMETER_FORMS))
def test_pytorchs_parameters_first_says_shapedl_optimizers_take_none(name: str, form: str) -> None:
    theirs = torch.optim.SGD if name == "Sgd" else getattr(torch.optim, name)
    theirs(torch.nn.Linear(4, 2).parameters(), lr=0.1)  # PyTorch's spelling
    cls = getattr(sd.optim, name)
    model = sd.nn.Linear(4, 2)
    calls = [lambda: cls(_PARAMETER_FORMS[form](model))]
    if name != "Sgd":  # NOTE: Sgd's lr has no default: Python refuses `lr=` given twice
        calls.append(lambda: cls(_PARAMETER_FORMS[form](model), weight_decay=0.01))
    for call in calls:
        with pytest.raises(TypeError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"{name}: lr must be a number, not ")
        assert "take no parameters" in message
        assert f"sd.optim.{name}(lr=1e-3, ...), then opt.update(model, grads)" in message
        assert "Tensor" not in message and "array" not in message and "0." not in message
