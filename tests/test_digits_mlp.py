"""End to end, public API only: an MLP learns scikit-learn's 8x8 digits to >= 97% held out."""

from __future__ import annotations

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import shapedl as sd


def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(x_train)
    return (
        scaler.transform(x_train).astype(np.float32),
        scaler.transform(x_test).astype(np.float32),
        y_train.astype(np.int64),
        y_test.astype(np.int64),
    )


def test_an_mlp_learns_digits() -> None:
    start = time.perf_counter()
    x_train, x_test, y_train, y_test = digits()
    dev = sd.Cpu(seed=0)
    model = sd.nn.Sequential(
        sd.nn.Linear(64, 128, device=dev), sd.nn.ReLU(), sd.nn.Linear(128, 10, device=dev)
    )
    opt = sd.optim.Adam(lr=2e-3)
    order = np.random.default_rng(0)
    losses = []
    for _ in range(15):
        for batch in np.array_split(order.permutation(len(x_train)), len(x_train) // 32):
            x = sd.from_numpy(x_train[batch], device=dev).traced()
            y = sd.from_numpy(y_train[batch], device=dev)
            loss = sd.losses.cross_entropy_with_logits_loss(model(x), y)
            opt.update(model, loss.backward())
            losses.append(loss.item())

    predicted = model(sd.from_numpy(x_test, device=dev)).argmax(axis=1).numpy()
    accuracy = float((predicted == y_test).mean())
    assert np.mean(losses[-20:]) < 0.2 * np.mean(losses[:20]), "the loss did not fall"
    assert accuracy >= 0.97, f"held-out accuracy {accuracy:.3f}"
    assert time.perf_counter() - start < 30
