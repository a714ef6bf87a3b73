"""History (figures, sparkline, plot) and the metrics against independent computations."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import shapedl as sd
from shapedl.train import History, accuracy, binary_accuracy, mean_absolute_error, top_k_accuracy
from shapedl.train.history import lower_is_better
from shapedl.train.metrics import resolve


def _history() -> History:
    h = History()
    for loss, acc, val in [(2.0, 0.5, 2.2), (1.0, 0.7, 1.5), (0.5, 0.9, 1.6)]:
        h.append({"loss": loss, "accuracy": acc, "val_loss": val}, seconds=0.1)
    return h


def test_history_figures_best_and_missing_names() -> None:
    h = _history()
    assert h.epochs == 3 and h["loss"] == [2.0, 1.0, 0.5]
    assert h.best("val_loss") == 1.5 and h.best("accuracy") == 0.9
    with pytest.raises(KeyError, match="no figure 'val_accuracy'"):
        h["val_accuracy"]
    h.append({"loss": 0.4})  # an epoch without some figures (cut short) is padded with NaN
    assert math.isnan(h["accuracy"][-1]) and len(h["val_loss"]) == 4


def test_history_round_trips_through_a_dict() -> None:
    h = _history()
    h.stopped_by, h.best_epoch = "loss <= 0.5", 1
    back = History.from_dict(h.to_dict())
    assert back["loss"] == h["loss"] and back.stopped_by == h.stopped_by and back.best_epoch == 1


def test_sparkline_runs_from_highest_to_lowest() -> None:
    line = _history().sparkline("loss")
    assert line == "loss  █▃▁  2 → 0.5"
    assert len(_history().sparkline().splitlines()) == 3
    many = History()
    for i in range(200):
        many.append({"loss": 1 / (i + 1)})
    bars = many.sparkline(width=40).split()[1]
    assert len(bars) <= 41 and bars[0] == "█" and bars[-1] == "▁"


def test_plot_writes_a_png(tmp_path: Path) -> None:
    path = tmp_path / "history.png"
    _history().plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _stopped_in_its_first_step() -> History:
    h = History()
    h.append({}, seconds=0.1)  # what fit records of an epoch whose first batch stopped it
    h.stopped_by = "non-finite loss (nan) at epoch 1, batch 1 of 2"
    return h


def test_plot_of_a_history_without_epochs_says_so(tmp_path: Path) -> None:
    # NOTE: matplotlib's "Number of columns must be a positive integer, not 0" came out of it
    with pytest.raises(ValueError, match=r"no epoch recorded a figure.*non-finite loss"):
        _stopped_in_its_first_step().plot(tmp_path / "history.png")
    assert not (tmp_path / "history.png").exists()
    assert repr(_stopped_in_its_first_step()).startswith("History(epochs=0, stopped_by='non")


def test_best_of_a_figure_without_values_names_it() -> None:
    h = _history()
    h.append({"loss": 0.4, "val_accuracy": math.nan})
    with pytest.raises(ValueError, match=r"History.best\('val_accuracy'\): no epoch has a value"):
        h.best("val_accuracy")  # NOTE: "min() arg is an empty sequence" before


LOWER = ["loss", "val_loss", "mean_absolute_error", "val_rmse", "mape", "nll", "perplexity",
         "val_ppl", "wer", "cer", "cross_entropy", "kl_divergence", "kl", "edit_distance",
         "bceloss", "top_1_error", "categorical_crossentropy"]  # fmt: skip
HIGHER = ["accuracy", "val_acc", "top_5_accuracy", "binary_accuracy", "f1", "macro_f1",
          "precision", "recall", "roc_auc", "mean_iou", "dice", "r2", "bleu", "rouge_l",
          "map", "val_map", "rouge1"]  # fmt: skip


@pytest.mark.parametrize("name", LOWER + HIGHER)
def test_auto_knows_which_way_common_figures_improve(name: str) -> None:
    assert lower_is_better(name) == (name in LOWER)
    assert lower_is_better(name, "max") is False and lower_is_better(name, "min") is True


@pytest.mark.parametrize("name", ["score", "val_custom", "lr", "accuracy_loss"])
def test_auto_refuses_to_guess_for_a_name_it_cannot_place(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name!r} is better lower or higher; pass mode="):
        lower_is_better(name)
    h = History()
    h.append({name: 1.0})
    h.append({name: 2.0})
    with pytest.raises(ValueError, match=f"History.best\\({name!r}\\): cannot tell"):
        h.best(name)
    assert h.best(name, mode="min") == 1.0 and h.best(name, mode="max") == 2.0


# ---- metrics ----------------------------------------------------------------------------
def _scores(n: int = 40, c: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)).astype(np.float32), rng.integers(0, c, n)


def test_accuracy_with_indices_and_one_hot_targets() -> None:
    scores, labels = _scores()
    want = float((torch.from_numpy(scores).argmax(-1).numpy() == labels).mean())
    assert accuracy(sd.tensor(scores), sd.tensor(labels)) == pytest.approx(want)
    one_hot = np.eye(5, dtype=np.float32)[labels]
    assert accuracy(sd.tensor(scores), sd.tensor(one_hot)) == pytest.approx(want)


def test_accuracy_of_a_single_score_thresholds_at_one_half() -> None:
    pred = np.array([[0.2], [0.7], [0.51], [0.4]], dtype=np.float32)
    target = np.array([[0.0], [1.0], [0.0], [1.0]], dtype=np.float32)
    assert accuracy(sd.tensor(pred), sd.tensor(target)) == 0.5
    assert binary_accuracy(0.0)(sd.tensor(pred - 0.5), sd.tensor(target)) == 0.5


def _segmentation(c: int, hw: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((6, c, hw, hw)).astype(np.float32), rng.integers(0, c, (6, hw, hw))


@pytest.mark.parametrize(("c", "hw"), [(4, 4), (2, 8), (5, 3)])
def test_accuracy_of_segmentation_scores_is_per_pixel_over_axis_1_as_torch(c: int, hw: int) -> None:
    """`(N, C, H, W)` scores with `(N, H, W)` targets, as `cross_entropy_with_logits_loss`
    reads them: with C == H == W the last axis gave a meaningless figure, with C != H a raw
    NumPy broadcast error."""
    scores, labels = _segmentation(c, hw)
    logits = torch.from_numpy(scores)
    want = (logits.argmax(1) == torch.from_numpy(labels)).float().mean().item()
    assert accuracy(sd.tensor(scores), sd.tensor(labels)) == pytest.approx(want)
    one_hot = np.moveaxis(np.eye(c, dtype=np.float32)[labels], -1, 1)
    assert accuracy(sd.tensor(scores), sd.tensor(one_hot)) == pytest.approx(want)
    perfect = scores.argmax(axis=1)
    assert accuracy(sd.tensor(scores), sd.tensor(perfect)) == 1.0
    top = logits.topk(2, dim=1).indices.numpy()
    want2 = float((top == labels[:, None]).any(axis=1).mean())
    assert top_k_accuracy(2)(sd.tensor(scores), sd.tensor(labels)) == pytest.approx(want2)


def test_evaluate_of_a_segmentation_model_records_per_pixel_accuracy() -> None:
    scores, labels = _segmentation(2, 8, seed=1)
    ce = sd.losses.cross_entropy_with_logits_loss
    got = sd.train.evaluate(lambda t: t * 1.0, (scores, labels), loss=ce, metrics=["accuracy"],
                            batch_size=4)
    want = (torch.from_numpy(scores).argmax(1) == torch.from_numpy(labels)).float().mean()
    assert got["accuracy"] == pytest.approx(want.item())


def test_accuracy_of_one_score_per_pixel_thresholds_it() -> None:
    """A binary segmentation model's `(N, 1, H, W)` logits, with `(N, H, W)` or `(N, 1, H, W)`
    targets: one sign per pixel, as PyTorch's `(sigmoid(logits) > 0.5) == target`."""
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((3, 1, 5, 5)).astype(np.float32)
    target = (rng.random((3, 5, 5)) > 0.5).astype(np.float32)
    sign = torch.sigmoid(torch.from_numpy(logits))[:, 0] > 0.5
    want = (sign == torch.from_numpy(target).bool()).float().mean().item()
    bce = sd.losses.binary_cross_entropy_with_logits_loss
    metric = resolve(["accuracy"], bce)["accuracy"]
    assert metric(sd.tensor(logits), sd.tensor(target)) == pytest.approx(want)
    assert metric(sd.tensor(logits), sd.tensor(target[:, None])) == pytest.approx(want)


def test_accuracy_of_a_taggers_scores_reads_the_classes_last() -> None:
    """`(N, T, C)` scores with `(N, T)` indices (a tagger's, a language model's): the classes
    are last where only that axis fits, as torch users write `logits.argmax(-1) == y`."""
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((4, 6, 5)).astype(np.float32)
    labels = rng.integers(0, 5, (4, 6))
    t, y = torch.from_numpy(logits), torch.from_numpy(labels)
    want = (t.argmax(-1) == y).float().mean().item()
    assert accuracy(sd.tensor(logits), sd.tensor(labels)) == pytest.approx(want)
    top = t.topk(2, dim=-1).indices
    want_top = (top == y[..., None]).any(-1).float().mean().item()
    assert top_k_accuracy(2)(sd.tensor(logits), sd.tensor(labels)) == pytest.approx(want_top)


@pytest.mark.parametrize(
    ("pred", "target", "metric"),
    [
        ((8, 5, 2), (8, 4), accuracy),
        ((4, 3), (5,), accuracy),
        ((4, 3, 6, 6), (4, 6, 5), top_k_accuracy(2)),
        ((4,), (5,), binary_accuracy(0.0)),
    ],
)
def test_accuracy_of_targets_that_do_not_fit_names_the_metric_and_both_shapes(
    pred: tuple[int, ...], target: tuple[int, ...], metric: object
) -> None:
    scores = sd.tensor(np.zeros(pred, np.float32))
    labels = sd.tensor(np.zeros(target, np.int64))
    name = getattr(metric, "__name__")  # noqa: B009
    shown = rf"{name}: shapes \({', '.join(map(str, pred))},?\) and \({target[0]}"
    with pytest.raises(sd.ShapeError, match=shown):
        metric(scores, labels)  # type: ignore[operator]


@pytest.mark.parametrize("k", [1, 2, 4])
def test_top_k_accuracy_matches_torch_topk(k: int) -> None:
    scores, labels = _scores(seed=k)
    top = torch.from_numpy(scores).topk(k, dim=-1).indices.numpy()
    want = float((top == labels[:, None]).any(axis=1).mean())
    assert top_k_accuracy(k)(sd.tensor(scores), sd.tensor(labels)) == pytest.approx(want)


def test_mean_absolute_error_matches_torch_l1() -> None:
    a, b = _scores()[0], _scores(seed=1)[0]
    want = torch.nn.functional.l1_loss(torch.from_numpy(a), torch.from_numpy(b)).item()
    assert mean_absolute_error(sd.tensor(a), sd.tensor(b)) == pytest.approx(want, rel=1e-6)


def test_metric_names_and_errors() -> None:
    def my_metric(pred: sd.Tensor, target: sd.Tensor) -> float:  # type: ignore[type-arg]
        return 0.0

    names = list(resolve(["acc", "mae", "top_3_accuracy", my_metric]))
    assert names == ["accuracy", "mean_absolute_error", "top_3_accuracy", "my_metric"]
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        resolve(["f1"])
    with pytest.raises(ValueError, match="two metrics are named 'accuracy'"):
        resolve(["accuracy", "acc"])


def test_history_answers_to_the_short_names_of_its_metrics() -> None:
    h = History()
    h.append({"loss": 0.5, "mean_absolute_error": 0.4, "val_accuracy": 0.6})
    h.append({"loss": 0.3, "mean_absolute_error": 0.2, "val_accuracy": 0.7})
    assert h["mae"] == h["mean_absolute_error"] == [0.4, 0.2]
    assert h.last("val_acc") == 0.7 and "val_acc" in h and "mae" in h
    assert h.best("mae") == 0.2  # an error: lower is better, whatever its name
    assert list(h) == ["loss", "mean_absolute_error", "val_accuracy"]
    with pytest.raises(KeyError, match="no figure 'mse'"):
        h["mse"]


def test_accuracy_with_a_logits_loss_thresholds_the_logits_at_zero() -> None:
    """`binary_cross_entropy_with_logits_loss` takes logits: its `accuracy` is above 0, as
    PyTorch's `sigmoid(logits) > 0.5`, under the name `accuracy`."""
    logits = np.array([[-2.0], [0.3], [0.2], [-0.1]], dtype=np.float32)
    target = np.array([[0.0], [1.0], [1.0], [1.0]], dtype=np.float32)
    t = torch.from_numpy(logits)
    want = float(((torch.sigmoid(t) > 0.5) == torch.from_numpy(target).bool()).float().mean())
    bce = sd.losses.binary_cross_entropy_with_logits_loss
    for loss in (bce, functools.partial(bce, pos_weight=sd.ones((1,)))):
        for given in ("accuracy", "acc", accuracy):
            (name, metric), *_ = resolve([given], loss).items()
            assert name == "accuracy"
            assert metric(sd.tensor(logits), sd.tensor(target)) == pytest.approx(want) == 0.75
    # NOTE: any other loss keeps 0.5, and so does a threshold given
    assert resolve(["accuracy"], sd.losses.mse_loss)["accuracy"] is accuracy
    given = binary_accuracy(0.5)
    assert resolve([given], bce)["binary_accuracy"] is given


def test_evaluate_of_a_logits_loss_thresholds_the_logits_at_zero_as_torch() -> None:
    x = np.array([[-2.0], [-1.0], [0.5], [3.0]], np.float32)
    y = np.array([[0.0], [1.0], [1.0], [1.0]], np.float32)
    bce = sd.losses.binary_cross_entropy_with_logits_loss
    got = sd.train.evaluate(lambda t: t * 1.0, (x, y), loss=bce, metrics=["accuracy"])
    sign = torch.sigmoid(torch.from_numpy(x)) > 0.5
    want = (sign.float() == torch.from_numpy(y)).float().mean().item()
    assert got["accuracy"] == want
