"""clip_grad_norm and clip_grad_value against `torch.nn.utils`, step for step with an
optimizer in between; skipped and tied parameters; validation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from optim.test_optimizers import STEPS, TOL, data, initial, sd_grads, sd_loss

import shapedl as sd
from shapedl.optim import Sgd, clip_grad_norm, clip_grad_value


def run(clip: str, arg: float, dtype: str, **kw: Any) -> tuple[dict[str, Any], list[float]]:
    """STEPS of SGD with clipping, in shapedl and torch: final parameters and returned norms."""
    params = {name: sd.from_numpy(a.copy()) for name, a in initial(dtype).items()}
    tparams = {n: torch.from_numpy(a.copy()).requires_grad_() for n, a in initial(dtype).items()}
    x, t = data(dtype)
    opt, topt = Sgd(lr=0.1), torch.optim.SGD(list(tparams.values()), lr=0.1)
    norms: list[float] = []
    for _ in range(STEPS):
        grads = sd_grads(params, x, t)
        topt.zero_grad()
        sd_loss(tparams, torch.from_numpy(x), torch.from_numpy(t)).backward()
        if clip == "norm":
            got = clip_grad_norm(params, grads, arg, **kw)
            want = torch.nn.utils.clip_grad_norm_(tparams.values(), arg, foreach=False, **kw)
            norms.append(got)
            np.testing.assert_allclose(got, float(want), **TOL[dtype])
        else:
            clip_grad_value(list(params.values()), grads, arg)
            torch.nn.utils.clip_grad_value_(tparams.values(), arg, foreach=False)
        for name, p in params.items():
            want_g = tparams[name].grad.numpy()
            np.testing.assert_allclose(grads[p].numpy(), want_g, **TOL[dtype], err_msg=name)
            assert grads[p].numpy().dtype == np.dtype(dtype)
        opt.update(params, grads)
        topt.step()
    for name, p in params.items():
        np.testing.assert_allclose(p.numpy(), tparams[name].detach().numpy(), **TOL[dtype])
    return params, norms


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "max_norm,norm_type",
    [(0.5, 2.0), (2.0, 1.0), (0.3, math.inf), (1e3, 2.0), (0.3, 3.0), (0.3, 0.5)],
)
def test_clip_grad_norm_matches_torch(max_norm, norm_type, dtype):
    _, norms = run("norm", max_norm, dtype, norm_type=norm_type)
    if max_norm < 1:
        assert max(norms) > max_norm, "the test must clip"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [0.0, -1.0, -2.5, -math.inf])
@pytest.mark.parametrize("zero", [True, False], ids=["a zero entry", "no zero"])
def test_clip_grad_norm_of_every_order_torch_takes(norm_type, zero, dtype):
    """torch's `vector_norm` orders: 0 counts the nonzero entries, -inf is the smallest
    magnitude, a negative order is 0 once any entry is 0."""
    first = 0.0 if zero else 0.2
    values = [np.array([[1.0, -2.0], [0.5, 3.0]], dtype), np.array([first, 4.0], dtype)]
    params = [sd.from_numpy(a.copy()) for a in values]
    grads = ((params[0].traced() ** 2).sum() + (params[1].traced() ** 2).sum()).backward()
    tparams = [torch.from_numpy(a.copy()).requires_grad_() for a in values]
    sum((p**2).sum() for p in tparams).backward()
    want = torch.nn.utils.clip_grad_norm_(tparams, 0.7, norm_type=norm_type, foreach=False)
    got = clip_grad_norm(params, grads, 0.7, norm_type=norm_type)
    np.testing.assert_allclose(got, float(want), **TOL[dtype])
    for p, t in zip(params, tparams, strict=True):
        np.testing.assert_allclose(grads[p].numpy(), t.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_value_matches_torch(dtype):
    run("value", 0.2, dtype)


def test_a_parameter_without_gradient_is_skipped_and_a_tied_one_counted_once():
    w, unused = sd.tensor([3.0, 4.0]), sd.tensor([1.0])
    grads = (w.traced() * sd.tensor([3.0, 4.0])).sum().backward()
    total = clip_grad_norm({"a": w, "tied": w, "unused": unused}, grads, 1.0)
    tw = torch.tensor([3.0, 4.0], requires_grad=True)
    (tw * torch.tensor([3.0, 4.0])).sum().backward()
    # NOTE: torch's model.parameters() lists a tied parameter once, as shapedl counts it
    want = torch.nn.utils.clip_grad_norm_([tw], 1.0)
    assert total == pytest.approx(float(want)) == 5.0
    np.testing.assert_allclose(grads[w].numpy(), tw.grad.numpy())
    assert unused not in grads


def test_shared_gradient_arrays_are_not_scaled_twice():
    # NOTE: `a + b` hands both operands the same gradient array
    a, b = sd.tensor([3.0]), sd.tensor([4.0])
    grads = (a.traced() + b.traced()).sum().backward()
    clip_grad_norm([a, b], grads, 0.5)
    ta, tb = torch.tensor([3.0], requires_grad=True), torch.tensor([4.0], requires_grad=True)
    (ta + tb).sum().backward()
    torch.nn.utils.clip_grad_norm_([ta, tb], 0.5)
    np.testing.assert_allclose(grads[a].numpy(), ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(grads[b].numpy(), tb.grad.numpy(), rtol=1e-6)


def test_nonfinite_norm_and_invalid_arguments():
    w = sd.tensor([1.0])
    grads = (w.traced() * float("inf")).sum().backward()
    with pytest.raises(ValueError, match=r"clip_grad_norm: the total norm of order 2.0 .* is inf"):
        clip_grad_norm([w], grads, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="invalid max_norm: -1.0"):
        clip_grad_norm([w], grads, -1.0)
    with pytest.raises(ValueError, match="invalid clip_value: -0.5"):
        clip_grad_value([w], grads, -0.5)


# NOTE: gradients whose squares overflow f16 (a norm of inf scaled every gradient to 0), and
# many small ones whose bf16 sum of squares stalls (a norm 8x too small, nothing clipped)
HALF_GRADS = {
    "float16": lambda rng: [rng.uniform(200, 400, (100,)), rng.uniform(-300, 300, (7, 3))],
    "bfloat16": lambda rng: [rng.uniform(0.005, 0.015, (20000,)), rng.uniform(-1, 1, (5,))],
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.0])
def test_clip_grad_norm_of_half_gradients_accumulates_in_f32_as_torch(dtype, norm_type):
    values = [v.astype(np.float32) for v in HALF_GRADS[dtype](np.random.default_rng(2))]
    sd_dtype = getattr(sd, {"float16": "f16", "bfloat16": "bf16"}[dtype])
    params = [sd.zeros(v.shape, dtype=sd_dtype) for v in values]
    consts = [sd.from_numpy(v).astype(sd_dtype) for v in values]
    grads = sum((p.traced() * c).sum() for p, c in zip(params, consts, strict=True)).backward()
    torch_dtype = getattr(torch, dtype)
    tparams = [torch.zeros(v.shape, dtype=torch_dtype, requires_grad=True) for v in values]
    for t, v in zip(tparams, values, strict=True):
        t.grad = torch.from_numpy(v).to(torch_dtype)
    max_norm = 0.5 * float(torch.nn.utils.get_total_norm([t.grad for t in tparams], norm_type))
    want = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type, foreach=False)
    got = clip_grad_norm(params, grads, max_norm, norm_type=norm_type)
    assert got == float(want)
    for p, t in zip(params, tparams, strict=True):
        assert grads[p].data.dtype == p.data.dtype
        clipped = t.grad.float().numpy()
        np.testing.assert_allclose(grads[p].numpy().astype(np.float32), clipped, rtol=8e-3)
