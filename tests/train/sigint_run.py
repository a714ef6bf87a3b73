"""Training runs hit by two Ctrl-Cs, run as a subprocess so that the signals are real.

    python sigint_run.py OUT.npz

Each trial trains a fresh model with `fit`. In the placed trials a first SIGINT comes at the
start of step `s` and the second from inside the Adam update, as its flat step (all 8
parameters at once) begins (`k` = 0) or ends (`k` = 1); in the timed trials a thread sends
both at random moments. Each trial's weights, Adam moments and the step count of every
parameter go to OUT.npz, for the test to compare with a run of whole steps.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import numpy as np

import shapedl as sd
from shapedl.train import LambdaCallback

PLACED = [(s, k) for s in (1, 3) for k in (0, 1)]
TIMED = 6


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 16)).astype(np.float32)
    return x, (x[:, 0] > x[:, 1]).astype(np.int64)


def model(width: int) -> Any:
    sd.set_default_device(sd.Cpu(seed=0))
    layers = [sd.nn.Linear(16, width), sd.nn.ReLU(), sd.nn.Linear(width, width), sd.nn.ReLU()]
    layers += [sd.nn.Linear(width, width), sd.nn.ReLU(), sd.nn.Linear(width, 2)]
    return sd.nn.Sequential(*layers)


class SignallingAdam(sd.optim.Adam):
    """Adam that sends itself SIGINT as its flat step of update `at` begins (`k` = 0) or
    ends (`k` = 1)."""

    def __init__(self, at: int | None = None, k: int = 0) -> None:
        super().__init__(lr=0.01)
        self.at, self.k, self.updates = at, k, 0

    def update(self, params: Any, grads: Any, **kw: Any) -> None:
        super().update(params, grads, **kw)
        self.updates += 1

    def _step(self, xp: Any, state: dict[str, Any], p: Any, g: Any, tmp: Any) -> None:
        if self.updates == self.at and self.k == 0:
            os.kill(os.getpid(), signal.SIGINT)
        super()._step(xp, state, p, g, tmp)
        if self.updates == self.at and self.k == 1:
            os.kill(os.getpid(), signal.SIGINT)


class FirstSignal(sd.train.Callback):
    """Sends the first SIGINT as step `at` begins."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_step_begin(self, run: sd.train.Run) -> None:
        if run.global_step == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def train(
    width: int, opt: sd.optim.Adam, steps: int | None = None, callbacks: Any = ()
) -> tuple[Any, Any]:
    """`fit` for 3 epochs of 8 batches, or only its first `steps` steps."""
    net = model(width)
    x, y = data()
    stop = LambdaCallback(
        on_step_end=lambda r, f: r.stop("enough") if r.global_step + 1 == steps else None
    )
    h = sd.train.fit(
        net, (x, y), loss=sd.losses.cross_entropy_with_logits_loss, optimizer=opt, epochs=3,
        batch_size=8, callbacks=[*callbacks, stop], progress=False,
    )  # fmt: skip
    return net, h


def result(net: Any, opt: sd.optim.Adam) -> dict[str, np.ndarray]:
    out = {f"w.{n}": t.numpy() for n, t in net.parameters().items()}
    for name, state in opt.state.items():
        out[f"m.{name}"] = np.asarray(state["exp_avg"])
        out[f"steps.{name}"] = np.asarray(state["step"])
    return out


def placed(s: int, k: int) -> dict[str, np.ndarray]:
    opt = SignallingAdam(at=s, k=k)
    net, h = train(8, opt, callbacks=[FirstSignal(s)])
    assert h.interrupted, "the first SIGINT did not interrupt"
    return result(net, opt)


def timed(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    first, gap = rng.uniform(0.01, 0.08), rng.uniform(0.0, 0.004)  # NOTE: a fit takes ~0.1 s

    def send() -> None:
        time.sleep(first)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(gap)
        os.kill(os.getpid(), signal.SIGINT)

    opt = sd.optim.Adam(lr=0.01)
    sender = threading.Thread(target=send)
    sender.start()
    net, _ = train(128, opt)
    sender.join()
    return result(net, opt)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, lambda signum, frame: None)  # NOTE: late signals land here
    trials: dict[str, np.ndarray] = {}
    for i, (s, k) in enumerate(PLACED):
        trials.update({f"placed{i}.{n}": a for n, a in placed(s, k).items()})
    for i in range(TIMED):
        trials.update({f"timed{i}.{n}": a for n, a in timed(i).items()})
    np.savez(sys.argv[1], **trials)  # type: ignore[arg-type]  # NOTE: numpy's stub reads **arrays as allow_pickle
