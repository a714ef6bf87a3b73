"""The progress bar at the width of a terminal: the figures are never cut, the bar stays."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from tqdm import tqdm

import shapedl as sd
from shapedl.train import progress
from shapedl.train.progress import MIN_BAR, bar_format

from .problems import blobs, cross_entropy


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def render(columns: int, figures: str, total: int = 43, n: int = 43) -> str:
    """The line tqdm draws at `columns` with the layout `bar_format` chose."""
    desc = "epoch 10/30"
    fmt, on_bar = bar_format(columns, desc, total, figures)
    line = tqdm.format_meter(
        n,
        total,
        61.0,
        ncols=columns,
        prefix=desc,
        unit="step",
        bar_format=fmt,
        postfix=figures if on_bar else None,
    )
    return line


FIGURES = ["loss 0.1234  accuracy 0.9712", "loss 12.3456  accuracy 0.9712", "loss 0.1234"]


@pytest.mark.parametrize("figures", FIGURES)
def test_at_80_columns_the_figures_are_whole_and_the_bar_is_wide(figures):
    line = render(80, figures)
    assert len(line) <= 80
    assert line.endswith(figures)  # not cut
    bar = re.search(r"\|(.*)\|", line)
    assert bar and len(bar.group(1)) >= MIN_BAR


def test_tqdms_own_layout_cuts_the_figures_at_80_columns():
    # what the bar looked like before: tqdm squeezes the bar to one column, then cuts
    line = tqdm.format_meter(
        43,
        43,
        1.0,
        ncols=80,
        prefix="epoch 1/30",
        unit="step",
        postfix="loss 0.1234  accuracy 0.9712  top_5_accuracy 0.9990",
    )
    assert len(line) == 80 and not line.endswith("0.9990")


def test_figures_too_long_for_the_line_leave_the_bar_whole():
    figures = "loss 0.1234  accuracy 0.9712  top_5_accuracy 0.9990  mean_absolute_error 0.0123"
    fmt, on_bar = bar_format(80, "epoch 1/30", 43, figures)
    assert not on_bar and "{postfix}" not in fmt
    line = tqdm.format_meter(43, 43, 1.0, ncols=80, prefix="epoch 1/30", bar_format=fmt)
    assert len(line) <= 80 and len(re.search(r"\|(.*)\|", line).group(1)) >= MIN_BAR


@pytest.mark.parametrize(
    "columns,metrics", [(80, ["accuracy"]), (60, ["accuracy", "top_2_accuracy"])]
)
def test_fit_on_a_terminal_shows_every_figure_whole(monkeypatch, columns, metrics):
    screen = Terminal()
    monkeypatch.setattr(progress.sys, "stderr", screen)
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda: (columns, 24))
    x, y = blobs(96)
    history = sd.train.fit(
        sd.nn.Sequential(sd.nn.Linear(2, 8), sd.nn.ReLU(), sd.nn.Linear(8, 3)),
        (x, y),
        loss=cross_entropy,
        optimizer=sd.optim.Adam(lr=1e-2),
        epochs=2,
        batch_size=16,
        metrics=metrics,
        validation=(x, y),
        shuffle=False,
    )
    drawn = [part for line in screen.getvalue().split("\n") for part in line.split("\r")]
    assert drawn and all(len(part) <= columns for part in drawn)
    bars = [part for part in drawn if part.startswith("epoch 2/2") and "6/6" in part]
    assert bars and all(len(re.search(r"\|(.*)\|", b).group(1)) >= MIN_BAR for b in bars)
    text = screen.getvalue()
    for name, values in history.items():
        shown = re.findall(rf"(?<![\w]){re.escape(name)} (\d+\.\d{{4}})", text)
        assert f"{values[-1]:.4f}" in shown, (name, text)
    assert np.isfinite(history["loss"]).all()


def test_a_note_while_the_bar_is_open_is_a_line_of_its_own(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(progress.sys, "stderr", screen)
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda: (80, 24))
    x, y = blobs(96)
    x[40] = np.nan  # NOTE: the third batch of 16 stops training while its bar is drawn
    with pytest.warns(sd.train.NonFiniteWarning):
        sd.train.fit(
            sd.nn.Sequential(sd.nn.Linear(2, 3)), (x, y), loss=cross_entropy,
            optimizer=sd.optim.Sgd(lr=0.1), epochs=1, batch_size=16, shuffle=False,
        )  # fmt: skip
    lines = screen.getvalue().split("\n")
    said = [line.split("\r")[-1] for line in lines if "non-finite loss (nan)" in line]
    assert said and all(s.startswith("non-finite loss (nan) at epoch 1, batch 3") for s in said)
