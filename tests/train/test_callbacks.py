"""Callbacks: learning-rate schedules against PyTorch's, checkpoints, and resuming a killed
training run to the very same weights."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.checkpoint import load_state
from shapedl.train import Checkpoint, CosineDecay, LambdaCallback, LrSchedule, StepDecay, Warmup

from . import resume_run
from .problems import linear, mse, regression, weights


def _rates(schedule: LrSchedule, epochs: int, steps: int, lr: float = 0.1) -> list[float]:
    """The learning rate of every step of a `fit` run with `schedule`."""
    x, y = regression(steps * 4)
    opt = sd.optim.Sgd(lr=lr)
    seen: list[float] = []
    sd.train.fit(
        linear(3, 1), (x, y), loss=mse, optimizer=opt, epochs=epochs, batch_size=4,
        callbacks=[schedule, LambdaCallback(on_step_end=lambda r, f: seen.append(opt.lr))],
        progress=False,
    )  # fmt: skip
    return seen


def _torch_rates(
    make: Any, epochs: int, steps: int, per_epoch: bool, lr: float = 0.1
) -> list[float]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        for _ in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            if not per_epoch:
                sched.step()
        if per_epoch:
            sched.step()
    return out


def test_a_second_fit_with_a_schedule_starts_from_the_configured_rate_as_torchs() -> None:
    # NOTE: it started from the rate the first fit's schedule had decayed to (a two-phase
    # fine-tune, "train 2 more epochs": the second phase trained at a few % of the rate)
    x, y = regression(8)
    model, opt = linear(3, 1), sd.optim.Sgd(lr=0.1)
    topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    got, want = [], []
    for phase in range(3):
        if phase == 2:  # NOTE: a rate set by hand between two runs is the user's
            opt.set_lr(0.02)
            topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.02)
        sd.train.fit(
            model, (x, y), loss=mse, optimizer=opt, epochs=3, batch_size=4,
            callbacks=[
                LrSchedule(lambda t: 0.5**t),
                LambdaCallback(on_step_end=lambda r, f: got.append(opt.lr)),
            ],
            progress=False,
        )  # fmt: skip
        sched = torch.optim.lr_scheduler.LambdaLR(topt, lambda t: 0.5**t)
        for _ in range(6):
            want.append(topt.param_groups[0]["lr"])
            topt.step()
            sched.step()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_step_decay_matches_torch_step_lr() -> None:
    got = _rates(StepDecay(every=2, gamma=0.5), epochs=5, steps=3)
    want = _torch_rates(lambda o: torch.optim.lr_scheduler.StepLR(o, 2, 0.5), 5, 3, True)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_cosine_decay_matches_torch_cosine_annealing() -> None:
    got = _rates(CosineDecay(total=12, min_factor=0.1), epochs=3, steps=4)
    want = _torch_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 12, eta_min=0.01), 3, 4, False
    )
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_warmup_then_cosine_matches_torch_sequential() -> None:
    got = _rates(Warmup(4, then=CosineDecay(total=8)), epochs=3, steps=4)

    def make(o: Any) -> Any:
        warm = torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=3)
        cos = torch.optim.lr_scheduler.CosineAnnealingLR(o, 8)
        return torch.optim.lr_scheduler.SequentialLR(o, [warm, cos], milestones=[4])

    want = _torch_rates(make, 3, 4, False)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_a_schedule_needs_a_unit_it_knows() -> None:
    with pytest.raises(ValueError, match="invalid per"):
        LrSchedule(lambda t: 1.0, per="batch")  # type: ignore[arg-type]


def test_a_schedule_of_numpy_factors_matches_torch_lambda_lr() -> None:
    """A factor table made with NumPy (float32 scalars) was refused at the first step as an
    `invalid learning rate`; torch's `LambdaLR` takes any real number."""
    table = np.linspace(0.1, 1.0, 13, dtype=np.float32)
    got = _rates(LrSchedule(lambda t: table[t]), epochs=3, steps=4)
    want = _torch_rates(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: table[t]),
                        3, 4, False)  # fmt: skip
    # NOTE: torch's rate is `0.1 * np.float32(f)`, rounded to float32; ours is the float64 product
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert all(type(lr) is float for lr in got)


def test_a_bad_factor_names_the_schedule_and_the_step() -> None:
    with pytest.raises(ValueError, match=r"LrSchedule: factor\(0\) is -1.0; a schedule's factor"):
        _rates(LrSchedule(lambda t: -1.0), epochs=1, steps=1)


BAD_SCHEDULES = [
    # NOTE: made fine, then a ZeroDivisionError at the first step inside fit (or, for the
    # warm-up, never a word)
    (lambda: CosineDecay(total=0), r"CosineDecay: total must be a whole number >= 1, .*got 0 "
     r"\(a total computed as epochs \* \(len\(x\) // batch_size\)"),
    (lambda: StepDecay(every=0), "StepDecay: every must be a whole number >= 1, .*got 0"),
    (lambda: Warmup(steps=-2), "Warmup: steps must be a whole number >= 0, .*got -2"),
    (lambda: CosineDecay(total=2.5), r"CosineDecay: total must be a whole number >= 1, .*2.5$"),
    (lambda: StepDecay(every=2, gamma=-0.5), "StepDecay: gamma must be a finite number >= 0"),
    (lambda: CosineDecay(10, min_factor=float("nan")), "CosineDecay: min_factor must be a fin"),
]  # fmt: skip


@pytest.mark.parametrize("make, message", BAD_SCHEDULES, ids=[m[:20] for _, m in BAD_SCHEDULES])
def test_a_schedules_arguments_are_checked_when_it_is_made(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_numpy_schedule_arguments_are_taken_as_torch_takes_them() -> None:
    got = _rates(CosineDecay(total=np.int64(12), min_factor=np.float32(0.5)), epochs=3, steps=4)
    want = _torch_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, np.int64(12), eta_min=0.05),
        3, 4, False,
    )  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_checkpoint_every_n_epochs_holds_model_optimizer_and_epoch(tmp_path: Path) -> None:
    x, y = regression(16)
    path = tmp_path / "run.safetensors"
    model = linear(3, 1)
    saves: list[int] = []

    class Spy(Checkpoint):
        def save(self, run: sd.train.Run) -> None:
            saves.append(run.epoch + 1)
            super().save(run)

    sd.train.fit(
        model, (x, y), loss=mse, optimizer=sd.optim.Adam(lr=0.01), epochs=5, batch_size=8,
        callbacks=[Spy(path, every=2)], progress=False,
    )  # fmt: skip
    assert saves == [2, 4, 5]  # every second epoch, and the last
    state = load_state(path)
    np.testing.assert_array_equal(state["model.weight"], weights(model)["weight"])
    assert {"optim.hyper.lr", "optim.state.weight.step", "fit.meta"} <= set(state)
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write left nothing behind


def test_resume_in_process_reaches_the_uninterrupted_weights(tmp_path: Path) -> None:
    full = resume_run.train(None)
    path = str(tmp_path / "ck.safetensors")
    resume_run.train(path, epochs=3)  # stops after epoch 3 (of 6), as if it were killed
    resumed = resume_run.train(path)  # a fresh model and optimizer, resumed from the file
    for name, w in full.items():
        np.testing.assert_array_equal(resumed[name], w)


def test_a_killed_run_resumes_to_the_same_weights(tmp_path: Path) -> None:
    script = Path(resume_run.__file__)
    ck, out = tmp_path / "ck.safetensors", tmp_path / "w.npz"
    killed = subprocess.run([sys.executable, script, ck, out, "3"], capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()
    assert ck.exists() and not out.exists()
    meta = bytes(load_state(ck)["fit.meta"]).decode()
    assert '"epoch": 3' in meta  # epochs 0, 1, 2 were saved; the kill came in epoch 3
    again = subprocess.run([sys.executable, script, ck, out], capture_output=True)
    assert again.returncode == 0, again.stderr.decode()
    resumed = np.load(out)
    for name, w in resume_run.train(None).items():
        np.testing.assert_array_equal(resumed[name], w)  # NOTE: bit for bit, across processes
