"""What `fit` shows while it trains: a tqdm bar per epoch on a terminal, else one line."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["Display", "show_figures"]


def show_figures(figures: Mapping[str, float]) -> str:
    """`loss 0.1234  accuracy 0.9712`: the figures as one line."""
    return "  ".join(f"{name} {value:.4f}" for name, value in figures.items())


class Display:
    """A progress bar per epoch (steps, figures, ETA) when stderr is a terminal; otherwise
    one printed line per epoch; nothing when `enabled` is False."""

    def __init__(self, enabled: bool, epochs: int) -> None:
        self.enabled, self.epochs = enabled, epochs
        self.bar_mode = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def epoch_begin(self, epoch: int, steps: int | None) -> None:
        if not self.bar_mode:
            return
        from tqdm.auto import tqdm

        columns, lines = shutil.get_terminal_size()
        self.bar = tqdm(
            total=steps,
            desc=f"epoch {epoch + 1}/{self.epochs}",
            unit="step",
            leave=True,
            # NOTE: tqdm draws nothing on a terminal that reports a size of 0 (a bare pty);
            # shutil falls back to 80x24 there
            ncols=columns,
            nrows=lines,
            file=sys.stderr,
        )

    def step(self, figures: Mapping[str, float]) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(show_figures(figures), refresh=False)
            self.bar.update(1)

    def epoch_end(self, epoch: int, figures: Mapping[str, float], seconds: float) -> None:
        if self.bar is not None:
            train = {k: v for k, v in figures.items() if not k.startswith("val_")}
            val = {k: v for k, v in figures.items() if k.startswith("val_")}
            self.bar.set_postfix_str(show_figures(train), refresh=True)
            self.bar.close()
            self.bar = None
            if val:  # NOTE: a line of its own, so the bar is not squeezed to fit them
                print(f"{' ' * 11}{show_figures(val)}", file=sys.stderr, flush=True)
        elif self.enabled:
            count = f"{epoch + 1:>{len(str(self.epochs))}}/{self.epochs}"
            print(f"epoch {count}  {seconds:.2f}s  {show_figures(figures)}", flush=True)

    def note(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
