"""Faults injected into real `fit` runs: a second Ctrl-C or a kill inside a checkpoint's save,
disk errors at every file operation of a save, a checkpoint folder that cannot be written,
NaNs that no update can get past, and resumes that must continue as if never interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl import safetensors_file
from shapedl.checkpoint import load_state
from shapedl.train import Checkpoint, LambdaCallback
from shapedl.train import checkpoints as checkpoints_module

from . import kill_run
from .problems import linear, mse, regression


def fit(model: Any, data: Any, **kw: Any) -> sd.train.History:
    kw = {"loss": mse, "optimizer": sd.optim.Sgd(lr=0.05), "epochs": 1, "batch_size": 8,
          "shuffle": False, "progress": False, **kw}  # fmt: skip
    return sd.train.fit(model, data, **kw)


def saved_epoch(path: Path) -> int:
    epoch: int = json.loads(bytes(load_state(path)["fit.meta"]))["epoch"]
    return epoch


# ---- a second Ctrl-C inside a checkpoint's save ----------------------------------------
@pytest.mark.parametrize(("keep", "inside"), [(1, "save_state"), (3, "_link_or_save")])
def test_a_second_ctrl_c_inside_a_save_lets_the_epochs_checkpoint_finish(
    keep: int, inside: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.safetensors"
    real = getattr(checkpoints_module, inside)
    saving: list[int] = []

    def interrupted(*args: Any) -> None:
        if saving[-1] == 2:
            os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, as the save begins
        real(*args)

    def first(run: sd.train.Run, figures: Any) -> None:
        saving.append(run.epoch + 1)
        if run.epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(checkpoints_module, inside, interrupted)
    x, y = regression(16)
    callbacks = [LambdaCallback(on_epoch_end=first), Checkpoint(path, keep=keep)]
    h = fit(linear(3, 1), (x, y), epochs=5, callbacks=callbacks)
    assert h.interrupted and h.epochs == 2
    assert saved_epoch(path) == 2, "the epoch's checkpoint was cut short by the second Ctrl-C"
    assert [p.name for p in tmp_path.glob(".*")] == []


def test_an_interrupt_in_one_epoch_end_callback_does_not_skip_the_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.safetensors"

    def interrupt(run: sd.train.Run, figures: Any) -> None:
        if run.epoch == 1:
            raise KeyboardInterrupt  # as it comes off the main thread, or from user code

    x, y = regression(16)
    h = fit(linear(3, 1), (x, y), epochs=5,
            callbacks=[LambdaCallback(on_epoch_end=interrupt), Checkpoint(path)])  # fmt: skip
    assert h.interrupted and h.epochs == 2 and saved_epoch(path) == 2


def test_an_exception_from_an_end_of_epoch_callback_still_lets_the_checkpoint_save(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.safetensors"

    def log(run: sd.train.Run, figures: Any) -> None:
        if run.epoch == 1:
            raise ConnectionError("the experiment tracker is down")

    x, y = regression(16)
    callbacks = [LambdaCallback(on_epoch_end=log), Checkpoint(path)]
    with pytest.raises(ConnectionError, match="^the experiment tracker is down$") as err:
        fit(linear(3, 1), (x, y), epochs=4, callbacks=callbacks)
    assert "log" in [frame.name for frame in traceback.extract_tb(err.tb)]  # where it was raised
    assert saved_epoch(path) == 2, "the whole epoch's checkpoint was lost"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    resumed, straight = linear(3, 1), linear(3, 1)
    fit(resumed, (x, y), epochs=4, resume_from=path)
    fit(straight, (x, y), epochs=4)
    for name, t in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[name].numpy(), t.numpy())


class ClosedPipe:
    """Where fit's progress goes once the reader of the pipe exited (`| head`, a dead `tee`),
    or the terminal went away: every write after the first `ok` fails."""

    def __init__(self, ok: int, tty: bool) -> None:
        self.ok, self.tty = ok, tty

    def write(self, text: str) -> int:
        self.ok -= 1
        if self.ok < 0:
            raise BrokenPipeError(32, os.strerror(32))
        return len(text)

    def flush(self) -> None:
        if self.ok < 0:
            raise BrokenPipeError(32, os.strerror(32))

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("stream", ["stdout", "stderr"])  # one line an epoch, or a bar
def test_progress_that_cannot_be_written_does_not_end_training(
    stream: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(16)
    monkeypatch.setattr(sys, stream, ClosedPipe(ok=2, tty=stream == "stderr"))
    h = fit(linear(3, 1), (x, y), epochs=3, progress=True, callbacks=[Checkpoint(path)])
    monkeypatch.undo()
    assert h.epochs == 3 and h.stopped_by is None
    assert saved_epoch(path) == 3, "a broken pipe ended training before a whole epoch's save"


# ---- a checkpoint folder that cannot take the file: an error before the first step -----
def steps_counter() -> tuple[LambdaCallback, list[int]]:
    steps: list[int] = []
    return LambdaCallback(on_step_end=lambda r, f: steps.append(r.global_step)), steps


def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`folder` as a read-only mount would be, for every user (root included)."""
    folder.chmod(0o555)
    real = os.open

    def refusing(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if flags & os.O_CREAT and Path(path).parent == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", refusing)


@pytest.mark.parametrize(
    ("where", "error", "message"),
    [
        ("missing/run.safetensors", FileNotFoundError, "folder .*missing' does not exist"),
        ("a_file/run.safetensors", NotADirectoryError, "a_file' is a file, not a folder"),
        ("a_folder", IsADirectoryError, "a_folder': it is a folder; name a file in it"),
        ("read_only/run.safetensors", PermissionError, "run.safetensors'.*Permission denied"),
    ],
)
def test_a_checkpoint_that_cannot_be_written_is_an_error_before_the_first_step(
    where: str, error: type[Exception], message: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    (tmp_path / "a_file").write_bytes(b"not a folder")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "read_only").mkdir()
    read_only(tmp_path / "read_only", monkeypatch)
    counter, steps = steps_counter()
    x, y = regression(16)
    with pytest.raises(error, match=message):
        fit(linear(3, 1), (x, y), epochs=2, callbacks=[counter, Checkpoint(tmp_path / where)])
    assert steps == []
    monkeypatch.undo()
    (tmp_path / "read_only").chmod(0o755)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a_file", "a_folder", "read_only"]


def test_resuming_from_a_folder_is_a_checkpoint_error(tmp_path: Path) -> None:
    x, y = regression(16)
    with pytest.raises(sd.checkpoint.CheckpointError, match="it is a folder, not a checkpoint"):
        fit(linear(3, 1), (x, y), resume_from=tmp_path)


# ---- NaNs that skipping cannot get past --------------------------------------------------
def nan_gradient_at(step: int) -> Any:
    """mse, whose gradient is NaN (its value finite) at the `step`-th call, from 1."""
    calls = 0

    def loss(out: Any, y: Any) -> Any:
        nonlocal calls
        calls += 1
        value = mse(out, y)
        return value + ((out * 0.0).sqrt() * 0.0).sum() if calls == step else value

    return loss


def test_skip_stops_once_the_weights_are_not_finite(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(32)  # 4 batches an epoch
    model = linear(3, 1)
    counter, steps = steps_counter()
    with pytest.warns(sd.train.NonFiniteWarning), np.errstate(invalid="ignore"):
        h = fit(model, (x, y), epochs=4, loss=nan_gradient_at(7), on_nonfinite="skip",
                callbacks=[counter, Checkpoint(path)])  # fmt: skip
    assert h.stopped_by is not None and "weights were already non-finite" in h.stopped_by
    assert "epoch 2, batch 4 of 4" in h.stopped_by and steps == list(range(7))
    assert saved_epoch(path) == 1 and all(np.isfinite(a).all() for a in load_state(path).values())


def test_skip_stops_when_a_whole_epoch_is_skipped_and_keeps_the_last_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(32)
    model = linear(3, 1)
    with pytest.warns(sd.train.NonFiniteWarning), np.errstate(all="ignore"):
        # NOTE: the first update makes the weights huge but finite: every later loss is inf
        h = fit(model, (x * 1e3, y), epochs=5, optimizer=sd.optim.Sgd(lr=1e15),
                on_nonfinite="skip", callbacks=[Checkpoint(path)])  # fmt: skip
    assert h.stopped_by is not None and "every batch of epoch 2" in h.stopped_by
    assert h.epochs == 2 and saved_epoch(path) == 1


# ---- disk errors at every file operation of a save ---------------------------------------
def run_to(folder: Path, epochs: int) -> dict[str, np.ndarray]:
    """Train (resuming from `folder`'s checkpoint) to `epochs`; the final weights."""
    x, y = regression(16)
    model = linear(3, 1)
    path = folder / "run.safetensors"
    fit(model, (x, y), epochs=epochs, optimizer=sd.optim.Adam(lr=0.01), validation=(x, y),
        callbacks=[Checkpoint(path, keep=2, monitor="val_loss")], resume_from=path)  # fmt: skip
    return {k: t.numpy().copy() for k, t in model.parameters().items()}


def failing_at(n: int, real: Any, error: int) -> Any:
    calls = 0

    def call(*args: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            if real is safetensors_file.write:
                args[0].write(b"half a file")
            raise OSError(error, os.strerror(error))
        return real(*args, **kw)

    return call


FILE_OPS = [(os, "replace"), (os, "link"), (os, "fsync"), (safetensors_file, "write")]


@pytest.mark.parametrize("n", range(1, 5))
@pytest.mark.parametrize(("module", "op"), FILE_OPS, ids=[op for _, op in FILE_OPS])
def test_a_disk_error_at_any_file_operation_of_a_save_keeps_a_good_checkpoint(
    module: Any, op: str, n: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_to(tmp_path, 2)
    monkeypatch.setattr(module, op, failing_at(n, getattr(module, op), 28))  # ENOSPC
    try:
        run_to(tmp_path, 3)
    except OSError as err:
        assert err.errno == 28
    monkeypatch.undo()
    assert saved_epoch(tmp_path / "run.safetensors") in (2, 3)
    assert saved_epoch(tmp_path / "run.best.safetensors") in (1, 2, 3)
    assert [p.name for p in tmp_path.glob(".*")] == []  # no temporary left behind
    resumed = run_to(tmp_path, 4)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name, w in run_to(fresh, 4).items():
        np.testing.assert_array_equal(resumed[name], w, err_msg=name)


def test_a_disk_error_removing_an_old_copy_is_a_warning_not_the_end_of_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_to(tmp_path, 2)
    real = Path.unlink

    def failing(self: Path, missing_ok: bool = False) -> None:
        if self.name == "run.epoch1.safetensors":  # NOTE: what keep=2 prunes after epoch 3
            raise OSError(5, os.strerror(5), str(self))
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", failing)
    with pytest.warns(UserWarning, match="could not remove the old checkpoint .*epoch1"):
        run_to(tmp_path, 4)  # NOTE: every epoch's val_loss is the best so far
    monkeypatch.undo()
    # NOTE: the error used to end fit before epoch 3's best copy, and before epoch 4
    assert saved_epoch(tmp_path / "run.safetensors") == 4
    assert saved_epoch(tmp_path / "run.best.safetensors") == 4
    assert sorted(p.name for p in tmp_path.glob("run.epoch*")) == [
        "run.epoch1.safetensors", "run.epoch3.safetensors", "run.epoch4.safetensors"]  # fmt: skip


def test_every_rename_of_a_save_is_followed_by_a_sync_of_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_replace, real_fsync = os.replace, os.fsync
    folder = os.stat(tmp_path)

    def replace(src: Any, dst: Any) -> None:
        real_replace(src, dst)
        events.append(f"rename {Path(dst).name}")

    def fsync(fd: int) -> None:
        real_fsync(fd)
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == (folder.st_dev, folder.st_ino):
            events.append("sync folder")

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    run_to(tmp_path, 1)
    renames = [e for e in events if e.startswith("rename")]
    assert renames == ["rename run.safetensors", "rename run.epoch1.safetensors",
                       "rename run.best.safetensors"]  # fmt: skip
    assert events == [e for r in renames for e in (r, "sync folder")]


# ---- a kill inside a save, at chosen file operations -------------------------------------
# NOTE: per epoch a save calls fsync, replace, fsync (the latest), link, replace, fsync
# (the numbered copy), and, when the epoch is the best, link, replace, fsync again; unlink
# prunes. fit's folder check unlinks a probe first.
KILLS = [("fsync", 7, "SIGKILL", 2), ("replace", 4, "SIGKILL", 1), ("link", 4, "SIGKILL", 2),
         ("link", 1, "SIGKILL", 1), ("unlink", 1, "SIGKILL", 0)]  # fmt: skip


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("straight")
    return dict(np.load(child(folder, folder / "out.npz", expect=0)))


def child(folder: Path, out: Path, *kill: str, expect: int) -> Path:
    spawn(folder, out, *kill, expect=expect)
    return out


def spawn(folder: Path, out: Path, *kill: str, expect: int) -> str:
    """Run kill_run.py; what it printed."""
    done = subprocess.run([sys.executable, kill_run.__file__, str(folder), str(out), *kill],
                          capture_output=True, timeout=120)  # fmt: skip
    assert done.returncode == expect, done.stderr.decode()[-3000:]
    return done.stdout.decode()


@pytest.mark.parametrize(("op", "n", "signame", "latest"), KILLS)
def test_a_kill_inside_a_save_keeps_a_checkpoint_that_resumes_exactly(
    op: str, n: int, signame: str, latest: int, uninterrupted: dict[str, np.ndarray],
    tmp_path: Path,
) -> None:  # fmt: skip
    out = tmp_path / "out.npz"
    child(tmp_path, out, op, str(n), signame, expect=-getattr(signal, signame))
    assert not out.exists()
    path = tmp_path / "run.safetensors"
    numbered = [int(p.name[9:-12]) for p in tmp_path.glob("run.epoch*.safetensors")]
    # NOTE: the latest is written first, never behind its numbered copies, and whole
    assert (saved_epoch(path) if latest else path.exists()) == latest
    assert max(numbered, default=0) <= latest
    child(tmp_path, out, expect=0)  # resumes from it and runs to the end
    got = np.load(out)
    assert sorted(got.files) == sorted(uninterrupted)
    for name, a in uninterrupted.items():
        np.testing.assert_array_equal(got[name], a, err_msg=name)
    assert [p.name for p in tmp_path.glob(".*")] == []  # the next run removed the leftovers


# ---- SIGTERM, which job schedulers send before they kill: handled as a first Ctrl-C -------
# NOTE: 4 steps an epoch, so step 6 is the third of epoch 2; the 5th replace is inside
# epoch 2's save (its numbered copy), which SIGTERM lets finish
@pytest.mark.parametrize(("op", "n", "latest"), [("step", 6, 1), ("replace", 5, 2)])
def test_sigterm_ends_fit_cleanly_with_a_checkpoint_that_resumes_exactly(
    op: str, n: int, latest: int, uninterrupted: dict[str, np.ndarray], tmp_path: Path
) -> None:
    out = tmp_path / "out.npz"
    said = spawn(tmp_path, out, op, str(n), "SIGTERM", expect=0)
    assert "interrupted=True stopped_by=interrupted by SIGTERM restored=True" in said
    assert saved_epoch(tmp_path / "run.safetensors") == latest
    assert [p.name for p in tmp_path.glob(".*")] == []
    child(tmp_path, out, expect=0)  # resumes from it and runs to the end
    got = np.load(out)
    assert sorted(got.files) == sorted(uninterrupted)
    for name, a in uninterrupted.items():
        np.testing.assert_array_equal(got[name], a, err_msg=name)


# ---- an exception mid-epoch: the last checkpoint stays, and resumes exactly --------------
class Failing:
    """Data batches that raise at batch `at` (from 0) of epoch `epoch` (from 0)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, epoch: int, at: int) -> None:
        self.x, self.y, self.epoch, self.at, self.passes = x, y, epoch, at, 0

    def __iter__(self) -> Any:
        for i in range(0, len(self.x), 8):
            if (self.passes, i // 8) == (self.epoch, self.at):
                raise OSError("the data's disk went away")
            yield self.x[i : i + 8], self.y[i : i + 8]
        self.passes += 1

    def __len__(self) -> int:
        return (len(self.x) + 7) // 8


def failing_in(where: str) -> dict[str, Any]:
    """fit's arguments with something that raises at epoch 2, batch 3."""
    x, y = regression(32)
    hit = {"n": 0}

    def step(run: sd.train.Run, *_: Any) -> None:
        if (run.epoch, run.step) == (1, 2):
            raise RuntimeError(f"{where} failed")

    def metric(out: Any, target: Any) -> float:
        hit["n"] += 1
        if hit["n"] == 7:
            raise RuntimeError("metric failed")
        return 0.0

    def model_wrapper(model: Any) -> Any:
        class Model:
            def __call__(self, t: Any) -> Any:
                hit["n"] += 1
                if hit["n"] == 7:
                    raise FloatingPointError("model failed")
                return model(t)

            def parameters(self) -> Any:
                return model.parameters()

            def state_dict(self) -> Any:
                return model.state_dict()

            def load_state_dict(self, state: Any) -> None:
                model.load_state_dict(state)

        return Model()

    if where == "data":
        return {"data": Failing(x, y, epoch=1, at=2)}
    if where == "metric":
        return {"data": (x, y), "metrics": [metric]}
    if where == "model":
        return {"data": (x, y), "wrap": model_wrapper}
    hook = LambdaCallback(on_step_end=step)
    return {"data": (x, y), "callbacks": [hook]}


@pytest.mark.parametrize("where", ["data", "metric", "model", "callback"])
def test_an_exception_mid_epoch_keeps_the_last_checkpoint_which_resumes_exactly(
    where: str, tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    kw = failing_in(where)
    wrap = kw.pop("wrap", lambda m: m)
    data = kw.pop("data")
    extra = kw.pop("callbacks", [])
    opt = sd.optim.Adam(lr=0.01)
    with pytest.raises((OSError, RuntimeError, FloatingPointError), match="failed|went away"):
        fit(wrap(linear(3, 1)), data, epochs=3, optimizer=opt,
            callbacks=[*extra, Checkpoint(path)], **kw)  # fmt: skip
    assert saved_epoch(path) == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    x, y = regression(32)
    resumed, straight = linear(3, 1), linear(3, 1)
    fit(resumed, (x, y), epochs=3, optimizer=sd.optim.Adam(lr=0.01), resume_from=path)
    fit(straight, (x, y), epochs=3, optimizer=sd.optim.Adam(lr=0.01))
    for name, t in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[name].numpy(), t.numpy())


# ---- Ctrl-C during validation -------------------------------------------------------------
@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_during_validation_writes_no_checkpoint_without_its_figures(
    signals: int, tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(32)
    inner = linear(3, 1)
    inference = 0

    class SignalsInValidation:
        def __call__(self, t: Any) -> Any:
            nonlocal inference
            if not t.is_traced:
                inference += 1
                # NOTE: in epoch 2's validation; the first call is fit's try before training
                for _ in range(signals if inference == 3 else 0):
                    os.kill(os.getpid(), signal.SIGINT)
            return inner(t)

        def parameters(self) -> Any:
            return inner.parameters()

        def state_dict(self) -> Any:
            return inner.state_dict()

        def load_state_dict(self, state: Any) -> None:
            inner.load_state_dict(state)

    kw: dict[str, Any] = {"epochs": 4, "optimizer": sd.optim.Adam(lr=0.01),
                          "validation": (x[:8], y[:8]), "resume_from": path}  # fmt: skip
    h = fit(SignalsInValidation(), (x, y), **kw,
            callbacks=[Checkpoint(path, monitor="val_loss")])  # fmt: skip
    assert h.interrupted and h.epochs == 2
    # NOTE: a first Ctrl-C lets validation finish; a second cuts it short, and then epoch 2's
    # checkpoint would have no val_loss in its history (Checkpoint's monitor raised KeyError)
    assert saved_epoch(path) == (2 if signals == 1 else 1)
    assert np.isfinite(h["val_loss"][1]) == (signals == 1)
    resumed, straight = linear(3, 1), linear(3, 1)
    hr = fit(resumed, (x, y), **{**kw, "optimizer": sd.optim.Adam(lr=0.01)})
    hs = fit(straight, (x, y), **{**kw, "optimizer": sd.optim.Adam(lr=0.01), "resume_from": None})
    assert dict(hr) == dict(hs)
    for name, t in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[name].numpy(), t.numpy())


# ---- a stop in an epoch's last step -------------------------------------------------------
def stop_in_step(step: int, how: str) -> LambdaCallback:
    """Ctrl-C, SIGTERM or `run.stop` inside the run's `step`-th step (from 1), once its update
    is in."""

    def stop(run: sd.train.Run, figures: Any) -> None:
        if run.global_step + 1 == step:
            if how == "run.stop":
                run.stop("asked to")
            else:
                os.kill(os.getpid(), getattr(signal, how))

    return LambdaCallback(on_step_end=stop)


class AfterStep(sd.train.Halt):
    """A condition checked after each step, as `TimeBudget` is, that holds after `step`."""

    def __init__(self, step: int) -> None:
        self.step = step

    def check_step(self, run: sd.train.Run) -> bool:
        return run.global_step == self.step


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "run.stop", "check_step"])
def test_a_stop_in_an_epochs_last_step_keeps_the_epoch(how: str, tmp_path: Path) -> None:
    # NOTE: every step of epoch 2 was in, yet it got no validation and no checkpoint
    path = tmp_path / "run.safetensors"
    x, y = regression(16)  # 2 steps an epoch
    kw: dict[str, Any] = {"epochs": 4, "validation": (x[:8], y[:8])}
    stopping: dict[str, Any] = {"callbacks": [Checkpoint(path, every=3)]}
    if how == "check_step":
        stopping["halt_when"] = AfterStep(4)
    else:
        stopping["callbacks"].insert(0, stop_in_step(4, how))
    h = fit(linear(3, 1), (x, y), optimizer=sd.optim.Adam(lr=0.01), **kw, **stopping)
    assert h.epochs == 2 and np.isfinite(h["val_loss"]).all() and h.stopped_by is not None
    assert saved_epoch(path) == 2  # NOTE: every=3: saved as the last epoch
    resumed, straight = linear(3, 1), linear(3, 1)
    fit(resumed, (x, y), optimizer=sd.optim.Adam(lr=0.01), resume_from=path, **kw)
    fit(straight, (x, y), optimizer=sd.optim.Adam(lr=0.01), **kw)
    for name, t in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[name].numpy(), t.numpy())


@pytest.mark.parametrize("how", ["SIGTERM in validation", "SIGTERM in a callback", "run.stop"])
def test_a_stop_after_an_epochs_training_saves_the_epoch_whatever_the_order(
    how: str, tmp_path: Path
) -> None:
    # NOTE: a stop asked for while the last epoch was validated, or by a callback listed after
    # the Checkpoint, left `every=2` holding epoch 2 of 3 whole epochs
    path = tmp_path / "run.safetensors"
    x, y = regression(16)
    seen: list[int] = []

    def preempted(out: Any, target: Any) -> float:
        seen.append(1)
        if len(seen) == 9:  # NOTE: 2 training batches and 1 validation batch an epoch
            os.kill(os.getpid(), signal.SIGTERM)
        return 0.0

    def stop(run: sd.train.Run, figures: Any) -> None:
        if run.epoch == 2:
            if how == "run.stop":
                run.stop("target reached")
            else:
                os.kill(os.getpid(), signal.SIGTERM)

    kw: dict[str, Any] = {"epochs": 6, "validation": (x[:8], y[:8]), "batch_size": 8}
    callbacks: list[Any] = [Checkpoint(path, every=2)]
    if how == "SIGTERM in validation":
        kw["metrics"] = [preempted]
    else:
        callbacks.append(LambdaCallback(on_epoch_end=stop))
    h = fit(linear(3, 1), (x, y), optimizer=sd.optim.Adam(lr=0.01), callbacks=callbacks, **kw)
    assert h.epochs == 3 and h.stopped_by is not None and np.isfinite(h["val_loss"]).all()
    assert saved_epoch(path) == 3


def test_a_stop_before_an_epochs_last_step_still_drops_the_epoch(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(16)
    callbacks = [stop_in_step(3, "SIGTERM"), Checkpoint(path)]
    h = fit(linear(3, 1), (x, y), epochs=4, callbacks=callbacks)
    assert h.epochs == 2 and h.stopped_by == "interrupted by SIGTERM" and saved_epoch(path) == 1


# ---- a damaged latest checkpoint -----------------------------------------------------------
def damage(data: bytes, how: str) -> bytes:
    header = 8 + int.from_bytes(data[:8], "little")
    flip = {"header byte": 20, "data byte": header + 5}
    if how in flip:
        return data[: flip[how]] + bytes([data[flip[how]] ^ 0x01]) + data[flip[how] + 1 :]
    return {"truncated": data[: len(data) // 2], "empty": b""}[how]


@pytest.mark.parametrize("how", ["truncated", "empty", "header byte", "data byte"])
def test_a_damaged_latest_checkpoint_is_refused_naming_the_ones_to_resume_from(
    how: str, tmp_path: Path
) -> None:
    run_to(tmp_path, 3)
    path = tmp_path / "run.safetensors"
    path.unlink()  # NOTE: a hard link to run.epoch3: damage a copy of its own
    path.write_bytes(damage((tmp_path / "run.epoch3.safetensors").read_bytes(), how))
    with pytest.raises(sd.checkpoint.CheckpointError) as err:
        run_to(tmp_path, 4)
    text = str(err.value)
    assert text.startswith(f"cannot load checkpoint {str(path)!r}")
    older = [tmp_path / f"run.{tag}.safetensors" for tag in ("epoch3", "epoch2", "best")]
    assert text.endswith("resume from one): " + ", ".join(str(p) for p in older))
    Checkpoint(older[1]).resume(linear(3, 1), sd.optim.Adam(lr=0.01))  # it is whole


def test_a_damaged_checkpoint_names_no_hard_link_to_itself(tmp_path: Path) -> None:
    run_to(tmp_path, 3)
    path = tmp_path / "run.safetensors"
    data = bytearray(path.read_bytes())
    data[len(data) - 5] ^= 0xFF  # NOTE: in place: run.epoch3 (and maybe .best) is this file
    with open(path, "r+b") as f:
        f.write(data)
    with pytest.raises(sd.checkpoint.CheckpointError) as err:
        run_to(tmp_path, 4)
    named = str(err.value).split("resume from one): ")[1].split(", ")
    assert named and all(load_state(p) for p in named)  # NOTE: each one named is whole
    assert str(tmp_path / "run.epoch3.safetensors") not in named
