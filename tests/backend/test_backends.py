"""One test body per backend present: NumPy always, CuPy where it imports and sees a GPU.

Each case runs a small forward and backward on the device and compares it with PyTorch on
the CPU, so the CuPy backend is held to the same answers as the NumPy one.
"""

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from shapedl.backend.cupy import cuda_available

F = torch.nn.functional

DEVICES = [
    pytest.param(lambda: sd.Cpu(seed=0), id="cpu"),
    pytest.param(
        lambda: sd.Cuda(seed=0),
        id="cuda",
        marks=pytest.mark.skipif(not cuda_available(), reason="CuPy or a GPU is missing"),
    ),
]

CASES = {
    "mlp": (
        lambda x, w: (x @ w).relu().softmax(axis=-1),
        lambda x, w: torch.softmax(torch.relu(x @ w), dim=-1),
        [(4, 3), (3, 5)],
    ),
    "conv_pool": (
        lambda x, w: sd.ops.max_pool2d(sd.ops.conv2d(x, w, padding=1), 2),
        lambda x, w: torch.nn.functional.max_pool2d(
            torch.nn.functional.conv2d(x, w, padding=1), 2
        ),
        [(2, 3, 6, 6), (4, 3, 3, 3)],
    ),
    "reduce_broadcast": (
        lambda x, w: (x - x.mean(axis=0)).square().sum(axis=1) * w.sum(),
        lambda x, w: (x - x.mean(0)).square().sum(1) * w.sum(),
        [(5, 3), (2, 2)],
    ),
    "resample_norm": (
        lambda x, w: (
            sd.ops.adaptive_avg_pool2d(
                sd.ops.interpolate(sd.ops.prelu(sd.ops.group_norm(x, 3), w), scale_factor=1.5),
                (3, 2),
            )
            + sd.ops.adaptive_max_pool2d(sd.ops.interpolate(x, (5, 7), mode="bilinear"), (3, 2))
        ),
        lambda x, w: (
            F.adaptive_avg_pool2d(
                F.interpolate(F.prelu(F.group_norm(x, 3), w), scale_factor=1.5), (3, 2)
            )
            + F.adaptive_max_pool2d(F.interpolate(x, (5, 7), mode="bilinear"), (3, 2))
        ),
        [(2, 3, 4, 4), (3,)],
    ),
    "scan_order": (
        lambda x, w: (
            sd.ops.cumprod(sd.ops.tile(sd.ops.roll(sd.ops.flip(x, 0), 1, 1), (1, 2)), 1)
            * sd.ops.sort(sd.ops.repeat(w, 2, axis=1), axis=1)[0]
            + sd.ops.topk(x, 2)[0].sum()
            + sd.ops.tile(sd.ops.scatter_add(x, 0, sd.ops.argsort(w, axis=0), w), (1, 2))
        ),
        lambda x, w: (
            torch.cumprod(torch.tile(torch.roll(torch.flip(x, (0,)), 1, 1), (1, 2)), 1)
            * torch.sort(torch.repeat_interleave(w, 2, dim=1), dim=1).values
            + torch.topk(x, 2).values.sum()
            + torch.scatter_add(x, 0, torch.argsort(w, dim=0), w).repeat(1, 2)
        ),
        [(4, 3), (4, 3)],
    ),
}


@pytest.mark.parametrize("make_device", DEVICES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_and_backward_match_torch_on_every_backend(make_device, case):
    device = make_device()
    fn, tfn, shapes = CASES[case]
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    xs = [sd.from_numpy(a, device=device) for a in arrays]
    out = fn(xs[0].traced(), xs[1])
    grads = (out * out).sum().backward()
    ts = [torch.from_numpy(a).requires_grad_() for a in arrays]
    tout = tfn(*ts)
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(grads[x].numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make_device", DEVICES)
def test_a_seed_gives_the_same_draws_again(make_device):
    a = sd.randn((3, 4), device=make_device()).numpy()
    b = sd.randn((3, 4), device=make_device()).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sd.randn((3, 4), device=make_device()).numpy() + 1)


def test_moving_between_devices_keeps_the_values():
    x = sd.tensor([[1.0, 2.0]], device=sd.Cpu(seed=1))
    y = x.to(sd.Cpu(seed=2))
    np.testing.assert_array_equal(np.asarray(y), [[1.0, 2.0]])


def test_cuda_without_cupy_or_gpu_says_how_to_get_it():
    if cuda_available():
        pytest.skip("a GPU is present here")
    with pytest.raises(RuntimeError, match="cuda12|CUDA|cuda"):
        sd.Cuda(seed=0)


def test_an_untraced_parameter_transformed_before_the_traced_input_gets_its_gradient():
    w = randn(3, 4, seed=5)
    x = randn(2, 4, seed=6)
    sw, sx = sd.from_numpy(w), sd.from_numpy(x)
    grads = ((sx.traced() @ sw.T) * sw.sum()).sum().backward()
    tw, tx = torch.from_numpy(w).requires_grad_(), torch.from_numpy(x)
    ((tx @ tw.T) * tw.sum()).sum().backward()
    np.testing.assert_allclose(grads[sw].numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_detach_stops_the_gradient():
    w = sd.tensor([2.0])
    grads = (w.traced() * w.square().detach()).sum().backward()
    np.testing.assert_allclose(grads[w].numpy(), [4.0])
