"""`python -m benchmarks.gpu` (`make bench-gpu`): shapedl on `sd.Cuda()` against PyTorch on
CUDA, side by side in one process, as ratios.

Issue 12's cases: a ResNet-sized 3x3 convolution (64 -> 64 channels on (32, 64, 56, 56),
forward), a CNN's Adam step (3 -> 64 -> 128 channels on (128, 3, 32, 32)), and a GPT training
step (`examples/nanogpt.py`'s model: width 512 in 8 heads, 4 blocks, a character vocabulary of
65, batch 16 x 256 tokens, AdamW). Issue 13's: an MLP's Adam step (1024 -> 4096 -> 4096 -> 10
on a batch of 1024), a 4096 x 4096 matmul forward and backward, and an elementwise chain
(`relu(x * y + x).exp()` summed, forward and backward) on 16M elements. PyTorch runs the
same architecture, with the same weights, written with the same ops (attention as matmul,
mask and softmax), and with TF32 off, as shapedl's `Cuda` has it by default. The three
training steps then run again under `sd.graphed` (recorded once as a CUDA graph, replayed),
against the same eager PyTorch steps: issue 13's way past the host's cost. Before timing,
each case checks that both give the same values. Every timed call ends with a synchronisation
of its library's GPU work, so the medians are the time the work takes, not the time to queue
it.

Where there is no GPU (or CuPy, or a CUDA build of PyTorch) it prints `no GPU: skipped` and
exits 0. `--device cpu --quick` runs the same code on the CPU with tiny sizes in a second
(the tests run it so that the script cannot rot); its figures mean nothing.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

import shapedl as sd
from benchmarks import HEADER, Bench
from benchmarks.train_step import cnn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import nanogpt  # noqa: E402  (an example script, imported as the tests import it)


@dataclass(frozen=True)
class Sizes:
    """The sizes of the three cases: the issue's, or tiny ones for `--quick`."""

    conv: tuple[int, int, int, int]  # (N, C, H, W); C -> C channels, 3x3, padding 1
    cnn: tuple[int, int, int, int]  # (N, 3, H, W); 3 -> channels -> 2 * channels
    channels: int
    gpt: tuple[int, int, int, int, int, int]  # vocab, heads, head width, depth, batch, length
    mlp: tuple[int, int, int]  # batch, inputs, width; width -> width -> 10
    matmul: int  # n x n @ n x n
    chain: int  # elements


FULL = Sizes(conv=(32, 64, 56, 56), cnn=(128, 3, 32, 32), channels=64, gpt=(65, 8, 64, 4, 16, 256),
             mlp=(1024, 1024, 4096), matmul=4096, chain=1 << 24)  # fmt: skip
QUICK = Sizes(conv=(2, 4, 6, 6), cnn=(4, 3, 8, 8), channels=4, gpt=(11, 2, 4, 2, 2, 8),
              mlp=(4, 6, 8), matmul=8, chain=64)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """Where both libraries run, and how each waits for its queued work."""

    device: sd.Device
    torch_device: torch.device
    sd_sync: Callable[[], None]
    torch_sync: Callable[[], None]
    rtol: float  # how far apart the libraries' values may be (sums in another order on a GPU)


def _target(name: str) -> Target | None:
    if name == "cpu":
        return Target(sd.Cpu(seed=0), torch.device("cpu"), lambda: None, lambda: None, 1e-5)
    from shapedl.backend.cupy import cuda_available

    if not (cuda_available() and torch.cuda.is_available()):
        return None
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = sd.Cuda(seed=0)
    sync = device.xp.cuda.runtime.deviceSynchronize
    return Target(device, torch.device("cuda"), sync, torch.cuda.synchronize, 1e-4)


def _synced(fn: Callable[[], Any], sync: Callable[[], None]) -> Callable[[], None]:
    def call() -> None:
        fn()
        sync()

    return call


def _arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [(rng.standard_normal(s) / math.sqrt(s[-1])).astype(np.float32) for s in shapes]


def _host(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t.numpy()


# ---- training steps ----------------------------------------------------------------------
def _same_weights(model: sd.nn.Module, net: torch.nn.Module) -> None:
    """`net` gets `model`'s parameters by their dotted names, each exactly once.

    The names are PyTorch's, but for the example's `Mlp`, which keeps its `Sequential` in a
    field `layers` (`mlp.layers.0.weight`) where the PyTorch twin's block holds the
    `Sequential` itself (`mlp.0.weight`).
    """
    params = model.parameters().items()
    state = {k.replace(".layers.", "."): torch.from_numpy(np.array(v.numpy())) for k, v in params}
    net.load_state_dict(state, strict=True)


def _steps(
    rtol: float,
    model: sd.nn.Module,
    opt: Any,
    loss: Callable[[], Any],
    net: torch.nn.Module,
    topt: Any,
    tloss: Callable[[], Any],
    graphed: bool = False,
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """One optimizer step of each library, after checking that the first steps give the same
    losses (four when `graphed`: the eager warm-up, the recording and a replay)."""

    def step() -> Any:
        value = loss()
        opt.update(model, value.backward())
        return value

    def torch_step() -> Any:
        topt.zero_grad()
        value = tloss()
        value.backward()
        topt.step()
        return value

    run = sd.graphed(step) if graphed else step
    for _ in range(4 if graphed else 2):
        np.testing.assert_allclose(_host(run()), _host(torch_step()), rtol=rtol, atol=rtol)
    return run, torch_step


class TorchAttention(torch.nn.Module):
    """nanogpt's `CausalSelfAttention`, written with the same ops in PyTorch."""

    def __init__(self, heads: int, head_width: int) -> None:
        super().__init__()
        width = heads * head_width
        self.query, self.key = torch.nn.Linear(width, width), torch.nn.Linear(width, width)
        self.value, self.proj = torch.nn.Linear(width, width), torch.nn.Linear(width, width)
        self.heads, self.head_width = heads, head_width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = (
            f(x).reshape(b, t, self.heads, self.head_width).transpose(1, 2)
            for f in (self.query, self.key, self.value)
        )
        scores = (q @ k.transpose(2, 3)) * (1 / math.sqrt(self.head_width))
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        weights = scores.masked_fill(future, -math.inf).softmax(-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, t, d))


class TorchBlock(torch.nn.Module):
    """nanogpt's pre-norm `Block` in PyTorch."""

    def __init__(self, heads: int, head_width: int) -> None:
        super().__init__()
        width = heads * head_width
        self.ln1, self.attn = torch.nn.LayerNorm(width), TorchAttention(heads, head_width)
        self.ln2 = torch.nn.LayerNorm(width)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(width, 4 * width),
            torch.nn.GELU(approximate="tanh"),
            torch.nn.Linear(4 * width, width),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TorchGPT(torch.nn.Module):
    """nanogpt's `GPT` in PyTorch, its parameters named as shapedl names them."""

    def __init__(self, vocab: int, context: int, heads: int, head_width: int, depth: int):
        super().__init__()
        width = heads * head_width
        self.tokens = torch.nn.Embedding(vocab, width)
        self.positions = torch.nn.Embedding(context, width)
        self.blocks = torch.nn.ModuleList(TorchBlock(heads, head_width) for _ in range(depth))
        self.norm, self.head = torch.nn.LayerNorm(width), torch.nn.Linear(width, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tokens(idx) + self.positions(torch.arange(idx.shape[1], device=idx.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


# ---- the cases ---------------------------------------------------------------------------
def conv_forward(bench: Bench, target: Target, sizes: Sizes) -> None:
    n, c, h, w = sizes.conv
    arrays = _arrays(sizes.conv, (c, c, 3, 3), (c,))
    xs = [sd.from_numpy(a, device=target.device) for a in arrays]
    ts = [torch.from_numpy(a).to(target.torch_device) for a in arrays]
    out, tout = sd.ops.conv2d(*xs, padding=1), F.conv2d(*ts, padding=1)
    np.testing.assert_allclose(_host(out), _host(tout), rtol=target.rtol, atol=target.rtol)
    bench.run(
        f"conv2d 3x3 {c}->{c} on ({n},{c},{h},{w}) forward",
        _synced(lambda: sd.ops.conv2d(*xs, padding=1), target.sd_sync),
        _synced(lambda: F.conv2d(*ts, padding=1), target.torch_sync),
    )


def cnn_step(bench: Bench, target: Target, sizes: Sizes, graphed: bool = False) -> None:
    n, c, side, _ = sizes.cnn
    ch = sizes.channels
    rng = np.random.default_rng(0)
    (x,) = _arrays(sizes.cnn)
    y = rng.integers(0, 10, n)
    model = cnn(sd.nn, ch, side, inputs=c)
    net = cnn(torch.nn, ch, side, inputs=c)
    name = f"CNN {c}->{ch}->{2 * ch} on ({n},{c},{side},{side}) Adam step{_GRAPHED[graphed]}"
    _classifier_step(bench, target, name, model, net, x, y, graphed)


_GRAPHED = {False: "", True: ", graphed"}  # NOTE: the row of a step under `sd.graphed`


def _classifier_step(
    bench: Bench,
    target: Target,
    name: str,
    model: sd.nn.Module,
    net: torch.nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    graphed: bool,
) -> None:
    """An Adam step of cross-entropy on `(x, y)`, shapedl's `model` against `net`, same weights."""
    net = net.to(target.torch_device)
    _same_weights(model, net)
    sx, sy = sd.from_numpy(x, device=target.device), sd.from_numpy(y, device=target.device)
    tx, ty = (torch.from_numpy(a).to(target.torch_device) for a in (x, y))
    step, torch_step = _steps(
        target.rtol,
        model,
        sd.optim.Adam(lr=1e-3),
        lambda: sd.losses.cross_entropy_with_logits_loss(model(sx.traced()), sy),
        net,
        torch.optim.Adam(net.parameters(), lr=1e-3),
        lambda: F.cross_entropy(net(tx), ty),
        graphed,
    )
    bench.run(name, _synced(step, target.sd_sync), _synced(torch_step, target.torch_sync))


def gpt_step(bench: Bench, target: Target, sizes: Sizes, graphed: bool = False) -> None:
    vocab, heads, head_width, depth, batch, length = sizes.gpt
    dyn = nanogpt.dyn
    model = nanogpt.GPT(dyn(vocab), dyn(length), dyn(heads), dyn(head_width), depth)
    net = TorchGPT(vocab, length, heads, head_width, depth).to(target.torch_device)
    _same_weights(model, net)
    ids = np.random.default_rng(0).integers(0, vocab, (batch, length + 1))
    idx, targets = (sd.from_numpy(a, device=target.device) for a in (ids[:, :-1], ids[:, 1:]))
    tidx, ttargets = (
        torch.from_numpy(a).to(target.torch_device) for a in (ids[:, :-1], ids[:, 1:])
    )
    step, torch_step = _steps(
        target.rtol,
        model,
        sd.optim.AdamW(lr=3e-4, weight_decay=0.01),
        lambda: nanogpt.next_token_loss(model, idx, targets),
        net,
        torch.optim.AdamW(net.parameters(), lr=3e-4, weight_decay=0.01),
        lambda: F.cross_entropy(net(tidx).reshape(-1, vocab), ttargets.reshape(-1)),
        graphed,
    )
    width = heads * head_width
    bench.run(
        f"GPT width {width}, {depth} blocks, {batch}x{length} AdamW step{_GRAPHED[graphed]}",
        _synced(step, target.sd_sync),
        _synced(torch_step, target.torch_sync),
    )


def mlp_step(bench: Bench, target: Target, sizes: Sizes, graphed: bool = False) -> None:
    batch, inputs, width = sizes.mlp
    rng = np.random.default_rng(0)
    (x,) = _arrays((batch, inputs))
    y = rng.integers(0, 10, batch)

    def layers(nn: Any) -> Any:
        return nn.Sequential(nn.Linear(inputs, width), nn.ReLU(), nn.Linear(width, width),
                             nn.ReLU(), nn.Linear(width, 10))  # fmt: skip

    name = f"MLP {inputs}->{width}->{width}->10, batch {batch}, Adam step{_GRAPHED[graphed]}"
    _classifier_step(bench, target, name, layers(sd.nn), layers(torch.nn), x, y, graphed)


def _grads(
    target: Target, arrays: list[np.ndarray], loss: Callable[..., Any]
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Forward and backward of `loss` (written once, with methods both libraries share) on
    traced copies of `arrays`, in each library, after checking the gradients agree."""
    xs = [sd.from_numpy(a, device=target.device) for a in arrays]
    ts = [torch.from_numpy(a).to(target.torch_device).requires_grad_() for a in arrays]

    def sd_fn() -> list[Any]:
        traced = [x.traced() for x in xs]
        grads = loss(*traced).backward()
        return [grads[t] for t in traced]

    def torch_fn() -> list[Any]:
        return list(torch.autograd.grad(loss(*ts), ts))

    for got, want in zip(sd_fn(), torch_fn(), strict=True):
        np.testing.assert_allclose(_host(got), _host(want), rtol=target.rtol, atol=target.rtol)
    return sd_fn, torch_fn


def matmul_grad(bench: Bench, target: Target, sizes: Sizes) -> None:
    n = sizes.matmul
    sd_fn, torch_fn = _grads(target, _arrays((n, n), (n, n)), lambda a, b: (a @ b).sum())
    bench.run(
        f"matmul {n}x{n} forward+backward",
        _synced(sd_fn, target.sd_sync),
        _synced(torch_fn, target.torch_sync),
    )


def chain_grad(bench: Bench, target: Target, sizes: Sizes) -> None:
    n = sizes.chain
    sd_fn, torch_fn = _grads(
        target, _arrays((n,), (n,)), lambda x, y: (x * y + x).relu().exp().sum()
    )
    bench.run(
        f"elementwise chain on {n} elements, fwd+bwd",
        _synced(sd_fn, target.sd_sync),
        _synced(torch_fn, target.torch_sync),
    )


def _name(target: Target) -> str:
    if target.torch_device.type == "cuda":
        return torch.cuda.get_device_name()
    return f"{platform.processor() or platform.machine()} (CPU: a smoke test, not a GPU figure)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one timed call each")
    args = parser.parse_args(argv)
    target = _target(args.device)
    if target is None:
        print("no GPU: skipped (make bench-gpu needs CuPy, a CUDA build of PyTorch and a GPU)")
        return 0
    before = sd.default_device()
    sd.set_default_device(target.device)  # NOTE: new modules' parameters go there
    torch.manual_seed(0)
    bench = Bench(rounds=1, calls=1, warmup=0, pause=0) if args.quick else Bench(calls=10)
    print(f"{_name(target)}, torch {torch.__version__}, TF32 off in both")
    print(HEADER, flush=True)
    try:
        sizes = QUICK if args.quick else FULL
        for case in (conv_forward, cnn_step, gpt_step, mlp_step, matmul_grad, chain_grad):
            case(bench, target, sizes)
        for step in (cnn_step, gpt_step, mlp_step):  # NOTE: the same steps under sd.graphed
            step(bench, target, sizes, graphed=True)
    finally:
        sd.set_default_device(before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
