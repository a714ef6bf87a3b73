"""Convolutions through cuDNN's frontend (`backend/cudnn.py`): what shapedl asks of it, on the
CPU through a stand-in that computes with PyTorch (`fake_cudnn.py`), and the real library on a
GPU where it is installed.

Against PyTorch's convolutions, values and gradients: forward, both gradients and the
transposed convolution, with stride, asymmetric ("same") padding, dilation and groups; each
graph built once; float32 kept off TF32 engines unless the device allows them; the CuPy path,
with a warning, where the frontend is missing or refuses a graph.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.backend import cudnn
from shapedl.backend.cupy import cuda_available
from shapedl.backend.numpy import NumpyBackend
from tests.backend import fake_cudnn

F = torch.nn.functional

stand_in = pytest.mark.cpu_only("the stand-in frontend runs on NumPy arrays")

# (op, input, weight, options): each a case the passes map differently to cuDNN's parameters
CASES: list[tuple[str, tuple[int, ...], tuple[int, ...], dict[str, Any]]] = [
    ("conv2d", (2, 3, 9, 8), (4, 3, 3, 3), {"padding": 1}),
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 2), {"stride": (2, 1), "dilation": (1, 2), "groups": 2}),
    ("conv2d", (1, 2, 7, 7), (3, 2, 4, 4), {"padding": "same"}),  # NOTE: pads 1 before, 2 after
    ("conv1d", (2, 3, 11), (5, 3, 3), {"stride": 2, "padding": 2}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), {"stride": 2, "padding": 1}),
    (
        "conv_transpose2d",
        (1, 4, 4, 5),
        (4, 1, 2, 2),
        {"stride": 2, "output_padding": 1, "groups": 2},
    ),  # noqa: E501
]


def _ids(case: tuple[str, tuple[int, ...], tuple[int, ...], dict[str, Any]]) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}-{case[3]}"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[fake_cudnn.Frontend]:
    """The CPU's convolutions routed through `Convolutions` over the stand-in frontend."""
    frontend = fake_cudnn.Frontend()
    convs = cudnn.Convolutions(frontend, np, contextlib.nullcontext(), False, lambda: 7)
    monkeypatch.setattr(NumpyBackend, "convolutions", lambda self: convs)
    yield frontend


def _torch(op: str, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, o: dict[str, Any]) -> Any:
    return getattr(F, op)(x, w, b, **o)


def _check(case: tuple[str, tuple[int, ...], tuple[int, ...], dict[str, Any]]) -> None:
    op, xs, ws, options = case
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    channels = ws[0] if op != "conv_transpose2d" else ws[1] * options.get("groups", 1)
    b = rng.standard_normal(channels).astype(np.float32)
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    want = _torch(op, tx, tw, tb, options)
    dy = rng.standard_normal(tuple(want.shape)).astype(np.float32)
    want.backward(torch.from_numpy(dy))

    sx, sw, sb = (sd.from_numpy(a) for a in (x, w, b))
    out = getattr(sd.ops, op)(sx.traced(), sw, sb, **options)
    grads = (out * sd.from_numpy(dy)).sum().backward()
    np.testing.assert_allclose(out.numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-4)
    for t, tt in ((sx, tx), (sw, tw), (sb, tb)):
        assert tt.grad is not None
        np.testing.assert_allclose(grads[t].numpy(), tt.grad.numpy(), rtol=1e-4, atol=1e-4)


@stand_in
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_the_passes_through_the_frontend_match_torch(
    fake: fake_cudnn.Frontend, case: tuple[str, tuple[int, ...], tuple[int, ...], dict[str, Any]]
) -> None:
    _check(case)
    assert sum(fake.executed.values()) == 3  # NOTE: forward and both gradients, none on im2col
    assert fake.streams == [7, 7, 7]  # NOTE: each on the current stream


@stand_in
def test_a_graph_is_built_once_per_pass_and_geometry(fake: fake_cudnn.Frontend) -> None:
    for _ in range(3):
        _check(CASES[0])
    assert fake.built == {"conv_fprop": 1, "conv_dgrad": 1, "conv_wgrad": 1}
    assert sum(fake.executed.values()) == 9
    _check(CASES[1])  # NOTE: another geometry, three more graphs
    assert sum(fake.built.values()) == 6


@stand_in
def test_float32_leaves_out_tf32_engines_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    for allow, left_out in ((False, 3 * 2), (True, 0)):
        frontend = fake_cudnn.Frontend()
        convs = cudnn.Convolutions(frontend, np, contextlib.nullcontext(), allow, lambda: 0)
        monkeypatch.setattr(NumpyBackend, "convolutions", lambda self, c=convs: c)
        _check(CASES[0])
        assert len(frontend.deselected) == left_out
        assert set(frontend.deselected) <= {
            fake_cudnn.numerical_note.TENSOR_CORE,
            fake_cudnn.numerical_note.DOWN_CONVERT_INPUTS,
        }


@stand_in
def test_other_dtypes_take_the_cupy_path(fake: fake_cudnn.Frontend) -> None:
    x, w = sd.randn((1, 2, 5, 5), dtype=sd.f64), sd.randn((3, 2, 3, 3), dtype=sd.f64)
    tx, tw = (torch.from_numpy(t.numpy()) for t in (x, w))
    np.testing.assert_allclose(sd.ops.conv2d(x, w).numpy(), F.conv2d(tx, tw).numpy())
    assert not fake.built and not fake.executed


@stand_in
@pytest.mark.parametrize("step", ["check_support", "build_plans", "execute"])
def test_a_refused_graph_warns_and_the_cupy_path_gives_the_answer(
    monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    frontend = fake_cudnn.Frontend(fail=step)
    convs = cudnn.Convolutions(frontend, np, contextlib.nullcontext(), False, lambda: 0)
    monkeypatch.setattr(NumpyBackend, "convolutions", lambda self: convs)
    refused = r"cuDNN could not run conv_fprop of \(2, 3, 9, 8\)"
    with pytest.warns(cudnn.CudnnWarning, match=refused):
        _check(CASES[0])
    assert not frontend.executed
    with warnings_as_errors():  # NOTE: refused once, never asked again
        _check(CASES[0])
    assert list(convs.graphs.values()) == [None, None, None]


@stand_in
def test_without_the_frontend_a_warning_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cudnn.frontend.cache_clear()
    monkeypatch.setitem(sys.modules, "cudnn", None)  # NOTE: `import cudnn` raises ImportError
    try:
        with pytest.warns(cudnn.CudnnWarning, match="pip install --no-deps nvidia-cudnn-frontend"):
            assert cudnn.frontend() is None
        assert cudnn.frontend() is None  # NOTE: once: the answer is kept
        cudnn.frontend.cache_clear()
        monkeypatch.setenv("SHAPEDL_CUDNN", "0")
        with warnings_as_errors():
            assert cudnn.frontend() is None
    finally:
        cudnn.frontend.cache_clear()


@contextlib.contextmanager
def warnings_as_errors(category: type[Warning] = Warning) -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", category)
        yield


# ---- the real library, on a GPU --------------------------------------------------------
def _frontend_installed() -> bool:
    try:
        __import__("cudnn")
    except Exception:
        return False
    return True


@pytest.mark.skipif(
    not (cuda_available() and _frontend_installed()), reason="a GPU and the cuDNN frontend"
)
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_cudnn_on_the_gpu_matches_torch_on_the_cpu(
    case: tuple[str, tuple[int, ...], tuple[int, ...], dict[str, Any]],
) -> None:
    gpu = sd.Cuda(seed=0)
    convs = gpu.backend.convolutions()
    assert convs is not None
    before = len(convs.graphs)
    previous = sd.default_device()
    sd.set_default_device(gpu)
    try:
        # NOTE: a refused graph would warn and hide in im2col
        with warnings_as_errors(cudnn.CudnnWarning):
            _check(case)
    finally:
        sd.set_default_device(previous)
    assert len(convs.graphs) == before + 3 and None not in convs.graphs.values()
