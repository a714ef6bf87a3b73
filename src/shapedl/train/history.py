"""`History`: the figures of every epoch, and how training ended."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from shapedl.train.metrics import recorded_name

__all__ = ["History", "Mode", "check_mode", "lower_is_better", "watched_figure"]

Mode = Literal["min", "max", "auto"]

_BARS = "▁▂▃▄▅▆▇█"


class History(Mapping[str, list[float]]):
    """Per-epoch figures of a `fit`: `history["loss"]`, `history["val_accuracy"]`, ...

    Training figures are named `loss` and after each metric; validation figures carry a
    `val_` prefix. It is a read-only mapping from name to one float per finished epoch.

    Attributes:
        epochs: how many epochs finished (an epoch cut short by Ctrl-C or a time budget
            still counts, with the figures of the steps it ran).
        stopped_by: why training ended early (a halting condition's description,
            `"interrupted"`, `"interrupted by SIGTERM"`), or None when it ran every epoch.
        interrupted: whether Ctrl-C (KeyboardInterrupt) or SIGTERM ended it.
        best_epoch: the epoch whose weights early stopping restored, else None.
        seconds: wall time of each epoch.

    Example:
        >>> h = History()
        >>> h.append({"loss": 0.9, "accuracy": 0.5})
        >>> h.append({"loss": 0.4, "accuracy": 0.75})
        >>> h["loss"], h.last("accuracy"), h.epochs
        ([0.9, 0.4], 0.75, 2)
    """

    def __init__(self) -> None:
        self.figures: dict[str, list[float]] = {}
        self.seconds: list[float] = []
        self.stopped_by: str | None = None
        self.interrupted = False
        self.best_epoch: int | None = None

    # ---- the mapping ------------------------------------------------------------------
    def __getitem__(self, name: str) -> list[float]:
        # NOTE: Keras's habit: `fit(metrics=["mae"])`, then `history["mae"]`; the figure is
        # recorded once, under the metric's own name (`mean_absolute_error`)
        try:
            return self.figures[name if name in self.figures else recorded_name(name)]
        except KeyError:
            raise KeyError(f"no figure {name!r}; this history has {sorted(self.figures)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.figures)

    def __len__(self) -> int:
        return len(self.figures)

    @property
    def epochs(self) -> int:
        return max((len(v) for v in self.figures.values()), default=0)

    def append(self, figures: Mapping[str, float], seconds: float = 0.0) -> None:
        """Record one finished epoch."""
        before = self.epochs
        for name, value in figures.items():
            self.figures.setdefault(name, [math.nan] * before).append(float(value))
        for values in self.figures.values():
            values.extend([math.nan] * (before + 1 - len(values)))
        self.seconds.append(seconds)

    def last(self, name: str) -> float:
        """The figure of the latest epoch."""
        return self[name][-1]

    def best(self, name: str, mode: Mode = "auto") -> float:
        """The best figure so far: the lowest or the highest, by `mode` or (`"auto"`) by its
        name as `lower_is_better` tells.

        Raises:
            KeyError: for a figure this history does not have.
            ValueError: when no epoch has a value of it (all NaN), or `"auto"` cannot tell
                which way `name` improves.
        """
        values = [v for v in self[name] if not math.isnan(v)]
        lower = lower_is_better(recorded_name(name), mode, who=f"History.best({name!r})")
        if not values:
            raise ValueError(
                f"History.best({name!r}): no epoch has a value of it (every one is NaN: "
                "training stopped before any epoch recorded it)"
            )
        return min(values) if lower else max(values)

    # ---- saving with checkpoints ------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "figures": self.figures,
            "seconds": self.seconds,
            "stopped_by": self.stopped_by,
            "interrupted": self.interrupted,
            "best_epoch": self.best_epoch,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        h = cls()
        h.figures = {k: [float(v) for v in vs] for k, vs in data["figures"].items()}
        h.seconds = [float(s) for s in data["seconds"]]
        h.stopped_by = data.get("stopped_by")
        h.interrupted = bool(data.get("interrupted", False))
        h.best_epoch = data.get("best_epoch")
        return h

    # ---- pictures ---------------------------------------------------------------------
    def sparkline(self, name: str | None = None, width: int = 40) -> str:
        """A text plot for terminals: one line per figure (or just `name`), first → last.

        Example:
            >>> h = History()
            >>> for v in (4.0, 3.0, 2.0, 1.0):
            ...     h.append({"loss": v})
            >>> h.sparkline()
            'loss  █▆▃▁  4 → 1'
        """
        names = [name] if name is not None else list(self.figures)
        width_of = max((len(n) for n in names), default=0)
        return "\n".join(_spark(n.ljust(width_of), self[n], width) for n in names)

    def plot(self, path: str | os.PathLike[str], title: str | None = None) -> None:
        """Write a PNG of the loss and every metric (train and validation) to `path`.

        Needs matplotlib (`pip install 'shapedl[plot]'`); it draws off-screen (Agg).

        Raises:
            ValueError: when no epoch recorded a figure (training stopped in its first
                step), so there is nothing to plot.
        """
        if self.epochs == 0:
            why = f" (training stopped in its first step: {self.stopped_by})"
            raise ValueError(
                "History.plot: no epoch recorded a figure, so there is nothing to plot"
                + (why if self.stopped_by else "")
            )
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            from matplotlib.ticker import MaxNLocator
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError("History.plot needs matplotlib: pip install 'shapedl[plot]'") from err
        panels = [n for n in self.figures if not n.startswith("val_")]
        panels += [n[4:] for n in self.figures if n.startswith("val_") and n[4:] not in panels]
        fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
        for ax, name in zip(axes[0], panels, strict=True):
            for key, label in ((name, "train"), (f"val_{name}", "validation")):
                if key in self.figures:
                    epochs = range(1, len(self.figures[key]) + 1)
                    ax.plot(epochs, self.figures[key], marker=".", label=label)
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(os.fspath(path), dpi=110)
        plt.close(fig)

    def __repr__(self) -> str:
        shown = [f"epochs={self.epochs}"]
        shown += [f"{k}={v[-1]:.4g}" for k, v in self.figures.items() if v]
        shown += [f"stopped_by={self.stopped_by!r}"] if self.stopped_by else []
        return f"History({', '.join(shown)})"


# NOTE: what in a figure's name says which way it improves: long words anywhere in it
# (`bceloss`, `categorical_crossentropy`, `rouge1`), short ones only as a whole word between
# `_`, `-`, `@`... (`map` is not `mape`, `dice` not `indices`)
_LOWER_IN = ("loss", "error", "entropy", "divergence", "distance", "perplexity")
_LOWER_WORDS = frozenset(["rmse", "mse", "mae", "mape", "nll", "ppl", "wer", "cer", "kl"])
_HIGHER_IN = ("accuracy", "precision", "recall", "bleu", "rouge")
_HIGHER_WORDS = frozenset(["acc", "f1", "auc", "iou", "dice", "r2", "map"])


def check_mode(mode: str, who: str) -> None:
    """A `mode=` that is `"min"`, `"max"` or `"auto"`; else a ValueError that names `who`."""
    if mode not in ("min", "max", "auto"):
        raise ValueError(f'{who}: invalid mode={mode!r} (expected "min", "max" or "auto")')


def watched_figure(who: str, figure: str | None, monitor: str | None) -> str | None:
    """The figure a halting condition or a `Checkpoint` watches, named by `figure=` or by
    `monitor=` (Keras's word): each takes both, and both only when they agree.

    Raises:
        TypeError: for two different names.
    """
    if figure is not None and monitor is not None and figure != monitor:
        raise TypeError(
            f"{who}: figure={figure!r} and monitor={monitor!r} both name the figure to watch; "
            "give one of them"
        )
    return monitor if figure is None else figure


def lower_is_better(name: str, mode: Mode = "auto", who: str = "") -> bool:
    """Whether the figure `name` improves downwards: by `mode` (`"min"` or `"max"`), or for
    `"auto"` by its name: losses, errors, `rmse`, `nll`, `perplexity`... downwards;
    `accuracy`, `f1`, `auc`, `iou`, `r2`... upwards.

    Raises:
        ValueError: for an invalid `mode`, or with `"auto"` for a name that says neither
            (`who` names the caller in the message).
    """
    check_mode(mode, who or "lower_is_better")
    if mode != "auto":
        return mode == "min"
    bare = name.removeprefix("val_").lower()
    words = set(re.split(r"[^a-z0-9]+", bare))
    lower = any(w in bare for w in _LOWER_IN) or bool(words & _LOWER_WORDS)
    higher = any(w in bare for w in _HIGHER_IN) or bool(words & _HIGHER_WORDS)
    if lower == higher:  # NOTE: neither, or both (`accuracy_loss`): any answer is a guess
        raise ValueError(
            f"{who or 'auto'}: cannot tell from its name whether {name!r} is better lower or "
            'higher; pass mode="min" (lower is better) or mode="max"'
        )
    return lower


def _spark(label: str, values: list[float], width: int) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return f"{label}  (no figures)"
    step = max(1, math.ceil(len(values) / width))
    picked = list(range(0, len(values), step))
    if picked[-1] != len(values) - 1:
        picked.append(len(values) - 1)
    points = [values[i] for i in picked]
    lo, hi = min(finite), max(finite)
    span = hi - lo or 1.0
    bars = "".join(
        _BARS[round((v - lo) / span * (len(_BARS) - 1))] if math.isfinite(v) else " "
        for v in points
    )
    return f"{label}  {bars}  {values[0]:.4g} → {values[-1]:.4g}"
