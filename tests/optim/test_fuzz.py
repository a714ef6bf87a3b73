"""Every optimizer with random options (every combination of its switches, rates, betas,
decays) against `torch.optim`, for a few steps of given gradients: zeros, ties, huge and tiny
values, a parameter whose gradient is zero for a step, and a learning rate changed between
steps (a schedule, as `fit`'s callbacks and torch's schedulers set it).

Gradients are fed exactly: shapedl's are those of `sum(p * G)`, torch's `p.grad = G`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import shapedl as sd
from shapedl.optim import Adadelta, Adagrad, Adam, AdamW, RMSprop, Sgd

TOL = {"float32": (2e-5, 1e-6), "float64": (1e-10, 1e-12)}
RATE = st.sampled_from([1e-3, 0.01, 0.1, 0.5])
DECAY = st.sampled_from([0.0, 0.0, 0.01, 0.3])
BETA = st.sampled_from([0.0, 0.5, 0.9, 0.999])


def _sgd(draw: st.DrawFn) -> dict[str, Any]:
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
    nesterov = momentum > 0 and draw(st.booleans())
    dampening = 0.0 if nesterov else draw(st.sampled_from([0.0, 0.3, 1.0]))
    return dict(
        lr=draw(RATE),
        momentum=momentum,
        dampening=dampening,
        weight_decay=draw(DECAY),
        nesterov=nesterov,
    )


def _adam(draw: st.DrawFn) -> dict[str, Any]:
    return dict(
        lr=draw(RATE),
        betas=(draw(BETA), draw(BETA)),
        eps=draw(st.sampled_from([1e-8, 1e-3])),
        weight_decay=draw(DECAY),
        amsgrad=draw(st.booleans()),
    )


def _rmsprop(draw: st.DrawFn) -> dict[str, Any]:
    centered = draw(st.booleans())
    # NOTE: centered with alpha 0 estimates the variance as g*g - g*g, which is 0 exactly, so
    # the step divides by the rounding residue of each library's g*g (fused or not): noise
    return dict(
        lr=draw(RATE),
        alpha=draw(st.sampled_from([0.5, 0.99] if centered else [0.0, 0.5, 0.99])),
        eps=draw(st.sampled_from([1e-8, 1e-3])),
        weight_decay=draw(DECAY),
        momentum=draw(st.sampled_from([0.0, 0.5, 0.9])),
        centered=centered,
    )


def _adagrad(draw: st.DrawFn) -> dict[str, Any]:
    return dict(
        lr=draw(RATE),
        lr_decay=draw(st.sampled_from([0.0, 0.1])),
        weight_decay=draw(DECAY),
        initial_accumulator_value=draw(st.sampled_from([0.0, 0.5])),
        eps=draw(st.sampled_from([1e-10, 1e-4])),
    )


def _adadelta(draw: st.DrawFn) -> dict[str, Any]:
    return dict(
        lr=draw(st.sampled_from([0.1, 0.5, 1.0])),
        rho=draw(st.sampled_from([0.0, 0.5, 0.9])),
        eps=draw(st.sampled_from([1e-6, 1e-3])),
        weight_decay=draw(DECAY),
    )


OPTIMIZERS = {
    "Sgd": (Sgd, torch.optim.SGD, _sgd),
    "Adam": (Adam, torch.optim.Adam, _adam),
    "AdamW": (AdamW, torch.optim.AdamW, _adam),
    "RMSprop": (RMSprop, torch.optim.RMSprop, _rmsprop),
    "Adagrad": (Adagrad, torch.optim.Adagrad, _adagrad),
    "Adadelta": (Adadelta, torch.optim.Adadelta, _adadelta),
}
GRADS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-30, -1e-20, 1e6, -3e4]),
    st.floats(-3, 3, width=32),
)


def test_every_optimizer_is_fuzzed():
    assert set(OPTIMIZERS) == set(sd.optim.__all__) & {
        name for name in sd.optim.__all__ if isinstance(getattr(sd.optim, name), type)
    } - {"MissingGradientError", "MissingGradientWarning", "Optimizer"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_optimizer_matches_torch(data):
    name = data.draw(st.sampled_from(sorted(OPTIMIZERS)))
    ours_cls, theirs_cls, options = OPTIMIZERS[name]
    kwargs = data.draw(st.composite(lambda draw: options(draw))())
    dtype = data.draw(st.sampled_from(["float32", "float64"]))
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    steps = data.draw(st.integers(1, 5))
    start = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2))).astype(dtype)
    grads = [
        data.draw(hnp.arrays(np.float64, shape, elements=GRADS)).astype(dtype) for _ in range(steps)
    ]
    rates = [kwargs["lr"] * data.draw(st.sampled_from([1.0, 1.0, 0.5, 0.1])) for _ in grads]

    p = sd.from_numpy(start.copy())
    ours = ours_cls(**kwargs)
    t = torch.from_numpy(start.copy()).requires_grad_()
    theirs = theirs_cls([t], foreach=False, **kwargs)
    for g, lr in zip(grads, rates, strict=True):
        ours.lr = lr
        ours.update([p], (p.traced() * sd.from_numpy(g)).sum().backward())
        theirs.param_groups[0]["lr"] = lr
        t.grad = torch.from_numpy(g.copy())
        theirs.step()
    rtol, atol = TOL[dtype]
    got, want = p.numpy(), t.detach().numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{name} {kwargs}")
