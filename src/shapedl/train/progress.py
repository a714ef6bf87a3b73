"""What `fit` shows while it trains: a tqdm bar per epoch on a terminal, else one line."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["Display", "bar_format", "figure_lines", "show_figures"]

# NOTE: from the fullest to the barest; the first that leaves the bar MIN_BAR columns wins
_LAYOUTS = (
    "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]",
    "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}",
    "{desc} |{bar}| {n_fmt}/{total_fmt}",
)
_NO_TOTAL = "{desc} {n_fmt} [{elapsed}]"
MIN_BAR = 10
SLACK = 6  # NOTE: room for figures and times that grow during the epoch (a loss of 10+)


def show_figures(figures: Mapping[str, float]) -> str:
    """`loss 0.1234  accuracy 0.9712`: the figures as one line."""
    return "  ".join(f"{name} {value:.4f}" for name, value in figures.items())


def figure_lines(figures: Mapping[str, float], columns: int, indent: int = 11) -> list[str]:
    """The figures as indented lines of at most `columns`, never splitting one figure."""
    lines: list[str] = []
    for item in show_figures(figures).split("  "):
        if lines and len(lines[-1]) + 2 + len(item) <= columns:
            lines[-1] += "  " + item
        else:
            lines.append(" " * indent + item)
    return lines


def bar_format(columns: int, desc: str, total: int | None, figures: str) -> tuple[str, bool]:
    """tqdm's `bar_format` for a bar of `columns`, and whether the figures are on it.

    The figures are never cut: the time, then the percentage give way first so the bar keeps
    `MIN_BAR` columns; when even the barest layout has no room for them, the bar goes without
    and `fit` prints them on a line of their own at the end of the epoch.
    """
    layouts = (_NO_TOTAL,) if total is None else _LAYOUTS
    for with_figures in (True, False):
        for layout in layouts:
            fmt = layout + ("{postfix}" if with_figures and figures else "")
            size = str(total or 0)
            rest = fmt.format(
                desc=desc,
                percentage=100,
                bar="",
                n_fmt=size,
                total_fmt=size,
                elapsed="00:00",
                remaining="00:00",
                postfix=f", {figures}",
            )
            if len(rest) + (0 if total is None else MIN_BAR) + SLACK <= columns:
                return fmt, with_figures
    return layouts[-1], False


class Display:
    """A progress bar per epoch (steps, figures, ETA) when stderr is a terminal; otherwise
    one printed line per epoch; nothing when `enabled` is False.

    Output that fails (a pipe whose reader exited, as `| head` does; a terminal that went
    away) turns the display off instead of ending training before the epoch's checkpoint.
    """

    def __init__(self, enabled: bool, epochs: int) -> None:
        self.enabled, self.epochs = enabled, epochs
        self.bar_mode = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.columns = 80
        self.figures_on_bar = True

    def epoch_begin(self, epoch: int, steps: int | None) -> None:
        with self._guarded():
            if not self.bar_mode:
                return
            from tqdm.auto import tqdm

            self.columns, lines = shutil.get_terminal_size()
            self.bar = tqdm(
                total=steps,
                desc=f"epoch {epoch + 1}/{self.epochs}",
                unit="step",
                leave=True,
                # NOTE: tqdm draws nothing on a terminal that reports a size of 0 (a bare pty);
                # shutil falls back to 80x24 there
                ncols=self.columns,
                nrows=lines,
                file=sys.stderr,
            )
            self.figures_on_bar = True

    def _layout(self, figures: str) -> None:
        """Fit the bar to the terminal once the figures' names are known (the first step)."""
        fmt, self.figures_on_bar = bar_format(self.columns, self.bar.desc, self.bar.total, figures)
        self.bar.bar_format = fmt

    def step(self, figures: Mapping[str, float]) -> None:
        with self._guarded():
            if self.bar is not None:
                text = show_figures(figures)
                if self.bar.n == 0:
                    self._layout(text)
                if self.figures_on_bar:
                    self.bar.set_postfix_str(text, refresh=False)
                self.bar.update(1)

    def epoch_end(self, epoch: int, figures: Mapping[str, float], seconds: float) -> None:
        with self._guarded():
            if self.bar is not None:
                train = {k: v for k, v in figures.items() if not k.startswith("val_")}
                val = {k: v for k, v in figures.items() if k.startswith("val_")}
                if self.figures_on_bar:
                    self.bar.set_postfix_str(show_figures(train), refresh=True)
                self.bar.close()
                self.bar = None
                # NOTE: lines of their own, so the bar is not squeezed (or cut) to fit them
                for shown in ([] if self.figures_on_bar else [train]) + ([val] if val else []):
                    for line in figure_lines(shown, self.columns):
                        print(line, file=sys.stderr, flush=True)
            elif self.enabled:
                count = f"{epoch + 1:>{len(str(self.epochs))}}/{self.epochs}"
                print(f"epoch {count}  {seconds:.2f}s  {show_figures(figures)}", flush=True)

    def note(self, text: str) -> None:
        with self._guarded():
            if self.bar is not None:  # NOTE: a line above the open bar, not glued to its end
                self.bar.write(text, file=sys.stderr)
            elif self.enabled:
                print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        with self._guarded():
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    @contextmanager
    def _guarded(self) -> Generator[None]:
        try:
            yield
        except OSError:
            self.enabled = self.bar_mode = False
            self.bar = None
