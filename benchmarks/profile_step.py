"""`python -m benchmarks.profile_step`: where a GPT training step's time goes on the host.

Issue 13: on a GPU the step of `make bench-gpu` (nanogpt's model, width 512, 4 blocks, batch
16 x 256, AdamW) is bound by Python, not by the GPU. This runs that step and prints, per step,
the wall time with and without waiting for the device (the gap is the device's share), then
the functions that took the most time of their own under cProfile (CuPy's calls among them,
each with its count: the kernel launches on CUDA).

`--device cpu` runs it on NumPy (the host's Python is the same code); `--quick` uses tiny sizes
(the tests run it so that it cannot rot); `--graphed` times and profiles the step under
`sd.graphed`, replayed as a CUDA graph (there the host's time is the launch, and the wait
for the GPU is the one read of the replay's index checks).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import shapedl as sd
from benchmarks.gpu import FULL, QUICK, nanogpt


def _device(name: str) -> tuple[sd.Device, Callable[[], None]] | None:
    if name == "cpu":
        return sd.Cpu(seed=0), lambda: None
    from shapedl.backend.cupy import cuda_available

    if not cuda_available():
        return None
    device = sd.Cuda(seed=0)
    return device, device.xp.cuda.runtime.deviceSynchronize


def _per_step(step: Callable[[], Any], sync: Callable[[], None], steps: int, wait: bool) -> float:
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        step()
        if wait:
            sync()
    sync()
    return (time.perf_counter() - start) / steps * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, two steps")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--top", type=int, default=40, help="functions listed")
    parser.add_argument(
        "--graphed", action="store_true", help="the step under sd.graphed (a CUDA graph)"
    )
    args = parser.parse_args(argv)
    found = _device(args.device)
    if found is None:
        print("no GPU: skipped (CuPy or a GPU is missing)")
        return 0
    device, sync = found
    vocab, heads, head_width, depth, batch, length = (QUICK if args.quick else FULL).gpt
    steps = 2 if args.quick else args.steps
    before = sd.default_device()
    sd.set_default_device(device)
    try:
        dyn = nanogpt.dyn
        model = nanogpt.GPT(dyn(vocab), dyn(length), dyn(heads), dyn(head_width), depth)
        ids = np.random.default_rng(0).integers(0, vocab, (batch, length + 1))
        idx, targets = (sd.from_numpy(a, device=device) for a in (ids[:, :-1], ids[:, 1:]))
        opt = sd.optim.AdamW(lr=3e-4, weight_decay=0.01)

        def eager() -> None:
            opt.update(model, nanogpt.next_token_loss(model, idx, targets).backward())

        step = sd.graphed(eager) if args.graphed else eager
        for _ in range(3):  # NOTE: the optimizer's state, CuPy's kernels, the graph if any
            step()
        queued = _per_step(step, sync, steps, wait=False)
        waited = _per_step(step, sync, steps, wait=True)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(steps):
            step()
        sync()
        profile.disable()
    finally:
        sd.set_default_device(before)
    width = heads * head_width
    how = " under sd.graphed" if args.graphed else ""
    print(f"GPT width {width}, {depth} blocks, {batch}x{length} AdamW step{how} on {device}")
    print(f"{queued:.2f} ms per step queued (no wait), {waited:.2f} ms waiting for the device")
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("tottime").print_stats(args.top)
    print(f"cProfile over {steps} steps, by own time:")
    print(text.getvalue().split("\n", 4)[-1].rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
