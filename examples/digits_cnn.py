"""A small CNN on scikit-learn's 8x8 digits: about 99% held-out accuracy, with a progress
bar, and the loss curves written to a PNG.

    python examples/digits_cnn.py [--quick] [--plot digits_cnn_history.png]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import shapedl as sd
from shapedl import nn


def digit_images(test_size: float = 0.25) -> tuple[Any, Any, Any, Any]:
    """Scaled digits as (N, 1, 8, 8) float32 images and int64 labels, split train/test."""
    images, labels = load_digits(return_X_y=True)
    x = (images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return tuple(
        train_test_split(
            x, labels.astype(np.int64), test_size=test_size, random_state=0, stratify=labels
        )
    )


def model() -> nn.Module:
    """(B, 1, 8, 8) -> conv 3x3 -> (B, 32, 8, 8) -> pool -> (B, 32, 4, 4) -> conv 3x3
    -> (B, 64, 4, 4) -> pool -> (B, 64, 2, 2) -> flatten -> (B, 256) -> (B, 10)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 2 * 2, 10),
    )


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one epoch, for the tests")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--plot", default="digits_cnn_history.png", help="where the PNG goes")
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cpu(seed=0))
    x_train, x_test, y_train, y_test = digit_images()

    cnn = model()
    epochs = 1 if args.quick else args.epochs
    steps = -(-len(x_train) // 32)
    history = sd.train.fit(
        cnn,
        (x_train, y_train),
        loss=sd.losses.cross_entropy_with_logits_loss,
        optimizer=sd.optim.Adam(lr=3e-3),
        epochs=epochs,
        batch_size=32,
        metrics=["accuracy"],
        validation=(x_test, y_test),  # shown each epoch; not used to choose anything
        callbacks=[sd.train.CosineDecay(total=epochs * steps)],  # the rate, step by step
    )

    test = sd.train.evaluate(cnn, (x_test, y_test), metrics=["accuracy"])
    history.plot(args.plot, title="digits CNN")
    print(history.sparkline())
    print(f"wrote {args.plot}")
    print(f"test accuracy: {test['accuracy']:.2%}")
    return test["accuracy"]


if __name__ == "__main__":
    main()
