"""Training never loses good work: NaN losses, checkpoints kept and refused, a second Ctrl-C
inside the update, and resumes that fail without changing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl.checkpoint import CheckpointError, load_state, save_state
from shapedl.train import Checkpoint, CosineDecay, LambdaCallback, NonFiniteWarning

from . import sigint_run
from .problems import blobs, linear, mse, regression, weights


def fit(model: Any, data: Any, **kw: Any) -> sd.train.History:
    kw = {"loss": mse, "optimizer": sd.optim.Sgd(lr=0.05), "epochs": 1, "batch_size": 8,
          "shuffle": False, "progress": False, **kw}  # fmt: skip
    return sd.train.fit(model, data, **kw)


def with_nan(n: int, row: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = regression(n)
    x[row, 1] = np.nan
    return x, y


def all_finite(arrays: dict[str, np.ndarray]) -> bool:
    return all(np.isfinite(a).all() for a in arrays.values() if a.dtype.kind == "f")


# ---- item 1: a non-finite loss ---------------------------------------------------------
def test_a_nan_in_the_data_stops_fit_before_its_update() -> None:
    x, y = with_nan(32, row=19)  # in the third batch of 8
    model, reference = linear(3, 1), linear(3, 1)
    with pytest.warns(NonFiniteWarning, match="epoch 1, batch 3 of 4"):
        h = fit(model, (x, y), epochs=3)
    fit(reference, (x[:16], y[:16]))  # the two whole batches before it
    assert h.stopped_by is not None and h.stopped_by.startswith("non-finite loss (nan)")
    assert "step 3 of the run" in h.stopped_by and "not applied" in h.stopped_by
    assert h.epochs == 1 and np.isfinite(h["loss"][0])
    for name, w in weights(reference).items():
        np.testing.assert_array_equal(weights(model)[name], w)


def test_skip_leaves_out_only_the_bad_batch() -> None:
    x, y = with_nan(32, row=19)
    model, reference = linear(3, 1), linear(3, 1)
    with pytest.warns(NonFiniteWarning, match="batch 3 of 4.*skipped"):
        h = fit(model, (x, y), on_nonfinite="skip")
    keep = np.r_[0:16, 24:32]
    fit(reference, (x[keep], y[keep]))
    assert h.stopped_by is None and np.isfinite(h["loss"][0])
    for name, w in weights(reference).items():
        np.testing.assert_array_equal(weights(model)[name], w)


def test_each_skipped_batch_is_named_by_its_place_in_the_epoch() -> None:
    x, y = regression(32)
    x[[9, 17], 1] = np.nan  # NOTE: batches 2 and 3: the second comes after a skipped one
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(linear(3, 1), (x, y), on_nonfinite="skip")
    said = [str(w.message) for w in caught if issubclass(w.category, NonFiniteWarning)]
    assert [m.split(": ")[0] for m in said] == [
        "non-finite loss (nan) at epoch 1, batch 2 of 4 (step 2 of the run)",
        "non-finite loss (nan) at epoch 1, batch 3 of 4 (step 2 of the run)",
    ]


def batch_normed() -> Any:
    sd.set_default_device(sd.Cpu(seed=0))
    nn = sd.nn
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))


def state(model: Any) -> dict[str, np.ndarray]:
    return {name: t.numpy().copy() for name, t in model.state_dict().items()}


@pytest.mark.parametrize("how", ["stop", "skip"])
def test_a_refused_batch_leaves_batch_norm_statistics_as_they_were(how: str) -> None:
    # NOTE: its forward pass had put NaN in running_mean/var: NaN in inference and in every
    # val_loss, and a model that could not be saved
    x, y = with_nan(32, row=19)  # in the third batch of 8
    model, reference = batch_normed(), batch_normed()
    with pytest.warns(NonFiniteWarning, match="batch 3 of 4"):
        h = fit(model, (x, y), epochs=2, on_nonfinite=how, validation=(x[:8], y[:8]))
    keep, epochs = (np.r_[0:16], 1) if how == "stop" else (np.r_[0:16, 24:32], 2)
    fit(reference, (x[keep], y[keep]), epochs=epochs)
    assert_same(state(reference), state(model))
    tracked = int(state(model)["1.num_batches_tracked"])
    assert all_finite(state(model)) and tracked == len(keep) // 8 * epochs
    assert h.epochs == epochs and (h.stopped_by is None) == (how == "skip")
    assert how == "stop" or np.isfinite(h["val_loss"]).all()


def test_skip_stops_when_the_running_statistics_are_not_finite() -> None:
    x, y = with_nan(32, row=19)
    model = batch_normed()
    model[1].running_var.data[0] = np.inf  # NOTE: no batch can bring them back
    with pytest.warns(NonFiniteWarning, match="batch 3 of 4"):
        h = fit(model, (x, y), epochs=2, on_nonfinite="skip")
    assert h.stopped_by is not None and "weights were already non-finite" in h.stopped_by


def test_a_nan_in_validation_is_said_and_training_goes_on() -> None:
    x, y = regression(32)
    x_val, y_val = with_nan(8, row=3)
    with pytest.warns(NonFiniteWarning, match=r"validation gave val_loss nan at epoch \d: look"):
        h = fit(linear(3, 1), (x, y), epochs=2, validation=(x_val, y_val))
    assert h.epochs == 2 and h.stopped_by is None and np.isnan(h["val_loss"]).all()


@pytest.mark.parametrize("how", ["stop", "skip", "validation"])
def test_a_non_finite_warning_names_the_line_that_called_fit(how: str) -> None:
    # NOTE: it named a line inside shapedl's loop, which a filter by module could not reach
    x, y = with_nan(32, row=19)
    kw: dict[str, Any] = {"on_nonfinite": how} if how != "validation" else {"validation": (x, y)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(linear(3, 1), (x, y) if how != "validation" else regression(32), **kw)
    said = [w for w in caught if issubclass(w.category, NonFiniteWarning)]
    assert said and all(w.filename == __file__ for w in said)


def test_continue_applies_the_update_as_asked() -> None:
    x, y = with_nan(32, row=19)
    model = linear(3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteWarning)
        fit(model, (x, y), on_nonfinite="continue")
    assert not all_finite(weights(model))


def test_a_diverging_run_stops_with_a_reason() -> None:
    x, y = regression(64)
    with pytest.warns(NonFiniteWarning), np.errstate(over="ignore", invalid="ignore"):
        h = fit(linear(3, 1), (x * 1e3, y), optimizer=sd.optim.Sgd(lr=10.0), epochs=50)
    assert h.stopped_by is not None and h.stopped_by.startswith("non-finite loss")
    assert h.epochs < 50


def test_on_nonfinite_must_be_known() -> None:
    x, y = regression(8)
    with pytest.raises(ValueError, match="on_nonfinite='ignore'"):
        fit(linear(3, 1), (x, y), on_nonfinite="ignore")


@pytest.mark.parametrize("how", ["stop", "continue"])
def test_resuming_on_data_with_a_nan_keeps_the_last_good_checkpoint(
    how: str, tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(32)
    fit(linear(3, 1), (x, y), epochs=2, callbacks=[Checkpoint(path)])
    good = path.read_bytes()
    bad_x, bad_y = with_nan(32, row=5)
    with pytest.warns(NonFiniteWarning):
        h = fit(linear(3, 1), (bad_x, bad_y), epochs=5, callbacks=[Checkpoint(path)],
                resume_from=path, on_nonfinite=how)  # fmt: skip
    assert h.stopped_by is not None and "non-finite" in h.stopped_by
    assert path.read_bytes() == good
    state = load_state(path)
    assert all_finite(state)
    fresh = linear(3, 1)
    Checkpoint(path).resume(fresh, sd.optim.Sgd(lr=0.05))
    assert all_finite(weights(fresh))


def test_a_checkpoint_with_non_finite_weights_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    model = linear(3, 1)
    run = sd.train.Run(model, sd.optim.Sgd(lr=0.1), 1, 1, sd.default_device())
    Checkpoint(path).save(run)
    good = path.read_bytes()
    model.bias.data[0] = np.inf
    with pytest.raises(CheckpointError, match=r"not written.*non-finite values in model\.bias"):
        Checkpoint(path).save(run)
    assert path.read_bytes() == good


# ---- item 1: keep= and the best checkpoint ---------------------------------------------
def test_keep_n_keeps_the_latest_n_and_monitor_the_best(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    x, y = blobs(60)
    ck = Checkpoint(path, keep=2, monitor="val_loss", mode="max")  # NOTE: so the best is first
    h = fit(linear(2, 3), (x[:40], y[:40]), validation=(x[40:], y[40:]), epochs=5,
            loss=sd.losses.cross_entropy_with_logits_loss,
            callbacks=[ck])  # fmt: skip
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([path.name, "run.epoch4.safetensors", "run.epoch5.safetensors",
                            "run.best.safetensors"])  # fmt: skip
    assert path.read_bytes() == (tmp_path / "run.epoch5.safetensors").read_bytes()
    best = json.loads(bytes(load_state(ck.best_path)["fit.meta"]))
    assert best["epoch"] == int(np.argmax(h["val_loss"])) + 1 == 1


def test_monitoring_a_figure_that_is_not_recorded_is_a_clear_error(tmp_path: Path) -> None:
    x, y = regression(16)
    with pytest.raises(KeyError, match="monitors 'val_loss'.*validation="):
        fit(linear(3, 1), (x, y), callbacks=[Checkpoint(tmp_path / "c.npz", monitor="val_loss")])


def test_a_monitored_figure_that_is_not_recorded_is_an_error_before_the_first_step(
    tmp_path: Path,
) -> None:
    x, y = blobs(32)
    cb, steps = counting()
    typo = Checkpoint(tmp_path / "run.npz", monitor="val_acuracy", mode="max")
    with pytest.raises(KeyError, match=r"monitors 'val_acuracy'.*\['accuracy', 'loss', 'val_acc"):
        fit(linear(2, 3), (x, y), loss=sd.losses.cross_entropy_with_logits_loss, epochs=2,
            metrics=["accuracy"], validation=(x[:8], y[:8]), callbacks=[cb, typo])  # fmt: skip
    assert steps == [] and list(tmp_path.iterdir()) == []  # NOTE: after an epoch, lost before


def rmse(pred: Any, target: Any) -> float:
    return float(np.sqrt(((pred.numpy() - target.numpy()) ** 2).mean()))


def score(pred: Any, target: Any) -> float:
    """A figure whose name says neither lower nor higher is better."""
    return rmse(pred, target)


def test_monitor_auto_keeps_the_lowest_rmse_and_refuses_a_name_it_cannot_place(
    tmp_path: Path,
) -> None:
    x, y = regression(48)
    ck = Checkpoint(tmp_path / "run.safetensors", monitor="val_rmse")
    h = fit(linear(3, 1), (x[:40], y[:40]), epochs=4, metrics=[rmse], validation=(x[40:], y[40:]),
            callbacks=[ck])  # fmt: skip
    assert h["val_rmse"][-1] < h["val_rmse"][0]  # NOTE: "auto" took rmse as higher-is-better
    best = json.loads(bytes(load_state(ck.best_path)["fit.meta"]))["epoch"]
    assert best == int(np.argmin(h["val_rmse"])) + 1
    cb, steps = counting()
    ck = Checkpoint(tmp_path / "run.safetensors", monitor="val_score")
    with pytest.raises(ValueError, match=r"monitor='val_score'.*pass mode=\"min\""):
        fit(linear(3, 1), (x, y), epochs=2, metrics=[score], validation=(x, y),
            callbacks=[cb, ck])  # fmt: skip
    assert steps == []


# ---- keep= with a name that glob would read as a pattern --------------------------------
def test_keep_prunes_the_copies_of_a_name_with_brackets(tmp_path: Path) -> None:
    path = tmp_path / "run[lr=0.01].safetensors"
    fit(linear(3, 1), regression(16), epochs=4, callbacks=[Checkpoint(path, keep=2)])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "run[lr=0.01].epoch3.safetensors", "run[lr=0.01].epoch4.safetensors", path.name,
    ]  # fmt: skip


def test_keep_never_prunes_another_runs_copies(tmp_path: Path) -> None:
    other = tmp_path / "runA.npz"
    fit(linear(3, 1), regression(16), epochs=3, callbacks=[Checkpoint(other, keep=5)])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    mine = Checkpoint(tmp_path / "run?.npz", keep=2)
    fit(linear(3, 1), regression(16), epochs=3, callbacks=[mine])
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("runA")}
    assert after == before  # NOTE: "run?.epoch*.npz" matched runA's copies, and pruned them


@pytest.mark.parametrize("kw", [{"keep": 0}, {"every": 0}, {"mode": "lowest"}])
def test_checkpoint_options_are_checked(kw: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid"):
        Checkpoint(tmp_path / "c.npz", **kw)


# ---- item 2: a second Ctrl-C inside the update -----------------------------------------
def test_two_ctrl_cs_never_leave_a_half_updated_model(tmp_path: Path) -> None:
    out = tmp_path / "trials.npz"
    done = subprocess.run(
        [sys.executable, sigint_run.__file__, str(out)], capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    got = np.load(out)
    trials = sorted({k.split(".", 1)[0] for k in got.files})
    assert len(trials) == len(sigint_run.PLACED) + sigint_run.TIMED
    references: dict[tuple[int, int], dict[str, np.ndarray]] = {}
    for trial in trials:
        arrays = {k.split(".", 1)[1]: got[k] for k in got.files if k.startswith(f"{trial}.")}
        steps = {int(a) for k, a in arrays.items() if k.startswith("steps.")}
        assert len(steps) == 1, f"{trial}: parameters at different steps {steps}"
        n = steps.pop()
        if trial.startswith("placed"):
            assert n == sigint_run.PLACED[int(trial[6:])][0] + 1, trial
        width = 8 if trial.startswith("placed") else 128
        if (width, n) not in references:
            opt = sd.optim.Adam(lr=0.01)
            net, _ = sigint_run.train(width, opt, steps=n)
            references[width, n] = sigint_run.result(net, opt)
        for name, a in references[width, n].items():
            np.testing.assert_array_equal(arrays[name], a, err_msg=f"{trial}: {name}")


# ---- items 3 and 4: a failed resume changes nothing and names the file -----------------
def snapshot(model: Any, opt: Any) -> dict[str, Any]:
    state: dict[str, Any] = {f"w.{k}": v for k, v in weights(model).items()}
    state.update({f"o.{k}": np.array(v, copy=True) for k, v in opt.state_dict().items()})
    state["rng"] = json.dumps(sd.default_device().rng.bit_generator.state)
    return state


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert before.keys() == after.keys()
    for k, v in before.items():
        np.testing.assert_array_equal(after[k], v, err_msg=k)


def adam_checkpoint(path: Path) -> None:
    x, y = regression(16)
    fit(linear(3, 1), (x, y), epochs=2, optimizer=sd.optim.Adam(lr=0.01),
        callbacks=[Checkpoint(path)])  # fmt: skip


def edit(path: Path, change: Any) -> None:
    state = dict(load_state(path))
    change(state)
    save_state(state, path)


def set_meta(state: dict[str, Any], text: bytes) -> None:
    state["fit.meta"] = np.frombuffer(text, np.uint8)


def drop_history(state: dict[str, Any]) -> None:
    meta = json.loads(bytes(state["fit.meta"]))
    del meta["history"]
    set_meta(state, json.dumps(meta).encode())


CASES: list[tuple[str, Any, Any, str]] = [
    ("another optimizer", lambda p: None, lambda: sd.optim.Sgd(lr=0.1, momentum=0.9),
     "it holds Adam's optimizer state, but this run's optimizer is Sgd: resume with Adam"),
    # NOTE: AdamW keeps the very state Adam does: this resume used to succeed silently
    ("another optimizer with the same state", lambda p: None, lambda: sd.optim.AdamW(lr=0.1),
     "Adam's optimizer state, but this run's optimizer is AdamW"),
    ("another architecture", lambda p: None, None,
     r"does not match: wrong shape: weight \(expected \(1, 2\)"),
    ("a model.save() file", lambda p: linear(3, 1).save(p), None, "not a Checkpoint"),
    ("malformed fit.meta", lambda p: edit(p, lambda s: set_meta(s, b"{not json")), None,
     "'fit.meta' entry is malformed"),
    ("fit.meta without history", lambda p: edit(p, drop_history), None, "missing 'history'"),
    ("optimizer state of the wrong shape",
     lambda p: edit(p, lambda s: s.update({"optim.state.weight.exp_avg": np.zeros((2, 2))})),
     None, r"wrong shape: state.weight.exp_avg \(expected \(1, 3\), got \(2, 2\)\)"),
    ("a bad learning rate", lambda p: edit(p, lambda s: s.update({"optim.hyper.lr": -1.0})),
     None, "invalid learning rate"),
    ("a malformed random state",
     lambda p: edit(p, lambda s: set_meta(s, bytes(s["fit.meta"]).replace(b"PCG64", b"PCG65"))),
     None, "random generator state is malformed"),
    ("a corrupt file", lambda p: p.write_bytes(p.read_bytes()[:-3]), None, "not a valid"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "spoil", "make_opt", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_failed_resume_leaves_model_and_optimizer_as_they_were(
    case: str, spoil: Any, make_opt: Any, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "run.safetensors"
    adam_checkpoint(path)
    spoil(path)
    model = linear(2, 1) if case == "another architecture" else linear(3, 1, seed=7)
    opt = make_opt() if make_opt else sd.optim.Adam(lr=0.02)
    x, y = regression(16)
    fit(model, (x[:, : model.weight.shape[1]], y), optimizer=opt)  # optimizer state to keep
    before = snapshot(model, opt)
    with pytest.raises(CheckpointError, match=message) as err:
        fit(model, (x[:, : model.weight.shape[1]], y), optimizer=opt, epochs=3, resume_from=path)
    assert str(path) in str(err.value)
    assert_same(before, snapshot(model, opt))


# ---- item 8: a finished run resumes with the schedule's learning rate -------------------
def test_resuming_a_finished_run_keeps_the_scheduled_learning_rate(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    x, y = regression(32)
    first, again = sd.optim.Sgd(lr=0.1), sd.optim.Sgd(lr=0.1)
    kw: dict[str, Any] = {"epochs": 3, "resume_from": path}
    fit(linear(3, 1), (x, y), optimizer=first, callbacks=[CosineDecay(12), Checkpoint(path)], **kw)
    assert first.lr < 0.1
    fit(linear(3, 1), (x, y), optimizer=again, callbacks=[CosineDecay(12), Checkpoint(path)], **kw)
    assert again.lr == first.lr


# ---- item 6: fit's arguments, checked before the first update --------------------------
def counting() -> tuple[LambdaCallback, list[int]]:
    steps: list[int] = []
    return LambdaCallback(on_step_end=lambda r, f: steps.append(r.global_step)), steps


X16, Y16 = regression(16)
UNEVEN = [(X16[:8], Y16[:8]), (X16[8:], Y16[8:15])]  # NOTE: batch 1 has 8 rows and 7 labels


@pytest.mark.parametrize(
    ("data", "kw", "error", "message"),
    [
        (UNEVEN, {}, sd.ShapeError,
         r"fit: data batch 1: shapes \(8, 3\) and \(7, 1\): x and y need the same length"),
        (regression(8), {"validation": UNEVEN}, sd.ShapeError,
         r"fit: validation batch 1: shapes \(8, 3\) and \(7, 1\)"),
        ([(X16, Y16), (X16,)], {}, TypeError, "data batch 1: a batch must be a pair"),
        ((np.zeros((0, 3), np.float32), np.zeros((0, 1), np.float32)), {}, ValueError,
         "data is empty"),
        ([], {}, ValueError, "data is empty"),
        ("xy", {}, TypeError, "data must be a pair"),
        ({"x": 1}, {}, TypeError, r"data must be a pair .*got a dict \(pass the pair"),
        (regression(8)[0], {}, TypeError, r"got one array of shape \(8, 3\) \(pass the pair"),
        ((*regression(8), np.zeros(8)), {}, TypeError, "got a tuple of 3 arrays, not 2"),
        (regression(8), {"validation": regression(8)[0]}, TypeError,
         r"validation must be a pair .*got one array"),
        (regression(8), {"halt_when": 3}, TypeError,
         r"halt_when must be a condition .* or a list of them, got int"),
        (regression(8), {"epochs": 0}, ValueError, "invalid epochs=0"),
        (regression(8), {"epochs": -1}, ValueError, "invalid epochs=-1"),
        (regression(8), {"epochs": 2.5}, ValueError, "invalid epochs=2.5"),
        (regression(8), {"batch_size": 0}, ValueError, "invalid batch_size=0"),
        (regression(8), {"batch_size": 9, "drop_last": True}, ValueError,
         r"data has 8 rows, fewer than batch_size=9, and drop_last=True leaves out"),
        (regression(8), {"validation": (np.zeros((0, 3)), np.zeros((0, 1)))}, ValueError,
         "validation is empty"),
        (([[1.0, 2.0, 3.0], [4.0, 5.0]], [[1.0], [2.0]]), {}, ValueError,
         r"data\[0\] is ragged: data\[0\]\[1\] has 2 entries"),
    ],
)  # fmt: skip
def test_nonsense_is_refused_before_training(
    data: Any, kw: dict[str, Any], error: type[Exception], message: str
) -> None:
    model = linear(3, 1)
    w = weights(model)
    cb, steps = counting()
    with pytest.raises(error, match=message):
        fit(model, data, callbacks=[cb], **kw)
    assert steps == []
    assert_same(w, weights(model))


@pytest.mark.parametrize(
    ("data", "kw", "message"),
    [
        (regression(17), {}, r"data's last batch has 1 row \(17 rows in batches of 8\)"),
        (regression(4), {"batch_size": 1}, r"last batch has 1 row \(4 rows in batches of 1\)"),
        ([*UNEVEN[:1], (X16[8:9], Y16[8:9]), *UNEVEN[:1]], {}, "data batch 1 has 1 row"),
    ],
)  # fmt: skip
def test_a_batch_of_one_row_for_batch_norm_is_refused_before_the_first_update(
    data: Any, kw: dict[str, Any], message: str
) -> None:
    model = batch_normed()
    before = state(model)
    cb, steps = counting()
    with pytest.raises(ValueError, match=f"{message}.*BatchNorm1d cannot train on one row"):
        fit(model, data, callbacks=[cb], epochs=2, **kw)
    assert steps == []  # NOTE: batch_norm refused it after the epoch's other updates
    assert_same(before, state(model))


def test_a_last_batch_of_one_row_trains_where_batch_norm_can_take_it() -> None:
    fit(batch_normed(), regression(17), drop_last=True)
    fit(linear(3, 1), regression(17))  # no batch norm
    nn = sd.nn  # NOTE: one image is still 16 values per channel
    convolved = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.Flatten(),
                              nn.Linear(32, 1))  # fmt: skip
    x, y = regression(9)
    fit(convolved, (np.repeat(x[:, :1, None, None], 16, axis=2).reshape(9, 1, 4, 4), y))


def test_data_that_gives_no_batches_is_an_error() -> None:
    class Nothing:
        def __iter__(self) -> Any:
            return iter(())

    with pytest.raises(ValueError, match="no batches in epoch 1"):
        fit(linear(3, 1), Nothing())


def test_validation_read_up_in_the_first_epoch_is_an_error_not_nan_figures(
    tmp_path: Path,
) -> None:
    x, y = regression(16)
    once = ((x[i : i + 4], y[i : i + 4]) for i in range(0, 16, 4))
    model = linear(3, 1)
    w = weights(model)
    with pytest.raises(TypeError, match="validation is a one-shot iterator"):
        fit(model, (x, y), epochs=3, validation=once)  # NOTE: epochs 2 and 3 got val_loss nan
    assert_same(w, weights(model))

    class UsedUp:  # NOTE: re-iterable, but it has nothing left after the first pass
        def __init__(self) -> None:
            self.batches = [(x[:8], y[:8])]

        def __iter__(self) -> Any:
            yield from self.batches
            self.batches = []

    path = tmp_path / "run.safetensors"
    with pytest.raises(ValueError, match="validation gave no batches in epoch 2"):
        fit(linear(3, 1), (x, y), epochs=3, validation=UsedUp(), callbacks=[Checkpoint(path)])
    assert json.loads(bytes(load_state(path)["fit.meta"]))["epoch"] == 1


def test_a_pair_of_lists_trains_like_a_pair_of_arrays() -> None:
    x, y = regression(16)
    by_lists, by_arrays = linear(3, 1), linear(3, 1)
    fit(by_lists, (x.tolist(), y.tolist()))
    fit(by_arrays, (x, y))
    np.testing.assert_allclose(weights(by_lists)["weight"], weights(by_arrays)["weight"],
                               rtol=1e-6)  # fmt: skip


@pytest.mark.parametrize("as_batches", [False, True])
def test_a_label_out_of_range_is_found_before_any_update(as_batches: bool) -> None:
    x, y = blobs(30)
    y[27] = 3  # three classes: 0, 1, 2; in the last batch
    data: Any = (x, y)
    if as_batches:
        data = [(x[i : i + 8], y[i : i + 8]) for i in range(0, 30, 8)]
    model = linear(2, 3)
    w = weights(model)
    where = r"batch 3\[3\]" if as_batches else r"y\[27\]"
    with pytest.raises(ValueError, match=f"label 3 at {where}.*class indices must be in"):
        fit(model, data, loss=sd.losses.cross_entropy_with_logits_loss)
    assert_same(w, weights(model))


@pytest.mark.parametrize("problem", ["a label out of range", "another width"])
def test_validation_that_does_not_fit_is_found_before_any_update(
    problem: str, tmp_path: Any
) -> None:
    x, y = blobs(30)
    x_val, y_val = x[:12].copy(), y[:12].copy()
    if problem == "a label out of range":
        y_val[9] = 5  # in the validation's second batch of 8, so only its labels can tell
        error, match = ValueError, r"validation has the label 5 at y\[9\].*nothing was trained"
    else:
        x_val = np.c_[x_val, x_val]  # four features for a model of two
        error, match = sd.ShapeError, "in_features 2"
    model, path = linear(2, 3), str(tmp_path / "run.safetensors")
    w = weights(model)
    with pytest.raises(error, match=match) as caught:
        fit(model, (x, y), loss=sd.losses.cross_entropy_with_logits_loss, epochs=2,
            validation=(x_val, y_val), callbacks=[Checkpoint(path)])  # fmt: skip
    assert_same(w, weights(model))
    assert not os.path.exists(path)
    if problem == "another width":
        assert "first batch of validation, tried before training" in "".join(caught.value.__notes__)


def test_float64_labels_are_named_as_such() -> None:
    x, y = blobs(16)
    with pytest.raises(TypeError, match=r"cast y from float64 to float32.*astype\(np.int64\)"):
        fit(linear(2, 3), (x, y.astype(np.float64)), loss=sd.losses.cross_entropy_with_logits_loss)


def test_an_update_that_fails_on_loaded_state_changes_no_parameter() -> None:
    model = linear(3, 2)
    opt = sd.optim.Adam(lr=0.1)
    x = sd.tensor(regression(4)[0])
    opt.update(model, (model(x.traced()) ** 2).mean().backward())
    state = opt.state_dict()
    state["state.bias.exp_avg"] = np.zeros(5, np.float32)  # the second parameter's: wrong
    opt.load_state_dict(state)
    before = weights(model)
    with pytest.raises(CheckpointError, match="'bias' has shape"):
        opt.update(model, (model(x.traced()) ** 2).mean().backward())
    assert_same(before, weights(model))
    assert int(opt.state["weight"]["step"]) == 1


def test_check_state_dict_with_the_model_finds_a_wrong_shape_before_loading() -> None:
    model = linear(3, 2)
    opt = sd.optim.Adam(lr=0.1)
    state = {**opt.state_dict(), "state.weight.step": 1, "state.weight.exp_avg": np.zeros(2),
             "state.weight.exp_avg_sq": np.zeros((2, 3))}  # fmt: skip
    with pytest.raises(CheckpointError, match=r"state.weight.exp_avg \(expected \(2, 3\)"):
        opt.load_state_dict(state, model)
    assert opt.state == {}
