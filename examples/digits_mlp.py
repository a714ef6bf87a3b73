"""An MLP on scikit-learn's 8x8 digits: about 98% held-out accuracy in a few seconds.

python examples/digits_mlp.py [--quick]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import shapedl as sd
from shapedl import nn


def digits(test_size: float = 0.25) -> tuple[Any, Any, Any, Any]:
    """Scaled 8x8 digits as (N, 64) float32 rows and int64 labels, split train/test."""
    images, labels = load_digits(return_X_y=True)
    x = (images / 16.0).astype(np.float32)
    return tuple(
        train_test_split(
            x, labels.astype(np.int64), test_size=test_size, random_state=0, stratify=labels
        )
    )


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two epochs, for the tests")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cpu(seed=0))
    x_train, x_test, y_train, y_test = digits()

    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    history = sd.train.fit(
        model,
        (x_train, y_train),
        loss=sd.losses.cross_entropy_with_logits_loss,
        optimizer=sd.optim.Adam(lr=3e-3),
        epochs=2 if args.quick else args.epochs,
        batch_size=32,
        metrics=["accuracy"],
        validation=(x_test, y_test),  # shown each epoch; not used to choose anything
    )

    test = sd.train.evaluate(model, (x_test, y_test), metrics=["accuracy"])
    print(history.sparkline())
    print(f"test accuracy: {test['accuracy']:.2%}")
    return test["accuracy"]


if __name__ == "__main__":
    main()
