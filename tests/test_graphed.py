"""`sd.graphed`: a step recorded as a CUDA graph and replayed gives the eager step's results.

On the default device: on the CPU every call runs eagerly with the graphed bookkeeping (the
optimizer's device step count, its hooks), compared with plain eager steps and with
`torch.optim`; with `pytest --device cuda` the same tests record and replay real CUDA graphs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.backend.recording import NotReady, Recorder, recorded

STEPS = 6


def _on_gpu() -> bool:
    return sd.default_device().backend.graphs() is not None


def _mlp(seed: int = 0) -> sd.nn.Module:
    sd.default_device().reseed(seed)
    return sd.nn.Sequential(sd.nn.Linear(5, 8), sd.nn.ReLU(), sd.nn.Linear(8, 3))


def _batches(n: int = STEPS, batch: int = 4) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1)
    return [
        (rng.standard_normal((batch, 5)).astype(np.float32), rng.integers(0, 3, batch))
        for _ in range(n)
    ]


def _step(model: sd.nn.Module, opt: Any) -> Callable[[Any, Any], Any]:
    def step(x: Any, y: Any) -> Any:
        loss = sd.losses.cross_entropy_with_logits_loss(model(x.traced()), y)
        opt.update(model, loss.backward())
        return loss

    return step


def _run(step: Callable[[Any, Any], Any], batches: list[Any]) -> list[float]:
    return [step(sd.from_numpy(x), sd.from_numpy(y)).item() for x, y in batches]


def _params(model: sd.nn.Module) -> dict[str, np.ndarray]:
    return {name: p.numpy() for name, p in model.parameters().items()}


OPTIMIZERS: dict[str, Callable[[], Any]] = {
    "adam": lambda: sd.optim.Adam(lr=0.05),
    "adamw": lambda: sd.optim.AdamW(lr=0.05, weight_decay=0.1),
    "adam_amsgrad": lambda: sd.optim.Adam(lr=0.05, amsgrad=True, weight_decay=0.01),
    "sgd_momentum": lambda: sd.optim.Sgd(lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop": lambda: sd.optim.RMSprop(lr=0.01, momentum=0.5, centered=True),
    "adagrad_decay": lambda: sd.optim.Adagrad(lr=0.1, lr_decay=0.05),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_graphed_steps_match_eager_steps(name: str) -> None:
    batches = _batches()
    eager, graphed = _mlp(), _mlp()
    want = _run(_step(eager, OPTIMIZERS[name]()), batches)
    step = sd.graphed(_step(graphed, OPTIMIZERS[name]()))
    got = _run(step, batches)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for key, value in _params(eager).items():
        np.testing.assert_allclose(_params(graphed)[key], value, rtol=1e-5, atol=1e-6)
    assert step.graphs == (1 if _on_gpu() else 0)


TORCH_OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.05),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1),
    "adam_amsgrad": lambda ps: torch.optim.Adam(ps, lr=0.05, amsgrad=True, weight_decay=0.01),
    "sgd_momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad_decay": lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.05),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_graphed_steps_match_torch(name: str) -> None:
    """The step count kept on the device gives torch's bias corrections and decays."""
    batches = _batches()
    model = _mlp()
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in _params(model).items()})
    topt = TORCH_OPTIMIZERS[name](net.parameters())
    want = []
    for x, y in batches:
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        topt.step()
        want.append(loss.item())
    got = _run(sd.graphed(_step(model, OPTIMIZERS[name]())), batches)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for key, value in net.state_dict().items():
        np.testing.assert_allclose(_params(model)[key], value.numpy(), rtol=1e-4, atol=1e-5)


def test_eager_updates_between_graphed_calls_keep_one_step_count() -> None:
    """An eager step between graphed ones advances Adam's count the graph then starts from."""
    batches = _batches(8)
    eager, mixed = _mlp(), _mlp()
    want = _run(_step(eager, sd.optim.Adam(lr=0.05)), batches)
    opt = sd.optim.Adam(lr=0.05)
    plain = _step(mixed, opt)
    step = sd.graphed(plain)
    got = _run(step, batches[:4]) + _run(plain, batches[4:5]) + _run(step, batches[5:])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert opt.state["0.weight"]["step"] == 8


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_rate_scheduled_at_every_step_is_used_by_each_call(name: str) -> None:
    """The rate lives on the device too: a schedule needs no new graph, and each replay
    takes its call's rate."""
    batches = _batches(8)
    eager, graphed = _mlp(), _mlp()
    opts = [OPTIMIZERS[name](), OPTIMIZERS[name]()]
    steps = [_step(eager, opts[0]), sd.graphed(_step(graphed, opts[1]))]
    got: list[list[float]] = [[], []]
    for i, (x, y) in enumerate(batches):
        for opt, step, out in zip(opts, steps, got, strict=True):
            opt.set_lr(0.05 / (1 + i))
            out.append(step(sd.from_numpy(x), sd.from_numpy(y)).item())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5, atol=1e-6)
    assert steps[1].graphs == (1 if _on_gpu() else 0)


def test_rebound_parameters_are_the_ones_stepped() -> None:
    """Loading weights (new arrays) between calls: the next calls step the loaded ones."""
    batches = _batches(7)
    eager, graphed = _mlp(), _mlp()
    saved = {k: sd.from_numpy(v) for k, v in _params(eager).items()}
    steps = [_step(eager, sd.optim.Sgd(lr=0.1)), sd.graphed(_step(graphed, sd.optim.Sgd(lr=0.1)))]
    got: list[list[float]] = [[], []]
    for i, (x, y) in enumerate(batches):
        for model, step, out in zip((eager, graphed), steps, got, strict=True):
            if i == 4:
                model.load_state_dict(saved)
            out.append(step(sd.from_numpy(x), sd.from_numpy(y)).item())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5, atol=1e-6)


def test_each_batch_shape_gets_its_own_graph() -> None:
    batches = _batches(5) + _batches(4, batch=3)  # NOTE: a smaller last batch, as a loader has
    eager, graphed = _mlp(), _mlp()
    want = _run(_step(eager, sd.optim.Adam(lr=0.05)), batches)
    step = sd.graphed(_step(graphed, sd.optim.Adam(lr=0.05)), warmup=1)
    np.testing.assert_allclose(_run(step, batches), want, rtol=1e-5, atol=1e-6)
    assert step.graphs == (2 if _on_gpu() else 0)
    step.reset()
    assert step.graphs == 0


def test_the_returned_tensor_holds_each_calls_value() -> None:
    w = sd.tensor([1.0, -1.0])
    opt = sd.optim.Sgd(lr=0.5)

    @sd.graphed(warmup=1)
    def step(x: Any) -> Any:
        loss = (w.traced() * x).sum()
        opt.update([w], loss.backward())
        return loss

    x = sd.tensor([1.0, 2.0])
    assert [step(x).item() for _ in range(4)] == [-1.0, -3.5, -6.0, -8.5]
    assert w.tolist() == [-1.0, -5.0]


def test_arguments_are_checked() -> None:
    step = sd.graphed(lambda x, scale: x * scale)
    with pytest.raises(TypeError, match="must not be traced"):
        step(sd.tensor([1.0]).traced(), 2.0)
    with pytest.raises(TypeError, match="hashable values"):
        step(sd.tensor([1.0]), [2.0])
    with pytest.raises(ValueError, match="warmup must be at least 1"):
        sd.graphed(lambda: None, warmup=0)
    assert step(sd.tensor([1.0]), 3.0).tolist() == [3.0]


def test_recording_stops_before_the_optimizer_makes_state() -> None:
    """While recording, an optimizer that would first make its state stops the recording
    before it changes anything (a graph would make that state again at every replay)."""
    model, opt = _mlp(), sd.optim.Adam(lr=0.1)
    before = _params(model)
    x, y = (sd.from_numpy(a) for a in _batches(1)[0])
    grads = sd.losses.cross_entropy_with_logits_loss(model(x.traced()), y).backward()
    with recorded(Recorder(capturing=True)), pytest.raises(NotReady):
        opt.update(model, grads)
    assert opt.state == {}
    for key, value in _params(model).items():
        np.testing.assert_array_equal(value, before[key])


def test_dropout_draws_anew_at_each_call() -> None:
    w = sd.ones((64,))
    opt = sd.optim.Sgd(lr=0.0)

    @sd.graphed(warmup=1)
    def step() -> Any:
        out = sd.ops.dropout(w.traced(), 0.5)
        opt.update([w], out.sum().backward())
        return out

    masks = [step().numpy() != 0 for _ in range(4)]
    assert all(not np.array_equal(masks[i], masks[i + 1]) for i in range(3))


def test_an_index_out_of_range_in_a_replay_raises() -> None:
    if not _on_gpu():
        pytest.skip("recording needs a GPU (pytest --device cuda)")
    table = sd.randn((5, 3))
    opt = sd.optim.Sgd(lr=0.1)

    @sd.graphed(warmup=1)
    def step(ids: Any) -> Any:
        loss = sd.ops.embedding(ids, table.traced()).sum()
        opt.update([table], loss.backward())
        return loss

    step(sd.tensor([0, 4]))
    step(sd.tensor([1, 2]))
    assert step.graphs == 1
    with pytest.raises(IndexError, match=r"outside \[0, 5\)"):
        step(sd.tensor([1, 5]))


def test_a_step_that_waits_for_the_gpu_cannot_be_recorded() -> None:
    if not _on_gpu():
        pytest.skip("recording needs a GPU (pytest --device cuda)")
    model, opt = _mlp(), sd.optim.Sgd(lr=0.1)
    seen = []

    def step(x: Any, y: Any) -> Any:
        loss = sd.losses.cross_entropy_with_logits_loss(model(x.traced()), y)
        seen.append(loss.item())  # NOTE: waits for the GPU
        opt.update(model, loss.backward())
        return loss

    graphed = sd.graphed(step, warmup=1)
    batches = _batches(2)
    _run(graphed, batches[:1])
    before = _params(model)
    with pytest.raises(sd.CaptureError, match="must not wait for the GPU"):
        _run(graphed, batches[1:])
    for key, value in _params(model).items():
        np.testing.assert_array_equal(value, before[key])
    assert opt.state["0.weight"]["step"] == 1


# ---- the recording's control flow, on the CPU with stand-in graphs ----------------------
class _Graphs:
    """Stand-in CUDA graphs: `capture` runs the step once (NumPy cannot defer it) and a
    launch records what it would replay with, so the bookkeeping around them is checked."""

    def __init__(self) -> None:
        self.captures = 0
        self.launched: list[list[Any]] = []
        self.entry: Any = None

    def scope(self, entry: Any) -> Any:
        import contextlib

        self.entry = entry
        return contextlib.nullcontext()

    def capture(self, run: Callable[[], Any], recorder: Recorder) -> Any:
        self.captures += 1
        return "graph", run(), None

    def launch(self, graph: Any) -> None:
        self.launched.append([t.numpy().copy() for t in self.entry.inputs])


def _stand_in() -> tuple[sd.Device, _Graphs]:
    from shapedl.backend.numpy import NumpyBackend

    graphs = _Graphs()

    class Backend(NumpyBackend):
        def graphs(self) -> Any:
            return graphs

    return sd.Device(Backend(), seed=0), graphs


@pytest.mark.cpu_only("a stand-in backend on NumPy")
def test_warmup_then_one_recording_then_replays() -> None:
    device, graphs = _stand_in()
    w = sd.tensor([1.0, 2.0], device=device)
    opt = sd.optim.Adam(lr=0.1)
    runs = []

    @sd.graphed(warmup=2)
    def step(x: Any) -> Any:
        runs.append(1)
        loss = (w.traced() * x).sum()
        opt.update([w], loss.backward())
        return loss

    xs = [sd.tensor([float(i), 1.0], device=device) for i in range(6)]
    outs = [step(x) for x in xs]
    assert (len(runs), graphs.captures, len(graphs.launched), step.graphs) == (3, 1, 4, 1)
    assert [a[0].tolist() for a in graphs.launched] == [[2.0, 1.0], [3.0, 1.0], [4.0, 1.0],
                                                        [5.0, 1.0]]  # fmt: skip
    assert outs[3] is outs[5] is outs[2]  # NOTE: the graph's output, each call
    assert opt.state["0"]["step"] == 6  # NOTE: the host's count advances at each replay
    opt.set_lr(0.01)
    step(xs[0])
    assert (len(runs), graphs.captures) == (3, 1)  # NOTE: a new rate: the device's, no new graph
    opt.betas = (0.8, 0.999)
    step(xs[0])
    assert (len(runs), graphs.captures) == (4, 2)  # NOTE: another hyperparameter: recorded again
    w.data = w.data.copy()  # NOTE: rebound, as load_state_dict does: the graph is stale
    step(xs[0])
    assert (graphs.captures, step.graphs) == (3, 0)  # NOTE: new flat buffers: eager first
    step(xs[0])
    assert (graphs.captures, step.graphs) == (4, 1)


@pytest.mark.cpu_only("a stand-in backend on NumPy")
def test_a_recording_that_fails_changes_nothing_and_says_why() -> None:
    device, graphs = _stand_in()
    w = sd.tensor([1.0, 2.0], device=device)
    opt = sd.optim.Sgd(lr=0.1)

    @sd.graphed(warmup=1)
    def step(x: Any) -> Any:
        loss = (w.traced() * x).sum()
        opt.update([w], loss.backward())
        recorder = sd.backend.recording.recording()
        if recorder is not None and recorder.capturing:
            raise RuntimeError("cudaErrorStreamCaptureUnsupported")
        return loss

    x = sd.tensor([1.0, 1.0], device=device)
    step(x)
    with pytest.raises(sd.CaptureError, match="must not wait for the GPU") as err:
        step(x)
    assert "cudaErrorStreamCaptureUnsupported" in str(err.value)
    assert opt.state["0"]["step"] == 1 and step.graphs == 0


@pytest.mark.cpu_only("a stand-in backend on NumPy")
def test_a_recording_that_would_make_state_runs_eagerly_instead() -> None:
    device, graphs = _stand_in()
    w = sd.tensor([1.0, 2.0], device=device)
    opts = [sd.optim.Adam(lr=0.1)]

    @sd.graphed(warmup=1)
    def step(x: Any) -> Any:
        loss = (w.traced() * x).sum()
        opts[-1].update([w], loss.backward())
        return loss

    x = sd.tensor([1.0, 1.0], device=device)
    step(x)
    opts.append(sd.optim.Adam(lr=0.1))  # NOTE: a fresh optimizer: no state yet
    step(x)
    assert step.graphs == 0 and opts[-1].state["0"]["step"] == 1
    step(x)
    assert step.graphs == 1 and graphs.captures == 2


@pytest.mark.cpu_only("a stand-in backend on NumPy")
def test_keyword_tensors_reach_their_own_inputs_in_any_order() -> None:
    device, graphs = _stand_in()

    @sd.graphed(warmup=1)
    def step(x: Any, y: Any) -> Any:
        return x - y

    one, two = (sd.tensor([v], device=device) for v in (1.0, 2.0))
    step(x=one, y=two)
    step(y=two, x=one)  # NOTE: recorded: the copies are x's, then y's
    step(x=two, y=one)
    assert [[a.tolist() for a in call] for call in graphs.launched] == [
        [[1.0], [2.0]],
        [[2.0], [1.0]],
    ]


def test_a_recording_belongs_to_its_thread() -> None:
    """Another thread's steps (its own CuPy stream and allocator) are not recorded."""
    import threading

    seen: list[Any] = []
    with recorded(Recorder(capturing=True)) as mine:
        worker = threading.Thread(target=lambda: seen.append(sd.backend.recording.recording()))
        worker.start()
        worker.join()
        assert sd.backend.recording.recording() is mine
    assert seen == [None]


@pytest.mark.cpu_only("a stand-in backend on NumPy")
def test_an_optimizer_that_reads_host_values_is_not_recorded() -> None:
    class Halving(sd.optim.Sgd):
        device_values = False  # NOTE: a user's optimizer whose _step reads self.lr

        def _step(self, xp: Any, state: dict[str, Any], p: Any, g: Any, tmp: Any) -> None:
            state["step"] += 1
            p -= g * (self.lr / state["step"])

    device, graphs = _stand_in()
    w = sd.tensor([1.0, 2.0], device=device)
    opt = Halving(lr=0.5)

    @sd.graphed(warmup=1)
    def step(x: Any) -> Any:
        loss = (w.traced() * x).sum()
        opt.update([w], loss.backward())
        return loss

    step(w)
    with pytest.raises(sd.CaptureError, match="Halving reads its rate and step count"):
        step(w)
    assert opt.state["0"]["step"] == 1 and graphs.captures == 1


# ---- several updates in one call ---------------------------------------------------------
TWO_UPDATES: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
    "sgd_dampening": (
        lambda: sd.optim.Sgd(lr=0.1, momentum=0.9, dampening=0.5),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5),
    ),
    "adagrad_initial": (
        lambda: sd.optim.Adagrad(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5),
        lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5),
    ),
    "adam": (lambda: sd.optim.Adam(lr=0.05), lambda ps: torch.optim.Adam(ps, lr=0.05)),
}


def _two_updates(model: sd.nn.Module, opt: Any) -> Callable[[Any, Any], Any]:
    def step(x: Any, y: Any) -> Any:
        for _ in range(2):  # NOTE: as PPO's epochs over one batch, in one call
            loss = sd.losses.cross_entropy_with_logits_loss(model(x.traced()), y)
            opt.update(model, loss.backward())
        return loss

    return step


def _torch_two_updates(model: sd.nn.Module, make: Callable[[Any], Any], calls: int) -> Any:
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in _params(model).items()})
    topt = make(net.parameters())
    for x, y in _batches(calls):
        for _ in range(2):
            topt.zero_grad()
            out = net(torch.from_numpy(x))
            torch.nn.functional.cross_entropy(out, torch.from_numpy(y)).backward()
            topt.step()
    return net


@pytest.mark.parametrize("name", TWO_UPDATES)
def test_two_updates_in_one_graphed_call_match_plain_steps_and_torch(name: str) -> None:
    """The host's step count advanced only after the call: the second update saw the first's
    count, so Sgd reset its momentum and Adagrad added its initial value twice."""
    make, make_torch = TWO_UPDATES[name]
    plain, graphed = _mlp(), _mlp()
    net = _torch_two_updates(plain, make_torch, STEPS)
    _run(_two_updates(plain, make()), _batches())
    _run(sd.graphed(_two_updates(graphed, make())), _batches())
    for key, value in net.state_dict().items():
        np.testing.assert_allclose(_params(plain)[key], value.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(_params(graphed)[key], _params(plain)[key], rtol=1e-5,
                                   atol=1e-6)  # fmt: skip


@pytest.mark.cpu_only("a stand-in backend on NumPy")
@pytest.mark.parametrize("name", TWO_UPDATES)
def test_two_updates_in_a_recorded_call_match_torch(name: str) -> None:
    """The recording's Python sees the count before the call: nothing may branch on it."""
    device, graphs = _stand_in()
    make, make_torch = TWO_UPDATES[name]
    model = _mlp().to(device)
    net = _torch_two_updates(model, make_torch, 3)
    step = sd.graphed(_two_updates(model, make()), warmup=2)
    for x, y in _batches(3):  # NOTE: two eager calls, then one recorded (the stand-in runs it)
        step(sd.from_numpy(x).to(device), sd.from_numpy(y).to(device))
    assert graphs.captures == 1
    for key, value in net.state_dict().items():
        np.testing.assert_allclose(_params(model)[key], value.numpy(), rtol=1e-4, atol=1e-5)
