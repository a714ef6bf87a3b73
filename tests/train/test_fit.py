"""fit and evaluate: the training loop against a hand-written PyTorch loop, data forms,
validation, progress output and Ctrl-C."""

from __future__ import annotations

import os
import signal
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.train import Callback, LambdaCallback, Run

from .problems import blobs, cross_entropy, linear, mse, regression, weights


def _torch_loop(
    model: Any, x: np.ndarray, y: np.ndarray, batch: int, epochs: int, lr: float, classify: bool
) -> tuple[torch.nn.Linear, list[float], list[float]]:
    """The loop `fit` stands for, in PyTorch, from the same initial weights and batches."""
    w = weights(model)
    net = torch.nn.Linear(*w["weight"].shape[::-1])
    with torch.no_grad():
        net.weight.copy_(torch.from_numpy(w["weight"]))
        net.bias.copy_(torch.from_numpy(w["bias"]))
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    losses, accs = [], []
    for _ in range(epochs):
        total = hits = 0.0
        for i in range(0, len(x), batch):
            xb, yb = torch.from_numpy(x[i : i + batch]), torch.from_numpy(y[i : i + batch])
            out = net(xb)
            loss = (
                torch.nn.functional.cross_entropy(out, yb) if classify else ((out - yb) ** 2).mean()
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
            if classify:
                hits += (out.argmax(-1) == yb).sum().item()
        losses.append(total / len(x))
        accs.append(hits / len(x))
    return net, losses, accs


def test_fit_matches_a_hand_written_pytorch_loop() -> None:
    x, y = blobs(50)
    model = linear(2, 3)
    net, losses, accs = _torch_loop(model, x, y, batch=16, epochs=3, lr=0.1, classify=True)
    opt = sd.optim.Sgd(lr=0.1)
    h = sd.train.fit(
        model, (x, y), loss=cross_entropy, optimizer=opt, epochs=3, batch_size=16,
        metrics=["accuracy"], shuffle=False, progress=False,
    )  # fmt: skip
    np.testing.assert_allclose(h["loss"], losses, rtol=1e-5)
    np.testing.assert_allclose(h["accuracy"], accs)
    np.testing.assert_allclose(weights(model)["weight"], net.weight.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(weights(model)["bias"], net.bias.detach().numpy(), atol=1e-6)
    assert h.epochs == 3 and h.stopped_by is None and not h.interrupted


def test_fit_learns_and_records_validation_figures() -> None:
    x, y = blobs(120)
    model = linear(2, 3)
    h = sd.train.fit(
        model, (x[:90], y[:90]), loss=cross_entropy, optimizer=sd.optim.Adam(lr=0.05),
        epochs=8, batch_size=16, metrics=["accuracy", sd.train.top_k_accuracy(2)],
        validation=(x[90:], y[90:]), progress=False,
    )  # fmt: skip
    assert set(h) == {
        "loss", "accuracy", "top_2_accuracy", "val_loss", "val_accuracy", "val_top_2_accuracy"
    }  # fmt: skip
    assert all(len(v) == 8 for v in h.values())
    assert h["loss"][-1] < h["loss"][0] / 3
    out = model(sd.tensor(x[90:]))
    torch_loss = torch.nn.functional.cross_entropy(
        torch.from_numpy(out.numpy()), torch.from_numpy(y[90:])
    )
    assert h["val_loss"][-1] == pytest.approx(torch_loss.item(), rel=1e-5)
    assert h["val_accuracy"][-1] == pytest.approx(float((out.numpy().argmax(-1) == y[90:]).mean()))
    assert h["val_accuracy"][-1] == 1.0


def test_data_as_a_list_of_batches_and_as_tensors() -> None:
    x, y = regression(32)
    batches = [(x[i : i + 8], y[i : i + 8]) for i in range(0, 32, 8)]
    m1, m2 = linear(3, 1), linear(3, 1)
    kw: dict[str, Any] = {"loss": mse, "epochs": 2, "progress": False}
    h1 = sd.train.fit(m1, batches, optimizer=sd.optim.Sgd(lr=0.05), **kw)
    h2 = sd.train.fit(
        m2, (sd.tensor(x), sd.tensor(y)), optimizer=sd.optim.Sgd(lr=0.05), batch_size=8,
        shuffle=False, **kw,
    )  # fmt: skip
    assert h1["loss"] == h2["loss"]
    np.testing.assert_array_equal(weights(m1)["weight"], weights(m2)["weight"])


def test_one_shot_iterator_is_refused_for_several_epochs() -> None:
    x, y = regression(8)
    with pytest.raises(TypeError, match="one-shot iterator"):
        sd.train.fit(
            linear(3, 1), iter([(x, y)]), loss=mse, optimizer=sd.optim.Sgd(lr=0.1), epochs=2,
            progress=False,
        )  # fmt: skip


def test_same_seed_same_training_and_shuffling_uses_the_seed() -> None:
    x, y = regression(40)

    def train(seed: int) -> np.ndarray:
        model = linear(3, 1, seed=0)
        sd.set_default_device(sd.Cpu(seed=seed))
        sd.train.fit(
            model, (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.05), epochs=2, batch_size=8,
            progress=False,
        )  # fmt: skip
        return weights(model)["weight"]

    np.testing.assert_array_equal(train(1), train(1))
    assert not np.array_equal(train(1), train(2))


def test_evaluate_keeps_no_links_to_the_weights() -> None:
    # NOTE: under no_grad, as PyTorch's evaluation loops are: no graph is built to be dropped
    model = sd.nn.Linear(3, 2)
    seen: list[bool] = []

    def forward(x: Any) -> Any:
        out = model(x)
        seen.append(out.node is None)
        return out

    x, y = np.ones((5, 3), np.float32), np.zeros((5, 2), np.float32)
    figures = sd.train.evaluate(forward, (x, y), loss=sd.losses.mse_loss, batch_size=2)
    assert seen == [True, True, True] and figures["loss"] >= 0
    assert model(sd.tensor(x)).node is not None  # NOTE: and no_grad ends with it


def test_evaluate_is_inference_and_matches_pytorch() -> None:
    x, y = blobs(30)
    model = linear(2, 3)
    figures = sd.train.evaluate(
        model, (x, y), loss=cross_entropy, metrics=["accuracy"], batch_size=7
    )
    logits = torch.from_numpy(model(sd.tensor(x)).numpy())
    assert figures["loss"] == pytest.approx(
        torch.nn.functional.cross_entropy(logits, torch.from_numpy(y)).item(), rel=1e-5
    )
    assert figures["accuracy"] == pytest.approx((logits.argmax(-1).numpy() == y).mean())


def test_progress_off_a_terminal_is_one_line_per_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = regression(16)
    kw: dict[str, Any] = {"loss": mse, "epochs": 3, "batch_size": 4, "metrics": ["mae"]}
    sd.train.fit(linear(3, 1), (x, y), optimizer=sd.optim.Sgd(lr=0.01), **kw)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/3") and "loss" in lines[0]
    assert "mean_absolute_error" in lines[2]
    sd.train.fit(linear(3, 1), (x, y), optimizer=sd.optim.Sgd(lr=0.01), progress=False, **kw)
    assert capsys.readouterr().out == ""


# ---- Ctrl-C -----------------------------------------------------------------------------
class _InterruptAt(Callback):
    """Raises KeyboardInterrupt (or sends SIGINT) at the end of one step, remembering the
    weights as they were right then."""

    def __init__(self, epoch: int, step: int, real_signal: bool = False) -> None:
        self.at, self.real_signal = (epoch, step), real_signal
        self.weights: dict[str, np.ndarray] = {}
        self.steps = 0

    def on_step_end(self, run: Run, figures: Any) -> None:
        self.steps += 1
        if (run.epoch, run.step) == self.at:
            self.weights = weights(run.model)
            if self.real_signal:
                os.kill(os.getpid(), signal.SIGINT)
            else:
                raise KeyboardInterrupt


@pytest.mark.parametrize("real_signal", [False, True])
def test_ctrl_c_stops_after_the_step_and_returns_the_history(real_signal: bool) -> None:
    x, y = regression(32)
    model = linear(3, 1)
    stop = _InterruptAt(epoch=1, step=2, real_signal=real_signal)
    h = sd.train.fit(
        model, (x, y), loss=mse, optimizer=sd.optim.Adam(lr=0.01), epochs=5, batch_size=8,
        callbacks=[stop], progress=False,
    )  # fmt: skip
    assert h.interrupted and h.stopped_by == "interrupted"
    assert stop.steps == 4 + 3  # the whole first epoch and three steps of the second
    assert h.epochs == 2  # the cut-short epoch is recorded with the steps it ran
    for name, w in weights(model).items():  # no step after the interrupt, none half-done
        np.testing.assert_array_equal(w, stop.weights[name])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_lambda_callback_sees_every_step_and_epoch() -> None:
    x, y = regression(20)
    seen: list[tuple[str, int, int]] = []
    cb = LambdaCallback(
        on_step_end=lambda r, f: seen.append(("step", r.epoch, r.global_step)),
        on_epoch_end=lambda r, f: seen.append(("epoch", r.epoch, int("val_loss" in f))),
    )
    sd.train.fit(
        linear(3, 1), (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01), epochs=2,
        batch_size=8, validation=(x, y), callbacks=[cb], progress=False,
    )  # fmt: skip
    assert seen == [
        ("step", 0, 0), ("step", 0, 1), ("step", 0, 2), ("epoch", 0, 1),
        ("step", 1, 3), ("step", 1, 4), ("step", 1, 5), ("epoch", 1, 1),
    ]  # fmt: skip


def test_numpy_float64_data_is_cast_to_the_models_dtype_but_tensors_are_not() -> None:
    x, y = regression(16)
    kw: dict[str, Any] = {"loss": mse, "epochs": 1, "progress": False}
    m32, m64 = linear(3, 1), linear(3, 1)
    h = sd.train.fit(
        m32, (x.astype(np.float64), y.astype(np.float64)), optimizer=sd.optim.Sgd(lr=0.1), **kw
    )
    sd.train.fit(m64, (x, y), optimizer=sd.optim.Sgd(lr=0.1), **kw)
    assert h.epochs == 1 and m32.weight.numpy().dtype == np.float32
    np.testing.assert_allclose(weights(m32)["weight"], weights(m64)["weight"], rtol=1e-6)
    with pytest.raises(TypeError, match="float64 and float32"):
        sd.train.fit(
            linear(3, 1), (sd.tensor(x.astype(np.float64)), sd.tensor(y)),
            optimizer=sd.optim.Sgd(lr=0.1), **kw,
        )  # fmt: skip


def test_a_bfloat16_model_gets_its_numpy_data_cast_too() -> None:
    """bfloat16's NumPy kind is "V", not "f": fit took a bf16 model for one without floats and
    fed it float32 batches, a DTypeError at the first layer (an f16 model got its cast)."""
    x, y = regression(16)
    for dtype in (sd.bf16, sd.f16):
        model = linear(3, 1).astype(dtype)
        h = sd.train.fit(model, (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01), epochs=1,
                         batch_size=8, progress=False)  # fmt: skip
        assert h.epochs == 1 and model.weight.dtype is dtype


def test_ctrl_c_at_the_end_of_an_epoch_keeps_its_checkpoint_and_stops(tmp_path: Any) -> None:
    x, y = regression(16)
    path = tmp_path / "ck.safetensors"

    def interrupt(run: Run, figures: Any) -> None:
        if run.epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)  # lands while the epoch's callbacks run

    h = sd.train.fit(
        linear(3, 1), (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01), epochs=5,
        batch_size=8, validation=(x, y), progress=False,
        callbacks=[LambdaCallback(on_epoch_end=interrupt), sd.train.Checkpoint(path)],
    )  # fmt: skip
    assert h.interrupted and h.epochs == 2 and len(h["val_loss"]) == 2
    assert '"epoch": 2' in bytes(sd.checkpoint.load_state(path)["fit.meta"]).decode()


def test_ctrl_c_during_validation_skips_the_rest_and_stops() -> None:
    x, y = regression(16)
    calls = 0

    def model_fn(t: Any) -> Any:  # a model interrupted in its first validation of an epoch
        nonlocal calls
        if not t.is_traced:
            calls += 1
            if calls == 2:  # NOTE: the first is fit's try of a validation batch, before training
                raise KeyboardInterrupt
        return inner(t)

    inner = linear(3, 1)

    class Wrapped:
        def __call__(self, t: Any) -> Any:
            return model_fn(t)

        def parameters(self) -> Any:
            return inner.parameters()

    h = sd.train.fit(
        Wrapped(), (x, y), loss=mse, optimizer=sd.optim.Sgd(lr=0.01), epochs=5, batch_size=8,
        validation=(x, y), progress=False,
    )  # fmt: skip
    assert h.interrupted and h.epochs == 1 and calls == 2
    assert "val_loss" not in h and h["loss"][0] > 0


def _torch_sgd_epochs(model: Any, x: np.ndarray, y: np.ndarray, rates: list[float]) -> Any:
    """Sgd with momentum over whole-batch epochs, epoch `e` at `rates[e]`, one optimizer."""
    w = weights(model)
    net = torch.nn.Linear(*w["weight"].shape[::-1])
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in w.items()})
    opt = torch.optim.SGD(net.parameters(), lr=rates[0], momentum=0.9)
    for lr in rates:
        opt.param_groups[0]["lr"] = lr
        for i in range(0, len(x), 8):
            opt.zero_grad()
            xb, yb = torch.from_numpy(x[i : i + 8]), torch.from_numpy(y[i : i + 8])
            ((net(xb) - yb) ** 2).mean().backward()
            opt.step()
    return net


@pytest.mark.parametrize("schedule", [False, True])
def test_resuming_with_a_new_learning_rate_trains_on_with_it(schedule: bool, tmp_path: Any) -> None:
    """The non-finite stop advises a lower rate and a resume; the checkpoint's rate won."""
    x, y = regression(16)
    model = linear(3, 1)
    gamma = 0.5 if schedule else 1.0
    net = _torch_sgd_epochs(model, x, y, [0.1, 0.1 * gamma, 0.01 * gamma**2, 0.01 * gamma**3])
    path = tmp_path / "ck.safetensors"

    def train(lr: float, epochs: int) -> sd.optim.Sgd:
        opt = sd.optim.Sgd(lr=lr, momentum=0.9)
        callbacks: list[Callback] = [sd.train.Checkpoint(path)]
        if schedule:
            callbacks.append(sd.train.StepDecay(every=1, gamma=gamma))
        sd.train.fit(model, (x, y), loss=mse, optimizer=opt, epochs=epochs, batch_size=8,
                     shuffle=False, progress=False, callbacks=callbacks,
                     resume_from=path)  # fmt: skip
        return opt

    train(0.1, 2)
    opt = train(0.01, 4)
    assert opt.lr == pytest.approx(0.01 * gamma**3)
    np.testing.assert_allclose(weights(model)["weight"], net.weight.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(weights(model)["bias"], net.bias.detach().numpy(), rtol=1e-5)


def test_resuming_with_the_same_learning_rate_restores_the_checkpoints(tmp_path: Any) -> None:
    """The same rate again is an exact resume: the rate the schedule had reached is kept."""
    x, y = regression(16)
    model = linear(3, 1)
    net = _torch_sgd_epochs(model, x, y, [0.1, 0.05, 0.05])
    path = tmp_path / "ck.safetensors"
    for epochs, callbacks in ((2, [sd.train.StepDecay(every=1, gamma=0.5)]), (3, [])):
        opt = sd.optim.Sgd(lr=0.1, momentum=0.9)
        sd.train.fit(model, (x, y), loss=mse, optimizer=opt, epochs=epochs, batch_size=8,
                     shuffle=False, progress=False, resume_from=path,
                     callbacks=[*callbacks, sd.train.Checkpoint(path)])  # fmt: skip
    assert opt.lr == 0.05
    np.testing.assert_allclose(weights(model)["weight"], net.weight.detach().numpy(), rtol=1e-5)


def test_fit_records_the_accuracy_of_logits_with_a_logits_loss() -> None:
    """With `binary_cross_entropy_with_logits_loss` the outputs are logits: `"accuracy"` is
    PyTorch's `sigmoid(out) > 0.5` (above 0), not `out > 0.5`, in training and validation."""
    x = np.array([[-2.0], [-1.0], [0.1], [0.3]], dtype=np.float32)
    y = np.array([[0.0], [0.0], [1.0], [1.0]], dtype=np.float32)
    model = linear(1, 1)
    model.weight.data[...] = 1.0
    model.bias.data[...] = 0.0
    h = sd.train.fit(
        model,
        (x, y),
        loss=sd.losses.binary_cross_entropy_with_logits_loss,
        optimizer=sd.optim.Sgd(lr=1e-6),
        epochs=1,
        batch_size=4,
        metrics=["accuracy"],
        validation=(x, y),
        progress=False,
    )
    out = torch.from_numpy(x)  # NOTE: the logits of weight 1 and bias 0 (lr=1e-6 keeps them)
    want = float(((torch.sigmoid(out) > 0.5) == torch.from_numpy(y).bool()).float().mean())
    assert h["accuracy"] == h["val_accuracy"] == [want] == [1.0]
