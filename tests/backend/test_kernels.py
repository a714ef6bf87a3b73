"""The ops' fused-kernel paths (`backend/kernels.py`, CUDA) on the CPU, against PyTorch.

No GPU here: the backend is NumPy with a stand-in for CuPy's `ElementwiseKernel` that checks
each call against the kernel's declared parameters (how many, which are raw, which are outputs)
and computes what the kernel's body says, in NumPy (the pooling bodies line by line). What this
proves is the ops' side: which arrays and sizes they pass, in which order, what they allocate
and read back, and the fallback to the formula when a kernel does not compile. The kernels'
C bodies themselves run under `pytest --device cuda` (scripts/device_check.sh), where every op
test of tests/ops compares them with PyTorch.
"""

from __future__ import annotations

import math
import types
import warnings
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import shapedl as sd
from shapedl.backend import kernels
from shapedl.backend.numpy import NumpyBackend

pytestmark = pytest.mark.cpu_only("the stand-in for CuPy is NumPy")

calls: list[str] = []
broken: set[str] = set()


def _params(text: str) -> list[tuple[str, str, bool]]:
    """`"raw T x, int32 H"` as `[(type, name, raw), ...]`."""
    out = []
    for p in text.split(","):
        words = p.split()
        out.append((words[-2], words[-1], words[0] == "raw"))
    return out


def _relu_grad(g: Any, x: Any) -> Any:
    return np.where(x <= 0, 0, g).astype(g.dtype)


def _gelu_tanh(a: Any) -> Any:
    t = np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a * a * a))
    return (0.5 * a * (1 + t)).astype(a.dtype)


def _gelu_tanh_grad(g: Any, a: Any) -> Any:
    c = math.sqrt(2 / math.pi)
    t = np.tanh(c * (a + 0.044715 * a * a * a))
    return (g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * c * (1 + 3 * 0.044715 * a * a))).astype(
        g.dtype
    )


def _erf(a: Any) -> Any:
    return np.vectorize(math.erf)(a.astype(np.float64))


def _gelu_erf(a: Any) -> Any:
    return (a * 0.5 * (1 + _erf(a * math.sqrt(0.5)))).astype(a.dtype)


def _gelu_erf_grad(g: Any, a: Any) -> Any:
    cdf = 0.5 * (1 + _erf(a * math.sqrt(0.5)))
    return (g * (cdf + a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi))).astype(g.dtype)


def _max_pool2d(x: Any, *sizes: int) -> tuple[Any, Any]:
    h_, w_, ho, wo, kh_, kw_, sh, sw, ph, pw = sizes
    flat = x.reshape(-1)
    n = flat.size // (h_ * w_) * ho * wo
    y, best = np.empty(n, x.dtype), np.empty(n, np.int32)
    for i in range(n):  # NOTE: the kernel's body, line by line
        nc, r = divmod(i, ho * wo)
        oh, ow = divmod(r, wo)
        found, m, b = False, 0.0, 0
        for kh in range(kh_):
            h = oh * sh - ph + kh
            if not 0 <= h < h_:
                continue
            for kw in range(kw_):
                w = ow * sw - pw + kw
                if not 0 <= w < w_:
                    continue
                v = flat[nc * h_ * w_ + h * w_ + w]
                if not found or v > m or math.isnan(v):
                    m, b, found = v, kh * kw_ + kw, True
        y[i], best[i] = m, b
    return y, best


def _max_pool2d_grad(g: Any, best: Any, *sizes: int) -> Any:
    h_, w_, ho, wo, kh_, kw_, sh, sw, ph, pw = sizes
    gf, bf = g.reshape(-1), best.reshape(-1)
    n = gf.size // (ho * wo) * h_ * w_
    dx = np.empty(n, g.dtype)
    for i in range(n):
        nc, r = divmod(i, h_ * w_)
        hp, wp = r // w_ + ph, r % w_ + pw
        acc = 0.0
        for oh in range(0 if hp < kh_ else (hp - kh_) // sh + 1, min(hp // sh + 1, ho)):
            for ow in range(0 if wp < kw_ else (wp - kw_) // sw + 1, min(wp // sw + 1, wo)):
                o = nc * ho * wo + oh * wo + ow
                if bf[o] == (hp - oh * sh) * kw_ + (wp - ow * sw):
                    acc += gf[o]
        dx[i] = acc
    return dx


def _adam(g: Any, step: float, b1c: float, b2: float, b2c: float, bc2: float, eps: float,
          l2: float, decay: float, p: Any, m: Any, v: Any) -> None:  # fmt: skip
    gg = g + p * l2 if l2 else g
    p *= decay
    m += (gg - m) * b1c
    v[...] = v * b2 + gg * gg * b2c
    p -= m / (np.sqrt(v) / bc2 + eps) * step


def _ln_sqdev(a: Any, s1: Any, n: float) -> Any:
    return (a - s1 / n) ** 2


def _rstd(s2: Any, n: float, eps: float) -> Any:
    return 1 / np.sqrt(s2 / n + eps)


def _ln_forward(a: Any, s1: Any, s2: Any, w: Any, b: Any, n: float, eps: float) -> Any:
    return (a - s1 / n) * _rstd(s2, n, eps) * w + b


def _ln_grad_parts(g: Any, a: Any, s1: Any, s2: Any, w: Any, n: float, eps: float) -> Any:
    xh = (a - s1 / n) * _rstd(s2, n, eps)
    return g * w, g * w * xh, g * xh


def _ln_grad_input(gy: Any, a: Any, s1: Any, s2: Any, gsum: Any, proj: Any, n: float,
                   eps: float) -> Any:  # fmt: skip
    rstd = _rstd(s2, n, eps)
    return rstd * (gy - (a - s1 / n) * rstd * (proj / n) - gsum / n)


BODIES = {
    "ln_sqdev": _ln_sqdev,
    "ln_forward": _ln_forward,
    "ln_grad_parts": _ln_grad_parts,
    "ln_grad_input": _ln_grad_input,
    "relu_grad": _relu_grad,
    "gelu_tanh": _gelu_tanh,
    "gelu_tanh_grad": _gelu_tanh_grad,
    "gelu_erf": _gelu_erf,
    "gelu_erf_grad": _gelu_erf_grad,
    "max_pool2d": _max_pool2d,
    "max_pool2d_grad": _max_pool2d_grad,
    "adam": _adam,
}


class StandIn:
    """CuPy's `ElementwiseKernel(in_params, out_params, operation, name)`, in NumPy."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str) -> None:
        self.inputs, self.outputs = _params(in_params), _params(out_params)
        self.key = name.removeprefix("shapedl_")
        assert operation.strip() and self.key in BODIES

    def __call__(self, *args: Any) -> Any:
        if self.key in broken:
            raise RuntimeError("CompileException: stand-in")
        calls.append(self.key)
        n = len(self.inputs)
        params = self.inputs + self.outputs
        assert len(args) in (n, len(params)), f"{self.key}: {len(args)} arguments"
        arrays = [a for a, (t, _, _) in zip(args, params, strict=False) if t == "T"]
        assert len({a.dtype for a in arrays if hasattr(a, "dtype")}) == 1, "one T"
        for a, (t, name, raw) in zip(args, params, strict=False):
            if t == "int32" and not raw:
                assert isinstance(a, int) or a.dtype == np.int32, f"{self.key}: {name} int32"
            if raw:
                assert a.flags.c_contiguous, f"{self.key}: raw {name} must be C-contiguous"
        ins, outs = args[:n], args[n:]
        if self.key == "adam":
            _adam(*ins, *outs)
            return outs  # NOTE: CuPy returns the outputs: one array, or a tuple of them
        got = BODIES[self.key](*ins)
        if not outs:  # NOTE: CuPy allocates the outputs, in the inputs' broadcast shape
            got = got if isinstance(got, tuple) else (got,)
            got = tuple(v.astype(arrays[0].dtype) for v in got)
            return got[0] if len(got) == 1 else got
        for out, value in zip(outs, got if isinstance(got, tuple) else (got,), strict=True):
            assert out.flags.c_contiguous
            out[...] = value.reshape(out.shape)
        return outs[0] if len(outs) == 1 else outs


def _stand_in_xp() -> types.ModuleType:
    xp = types.ModuleType("stand_in_cupy")
    xp.__dict__.update(np.__dict__)
    xp.ElementwiseKernel = StandIn  # type: ignore[attr-defined]
    return xp


class StandInBackend(NumpyBackend):
    name = "stand-in cupy"
    xp = _stand_in_xp()


@pytest.fixture
def dev() -> Any:
    kernels._KERNELS.clear()
    calls.clear()
    broken.clear()
    yield sd.Device(StandInBackend(), seed=0)
    kernels._KERNELS.clear()


def _randn(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _check(dev: Any, arrays: list[np.ndarray], ours: Any, theirs: Any) -> None:
    xs = [sd.from_numpy(a, device=dev) for a in arrays]
    traced = [x.traced() for x in xs]
    out = ours(*traced)
    w = _randn(*out.shape, seed=9)
    grads = (out * sd.from_numpy(w, device=dev)).sum().backward()
    ts = [torch.from_numpy(a).requires_grad_() for a in arrays]
    tout = theirs(*ts)
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(grads[x].numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_relu_and_gelu_take_their_kernels_and_match_torch(dev: Any) -> None:
    x = _randn(4, 5)
    x[0, :3] = [0.0, np.nan, -np.inf]
    _check(dev, [x], lambda a: a.relu(), torch.relu)
    assert calls == ["relu_grad"]
    for approximate in ("none", "tanh"):
        calls.clear()
        _check(dev, [_randn(3, 4)], lambda a, ap=approximate: sd.ops.gelu(a, approximate=ap),
               lambda t, ap=approximate: F.gelu(t, approximate=ap))  # fmt: skip
        form = "tanh" if approximate == "tanh" else "erf"
        assert calls == [f"gelu_{form}", f"gelu_{form}_grad"]


def test_layer_norm_takes_its_kernels_and_matches_torch(dev: Any) -> None:
    x, w, b = _randn(2, 3, 8), _randn(8, seed=1), _randn(8, seed=2)
    x[1, 2] = 5.0  # NOTE: a row with no spread: only eps keeps it finite
    _check(dev, [x, w, b], lambda a, w, b: sd.ops.layer_norm(a, (8,), w, b),
           lambda a, w, b: F.layer_norm(a, (8,), w, b))  # fmt: skip
    assert calls == ["ln_sqdev", "ln_forward", "ln_grad_parts", "ln_grad_input"]
    calls.clear()
    _check(dev, [x], lambda a: sd.ops.layer_norm(a, (3, 8)), lambda a: F.layer_norm(a, (3, 8)))
    assert calls == []  # NOTE: without a weight and a bias, the formula


@pytest.mark.parametrize(
    "kernel,stride,padding,ceil",
    [(2, None, 0, False), (3, 1, 1, False), ((3, 2), (2, 1), (1, 0), True), (3, 2, 1, True)],
)
def test_max_pool_takes_its_kernels_and_matches_torch(dev: Any, kernel, stride, padding, ceil):
    x = _randn(2, 3, 7, 6)
    x[0, 0, 1, 1], x[1, 2, 0] = np.nan, -np.inf
    x[1, 1] = np.round(x[1, 1])  # NOTE: ties: the first maximum of a window wins
    _check(dev, [x], lambda a: sd.ops.max_pool2d(a, kernel, stride, padding, ceil),
           lambda t: F.max_pool2d(t, kernel, stride, padding, ceil_mode=ceil))  # fmt: skip
    assert calls == ["max_pool2d", "max_pool2d_grad"]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_takes_one_kernel_per_step_and_matches_torch(dev: Any, name: str) -> None:
    arrays = [_randn(4, 3), _randn(3, seed=1)]
    mine = [sd.from_numpy(a.copy(), device=dev) for a in arrays]
    theirs = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    opt = getattr(sd.optim, name)(lr=0.1, weight_decay=0.1)
    topt = getattr(torch.optim, name)(theirs, lr=0.1, weight_decay=0.1, foreach=False)
    for step in range(3):
        grads = [_randn(*a.shape, seed=10 + step) for a in arrays]
        loss = sum(((p.traced() * sd.from_numpy(g, device=dev)).sum() for p, g in
                    zip(mine, grads, strict=True)), sd.tensor(0.0, device=dev))  # fmt: skip
        opt.update(mine, loss.backward())
        for t, g in zip(theirs, grads, strict=True):
            t.grad = torch.from_numpy(g)
        topt.step()
    assert calls.count("adam") == 3
    for p, t in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_a_kernel_that_does_not_compile_warns_once_and_the_formula_runs(dev: Any) -> None:
    broken.add("max_pool2d")
    x = _randn(1, 2, 4, 4)
    with pytest.warns(kernels.FusedKernelWarning, match="max_pool2d did not compile"):
        _check(dev, [x], lambda a: sd.ops.max_pool2d(a, 2), lambda t: F.max_pool2d(t, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check(dev, [x], lambda a: sd.ops.max_pool2d(a, 2), lambda t: F.max_pool2d(t, 2))
    assert "max_pool2d" not in calls


def test_only_float32_and_float64_of_one_dtype_get_kernels(dev: Any) -> None:
    xp = dev.xp
    f32, f16 = np.zeros(2, np.float32), np.zeros(2, np.float16)
    assert kernels.get(xp, "relu_grad", f32, f32) is not None
    assert kernels.get(xp, "relu_grad", f32.astype(np.float64), f32.astype(np.float64))
    assert kernels.get(xp, "relu_grad", f16, f16) is None
    assert kernels.get(xp, "relu_grad", f32, f32.astype(np.float64)) is None
    assert kernels.get(np, "relu_grad", f32, f32) is None
    x = sd.from_numpy(f16 + 1, device=dev).traced()
    grads = sd.ops.relu(x).sum().backward()
    assert grads[x].numpy().dtype == np.float16 and calls == []
    # NOTE: gelu of f16 runs in f32 (as PyTorch's), so it takes the f32 kernel
    assert sd.ops.gelu(x).numpy().dtype == np.float16 and calls == ["gelu_erf"]
