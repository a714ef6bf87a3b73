"""XOR, as in intricate's README: a 2-3-1 network trained with a halting condition.

python examples/xor.py
"""

from __future__ import annotations

import argparse

import shapedl as sd
from shapedl import nn
from shapedl.train import AccuracyAbove, LossBelow


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred epochs at most")
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cpu(seed=0))

    x = sd.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = sd.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh())

    history = sd.train.fit(
        model,
        (x, y),
        loss=sd.losses.mse_loss,
        optimizer=sd.optim.Sgd(lr=0.1),
        epochs=300 if args.quick else 10_000,
        batch_size=4,
        metrics=["accuracy"],
        # intricate's halting condition, done fully: conditions combine with & and |
        halt_when=LossBelow(0.01) & AccuracyAbove(1.0),
        progress=False,
    )

    print(f"stopped after {history.epochs} epochs: {history.stopped_by or 'all epochs ran'}")
    print(history.sparkline("loss"))
    for row, out in zip(x.tolist(), model(x).tolist(), strict=True):
        print(f"{row[0]:g} xor {row[1]:g} -> {out[0]:.3f}")
    return history.last("loss")


if __name__ == "__main__":
    main()
