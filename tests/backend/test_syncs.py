"""A training step moves nothing between the device and the host behind the user's back
(issue 13).

On a GPU every value read on the host (`bool(a)`, `float(a)`, `int(a)`, `a.item()`,
`a.tolist()`, NumPy conversion) waits for the device and copies: a hidden one in the forward or
backward pass stalls the host every step. The backend here is NumPy whose arrays refuse all of
these while a step runs, as a transfer guard would on CUDA; ops and modules that kept such a
read would raise. The one read allowed is the bounds check of an indexing op
(`Backend.in_bounds`, issue 12: one fused reduction and one value per indexing op), counted.
The other way, host data made into a device array during a step (a mask, an `arange`, a
constant built on the host each time: a copy per step on CUDA) is noted too.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl import nn
from shapedl.backend.numpy import NumpyBackend

pytestmark = pytest.mark.cpu_only("the guarded backend is NumPy")

_guard = [False]


class HostRead(AssertionError):
    """A value went to the host while the guard was on."""


class OnDevice(np.ndarray):
    """An array that refuses to become a host value while guarded, as a CUDA array would sync."""

    def __array_wrap__(self, out: Any, context: Any = None, return_scalar: bool = False) -> Any:
        # NOTE: a full reduction stays a 0-d array, as CuPy's does, not a NumPy scalar
        return np.ndarray.__array_wrap__(self, out, context, False)

    def _refuse(self, how: str) -> None:
        if _guard[0]:
            raise HostRead(f"{how} of an array of shape {self.shape} during the step")

    def __bool__(self) -> bool:
        self._refuse("bool()")
        return bool(self.view(np.ndarray))

    def __float__(self) -> float:
        self._refuse("float()")
        return float(self.view(np.ndarray))

    def __int__(self) -> int:
        self._refuse("int()")
        return int(self.view(np.ndarray))

    def __index__(self) -> int:
        self._refuse("an index")
        return int(self.view(np.ndarray))

    def item(self, *args: Any) -> Any:
        self._refuse(".item()")
        return self.view(np.ndarray).item(*args)

    def tolist(self) -> Any:
        self._refuse(".tolist()")
        return self.view(np.ndarray).tolist()


def _on_device(value: Any) -> Any:
    return value.view(OnDevice) if isinstance(value, np.ndarray) else value


def _wrapped(fn: Callable[..., Any]) -> Callable[..., Any]:
    def made(*args: Any, **kwargs: Any) -> Any:
        return _on_device(fn(*args, **kwargs))

    return made


uploads: list[str] = []  # NOTE: host data made into device arrays while guarded


def _upload(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` (which makes an array of its first argument), noting host data given while guarded:
    a copy from the host to the device on CUDA."""

    def made(data: Any, *args: Any, **kwargs: Any) -> Any:
        if _guard[0] and not isinstance(data, OnDevice):
            uploads.append(f"{name} of a {type(data).__name__}")
        return _on_device(fn(data, *args, **kwargs))

    return made


def _device_xp() -> types.ModuleType:
    """NumPy whose functions that make arrays (not ufuncs: those keep the subclass) make them
    on the "device"."""
    xp = types.ModuleType("device_numpy")
    xp.__dict__.update(np.__dict__)
    for name, value in np.__dict__.items():
        if callable(value) and not isinstance(value, (np.ufunc, type)) and not name.startswith("_"):
            setattr(xp, name, _wrapped(value))
    for name in ("asarray", "array", "ascontiguousarray"):
        setattr(xp, name, _upload(f"xp.{name}", getattr(np, name)))
    return xp


class Guarded(NumpyBackend):
    """NumPy whose arrays refuse host reads during a step; counts the bounds checks."""

    name = "guarded"
    xp = _device_xp()
    reads_sync = True

    def __init__(self) -> None:
        self.checks = 0

    def asarray(self, data: Any, dtype: str | None = None) -> Any:
        if _guard[0] and not isinstance(data, OnDevice):
            uploads.append(f"Backend.asarray of a {type(data).__name__}")
        return np.asarray(data, dtype=dtype).view(OnDevice)

    def in_bounds(self, index: Any, low: int, high: int) -> bool:
        self.checks += 1
        with _unguarded():
            return super().in_bounds(index, low, high)


@contextlib.contextmanager
def _guarded() -> Iterator[None]:
    uploads.clear()
    _guard[0] = True
    try:
        yield
    finally:
        _guard[0] = False


@contextlib.contextmanager
def _unguarded() -> Iterator[None]:
    before, _guard[0] = _guard[0], False
    try:
        yield
    finally:
        _guard[0] = before


def test_the_guard_catches_a_read_so_the_tests_below_can_fail() -> None:
    dev = sd.Device(Guarded(), seed=0)
    x = sd.ones((3,), device=dev)
    assert isinstance(x.sum().data, OnDevice)
    with _guarded(), pytest.raises(HostRead, match=r"float\(\) of an array of shape \(\)"):
        float(x.sum().data)
    with _guarded(), pytest.raises(HostRead, match="bool"):
        bool((x > 0).all().data)
    with _guarded():
        sd.tensor([1.0, 2.0], device=dev)
        x.xp.arange(3)  # NOTE: made on the device: no copy
        assert uploads == ["Backend.asarray of a list"]


def _steps(dev: sd.Device) -> dict[str, Callable[[], Any]]:
    sd.set_default_device(dev)
    rng = np.random.default_rng(0)
    labels = sd.from_numpy(rng.integers(0, 10, 8))
    mlp = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 10))
    cnn = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * 4 * 4, 10),
    )  # fmt: skip
    tokens = sd.from_numpy(rng.integers(0, 20, (8, 6)))
    text = nn.Sequential(nn.Embedding(20, 16), nn.TransformerEncoderLayer(16, 2, 32))
    head = nn.Sequential(nn.LayerNorm(16), nn.GELU(), nn.Linear(16, 10))
    images = sd.from_numpy(rng.standard_normal((8, 1, 8, 8)).astype(np.float32))
    rows = sd.from_numpy(rng.standard_normal((8, 12)).astype(np.float32))
    ce = sd.losses.cross_entropy_with_logits_loss

    def step(model: Any, opt: Any, loss: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            value = loss()
            opt.update(model, value.backward())
            return value

        return run

    both = nn.Sequential(text, head)
    return {
        "mlp, Adam": step(mlp, sd.optim.Adam(), lambda: ce(mlp(rows.traced()), labels)),
        "cnn, Sgd momentum": step(
            cnn, sd.optim.Sgd(lr=0.1, momentum=0.9), lambda: ce(cnn(images.traced()), labels)
        ),
        "transformer, AdamW": step(
            both,
            sd.optim.AdamW(),
            lambda: ce(head(text(tokens.traced())).mean(1), labels),
        ),
    }


@pytest.mark.parametrize("case", ["mlp, Adam", "cnn, Sgd momentum", "transformer, AdamW"])
def test_a_training_step_reads_nothing_on_the_host(case: str) -> None:
    backend = Guarded()
    before = sd.default_device()
    try:
        run = _steps(sd.Device(backend, seed=0))[case]
        run()  # NOTE: the first step makes the optimizer's state
        backend.checks = 0
        with _guarded():
            loss = run()
    finally:
        sd.set_default_device(before)
    assert np.isfinite(loss.data.view(np.ndarray))
    assert uploads == []  # NOTE: no mask, arange or constant copied from the host each step
    # NOTE: the reads a step may make: the loss's check of its targets, the embedding's
    assert backend.checks == (2 if case.startswith("transformer") else 1)


POOLS = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
]


@pytest.mark.parametrize("options", POOLS, ids=str)
def test_max_pool_without_reads_keeps_torchs_rule(options: dict[str, Any]) -> None:
    """On a backend whose reads sync, max_pool2d takes PyTorch's rule on the device: the
    last NaN of a window wins, ties go to the first, a window of -inf to its first real cell."""
    import torch

    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (2, 3, 7, 6)).astype(np.float32)  # NOTE: many ties
    x[0, 0, 0, 1] = x[0, 0, 3, 3] = x[1, 2, 4, 4] = np.nan
    x[0, 1] = -np.inf
    x[1, 0, :3, :3] = -np.inf
    g = rng.standard_normal(tuple(torch.nn.functional.max_pool2d(
        torch.from_numpy(x), **options).shape)).astype(np.float32)  # fmt: skip
    tx = torch.from_numpy(x).requires_grad_()
    want = torch.nn.functional.max_pool2d(tx, **options)
    want.backward(torch.from_numpy(g))
    dev = sd.Device(Guarded(), seed=0)
    sx = sd.from_numpy(x, device=dev)
    with _guarded():
        out = sd.ops.max_pool2d(sx.traced(), **options)
        grads = (out * sd.from_numpy(g, device=dev)).sum().backward()
    np.testing.assert_array_equal(out.data.view(np.ndarray), want.detach().numpy())
    assert tx.grad is not None
    # NOTE: overlapping windows add their gradients in another order than PyTorch's
    np.testing.assert_allclose(grads[sx].data.view(np.ndarray), tx.grad.numpy(), rtol=1e-6)


def _floats(rng: np.random.Generator, *shape: int) -> Any:
    return sd.from_numpy(rng.standard_normal(shape).astype(np.float32))


# NOTE: losses of the layers and ops a model is made of, beyond the steps above
PARTS: dict[str, Callable[[np.random.Generator], Any]] = {
    "LSTM": lambda r: nn.LSTM(4, 8)(_floats(r, 2, 5, 4).traced())[0].square().mean(),
    "bidirectional GRU": lambda r: nn.GRU(4, 8, bidirectional=True)(_floats(r, 2, 5, 4).traced())[
        0
    ].mean(),
    "GroupNorm": lambda r: nn.GroupNorm(2, 4)(_floats(r, 2, 4, 5, 5).traced()).square().mean(),
    "bilinear interpolate": lambda r: sd.ops.interpolate(
        _floats(r, 2, 3, 4, 4).traced(), scale_factor=2, mode="bilinear"
    ).mean(),
    "nearest Upsample": lambda r: nn.Upsample(scale_factor=2)(
        _floats(r, 1, 2, 3, 3).traced()
    ).sum(),
    "adaptive pools": lambda r: (
        nn.AdaptiveAvgPool2d(3)(_floats(r, 2, 3, 7, 7).traced()).sum()
        + nn.AdaptiveMaxPool2d(3)(_floats(r, 2, 3, 7, 7).traced()).sum()
    ),
    "ConvTranspose2d": lambda r: nn.ConvTranspose2d(3, 2, 3, stride=2)(
        _floats(r, 1, 3, 4, 4).traced()
    ).sum(),
    "Transformer": lambda r: nn.Transformer(8, 2, 1, 1, 16)(
        _floats(r, 2, 5, 8).traced(), _floats(r, 2, 4, 8)
    ).sum(),
    "cross-entropy, weight and ignore_index": lambda r: sd.losses.cross_entropy_with_logits_loss(
        _floats(r, 4, 3).traced(),
        sd.from_numpy(np.array([0, 1, 2, 1])),
        weight=_floats(r, 3).abs(),
        ignore_index=1,
    ),
    "other losses": lambda r: (
        sd.losses.mse_loss(_floats(r, 4, 3).traced(), _floats(r, 4, 3))
        + sd.losses.huber_loss(_floats(r, 4, 3).traced(), _floats(r, 4, 3))
        + sd.losses.kl_div_with_logits_loss(_floats(r, 4, 3).traced(), _floats(r, 4, 3).softmax(-1))
    ),
    "sort and topk": lambda r: (
        _floats(r, 3, 5).traced().sort(-1)[0].sum() + _floats(r, 3, 5).traced().topk(2)[0].sum()
    ),
}


@pytest.mark.parametrize("part", list(PARTS))
def test_layers_and_losses_read_nothing_on_the_host(part: str) -> None:
    before = sd.default_device()
    sd.set_default_device(sd.Device(Guarded(), seed=0))
    try:
        PARTS[part](np.random.default_rng(0))  # NOTE: unguarded: lazily made state
        with _guarded():
            grads = PARTS[part](np.random.default_rng(0)).backward()
    finally:
        sd.set_default_device(before)
    assert len(grads) > 0
