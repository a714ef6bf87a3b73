"""sd.data: batch sizes, the final partial batch, seeded shuffling, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.data import Batches, batches


def _rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return x, np.arange(n, dtype=np.int64)


@pytest.mark.parametrize(
    ("n", "size", "drop_last", "sizes"),
    [
        (10, 4, False, [4, 4, 2]),
        (10, 4, True, [4, 4]),
        (8, 4, True, [4, 4]),
        (3, 5, False, [3]),
        (3, 5, True, []),
        (1, 1, False, [1]),
    ],
)
def test_batch_sizes_and_final_partial_batch(
    n: int, size: int, drop_last: bool, sizes: list[int]
) -> None:
    x, y = _rows(n)
    data = batches(x, y, size, shuffle=False, drop_last=drop_last)
    got = [(bx.shape[0], by.shape[0]) for bx, by in data]
    assert got == [(s, s) for s in sizes]
    assert len(data) == len(sizes)


def test_unshuffled_batches_keep_order_and_pair_rows() -> None:
    x, y = _rows(7)
    data = Batches(x, y, 3, shuffle=False)
    xs = np.concatenate([bx.numpy() for bx, _ in data])
    ys = np.concatenate([by.numpy() for _, by in data])
    np.testing.assert_array_equal(xs, x)
    np.testing.assert_array_equal(ys, y)


def test_shuffle_is_a_permutation_that_keeps_pairs_and_changes_per_epoch() -> None:
    x, y = _rows(50)
    data = Batches(x, y, 8, device=sd.Cpu(seed=3))
    epochs = [np.concatenate([by.numpy() for _, by in data]) for _ in range(2)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(50))
    assert epochs[0].tolist() != epochs[1].tolist()
    for bx, by in data:  # row i of x is (2i, 2i+1): pairs survive the shuffle
        np.testing.assert_array_equal(bx.numpy()[:, 0], 2 * by.numpy())


def test_shuffle_draws_from_the_devices_seeded_generator() -> None:
    x, y = _rows(20)

    def first_epoch(seed: int) -> list[int]:
        return np.concatenate(
            [b.numpy() for _, b in Batches(x, y, 6, device=sd.Cpu(seed=seed))]
        ).tolist()

    assert first_epoch(5) == first_epoch(5)
    assert first_epoch(5) != first_epoch(6)
    # the order is exactly the permutation the device's generator draws
    expected = np.random.default_rng(5).permutation(20).tolist()
    assert first_epoch(5) == expected


def test_tensors_keep_their_device_and_dtype() -> None:
    dev = sd.Cpu(seed=0)
    x = sd.zeros((5, 4), dtype=sd.f64, device=dev)
    y = sd.zeros((5,), dtype=sd.i64, device=dev)
    bx, by = next(iter(batches(x, y, 2)))
    assert bx.device is dev and bx.numpy().dtype == np.float64 and by.numpy().dtype == np.int64
    assert bx.shape == (2, 4) and not bx.is_traced


def test_any_leading_length_and_trailing_axes() -> None:
    x = np.zeros((13, 1, 8, 8), dtype=np.float32)
    y = np.zeros((13, 3), dtype=np.float32)
    shapes = [(bx.shape, by.shape) for bx, by in batches(x, y, 5, shuffle=False)]
    assert shapes == [((5, 1, 8, 8), (5, 3))] * 2 + [((3, 1, 8, 8), (3, 3))]


def test_mismatched_lengths_name_both_shapes() -> None:
    with pytest.raises(sd.ShapeError, match=r"\(10, 2\) and \(9,\).*axis 0"):
        batches(*_rows(10)[:1], np.zeros(9), 4)


def test_invalid_batch_size() -> None:
    with pytest.raises(ValueError, match="invalid batch size: 0"):
        batches(*_rows(4), 0)


def test_an_in_place_update_of_a_batch_leaves_the_data_alone_as_torchs_copies() -> None:
    x = np.arange(8, dtype=np.float32).reshape(4, 2) + 1.0
    y = np.zeros(4, dtype=np.int64)
    for shuffle in (False, True):
        sums = []
        for _ in range(2):
            total = 0.0
            for xb, _yb in sd.data.batches(x, y, 2, shuffle=shuffle):
                xb /= 2.0
                total += xb.sum().item()
            sums.append(total)
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), 2
        )
        theirs = 0.0
        for tb, _ in loader:
            tb /= 2.0
            theirs += tb.sum().item()
        assert sums == [theirs, theirs]
    np.testing.assert_array_equal(x, np.arange(8, dtype=np.float32).reshape(4, 2) + 1.0)
