"""The flat update (optim/flat.py): one step per dtype group whatever the parameter count,
against `torch.optim` when parameters come and go, are rebound, mix dtypes or are tied."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.optim import Adam, AdamW, RMSprop, Sgd

DTYPES = ["float32", "float64", "float32", "float64", "float32"]


def arrays(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (), (2, 3, 2), (5, 1)]
    return [rng.standard_normal(shapes[i % 5]).astype(DTYPES[i % 5]) for i in range(n)]


def sd_grads(params: list[sd.Tensor], which: list[int]) -> sd.Gradients:
    """Gradients of `sum(tanh(p) * (i + 1))` over the parameters `which`."""
    traced = [params[i].traced() for i in which]
    terms = zip(which, traced, strict=True)
    loss = sum((p.tanh() * float(i + 1)).sum().astype(sd.f64) for i, p in terms)
    return loss.backward()  # type: ignore[union-attr]


def torch_grads(params: list[torch.Tensor], which: list[int]) -> None:
    for p in params:
        p.grad = None
    sum((params[i].tanh() * float(i + 1)).sum().double() for i in which).backward()


def check(mine: list[sd.Tensor], theirs: list[torch.Tensor]) -> None:
    for i, (p, t) in enumerate(zip(mine, theirs, strict=True)):
        tol = dict(rtol=2e-5, atol=2e-6) if p.dtype is sd.f32 else dict(rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), err_msg=str(i), **tol)


CASES = [
    (Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.1)),
    (AdamW, torch.optim.AdamW, dict(lr=0.05, amsgrad=True)),
    (Sgd, torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
]


@pytest.mark.parametrize("sd_cls, torch_cls, kwargs", CASES, ids=[c[0].__name__ for c in CASES])
def test_parameters_that_skip_steps_match_torch(sd_cls: Any, torch_cls: Any, kwargs: Any) -> None:
    # some steps leave parameters out (their step counts then differ), as torch skips them
    start = arrays(7)
    mine = [sd.from_numpy(a.copy()) for a in start]
    theirs = [torch.from_numpy(a.copy()).requires_grad_() for a in start]
    opt = sd_cls(missing="warn", **kwargs)
    topt = torch_cls(theirs, foreach=False, **kwargs)
    for which in ([0, 1, 2, 3, 4, 5, 6], [0, 2, 4], [1, 2, 3, 4, 5, 6], list(range(7))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sd.optim.MissingGradientWarning)
            opt.update(mine, sd_grads(mine, which))
        torch_grads(theirs, which)
        topt.step()
        check(mine, theirs)


@pytest.mark.parametrize("n", [2, 15])
def test_one_step_per_dtype_group_whatever_the_parameter_count(n: int, monkeypatch: Any) -> None:
    calls: list[int] = []
    step = Adam._step
    monkeypatch.setattr(Adam, "_step", lambda self, xp, s, p, *a: calls.append(p.size) or step(
        self, xp, s, p, *a))  # fmt: skip
    params = [sd.from_numpy(a) for a in arrays(n)]
    opt = Adam(lr=0.1)
    for _ in range(3):
        opt.update(params, sd_grads(params, list(range(n))))
    sizes = {d: sum(p.data.size for p in params if str(p.data.dtype) == d) for d in DTYPES}
    assert sorted(calls) == sorted(3 * list(sizes.values()))


def test_parameters_rebound_between_steps_are_taken_up_again_like_torch() -> None:
    # what `model.load_state_dict` does: new arrays for the same tensors
    start, other = arrays(5), arrays(5, seed=1)
    mine = [sd.from_numpy(a.copy()) for a in start]
    theirs = [torch.from_numpy(a.copy()).requires_grad_() for a in start]
    opt, topt = Adam(lr=0.05), torch.optim.Adam(theirs, lr=0.05, foreach=False)
    for step in range(4):
        if step == 2:
            for p, t, a in zip(mine, theirs, other, strict=True):
                p.data = p.device.backend.asarray(a.copy())
                with torch.no_grad():
                    t.copy_(torch.from_numpy(a))
        opt.update(mine, sd_grads(mine, list(range(5))))
        torch_grads(theirs, list(range(5)))
        topt.step()
    check(mine, theirs)


def test_tied_parameters_stay_tied_and_step_once() -> None:
    a = arrays(1)[0]
    w = sd.from_numpy(a.copy())
    twin = sd.from_numpy(np.zeros(1, np.float32))
    twin.data = w.data  # NOTE: two tensors, one array (as a tied embedding and output layer)
    t = torch.from_numpy(a.copy()).requires_grad_()
    opt, topt = Sgd(lr=0.1, momentum=0.9), torch.optim.SGD([t], lr=0.1, momentum=0.9)
    for _ in range(3):
        with pytest.warns(sd.optim.MissingGradientWarning, match="twin"):
            opt.update({"w": w, "twin": twin}, sd_grads([w], [0]), missing="warn")
        torch_grads([t], [0])
        topt.step()
        assert twin.data is w.data
    check([w], [t])


def test_the_saved_state_is_the_same_after_the_flat_update(tmp_path: Any) -> None:
    # each parameter's state is saved by name, as before the flat update, and loads back
    params = [sd.from_numpy(a) for a in arrays(5)]
    opt = Adam(lr=0.1)
    for _ in range(2):
        opt.update(params, sd_grads(params, list(range(5))))
    state = opt.state_dict()
    assert {k for k in state if k.startswith("state.0.")} == {
        "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq"
    }  # fmt: skip
    assert all(state[f"state.{i}.exp_avg"].shape == p.shape for i, p in enumerate(params))
    opt.save(tmp_path / "opt.safetensors")
    again = Adam(lr=0.1)
    again.load(tmp_path / "opt.safetensors")
    for i in range(5):
        np.testing.assert_array_equal(
            again.state_dict()[f"state.{i}.exp_avg_sq"], state[f"state.{i}.exp_avg_sq"]
        )
