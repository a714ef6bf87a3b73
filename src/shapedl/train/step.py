"""A training step's parts that are not the loop: a batch as tensors, the forward pass and
its loss (with the labels checked once, before any update), the batch's figures, and
`evaluate`, which runs the same forward pass untraced."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from shapedl.device import Device
from shapedl.tape import no_grad
from shapedl.tensor import Tensor
from shapedl.train import inputs
from shapedl.train.metrics import Metric, resolve
from shapedl.train.run import Model

__all__ = ["Data", "Loss", "Step", "Totals", "evaluate"]

AnyTensor = Tensor[Any, Any, Any]
Loss = Callable[[Any, Any], Any]
Data = tuple[Any, Any] | Iterable[tuple[Any, Any]]


class Step:
    """One training step's forward pass and loss, and the figures of its batch.

    The first call also checks the data's labels against the loss, before any update.
    """

    def __init__(
        self,
        loss: Loss,
        metrics: Mapping[str, Metric],
        cast: str | None,
        labels: Sequence[tuple[str, inputs.Labels | None]] = (),
        cast_note: str | None = None,
    ) -> None:
        self.loss, self.metrics, self.cast = loss, metrics, cast
        self.labels = [(name, found) for name, found in labels if found is not None]
        self.cast_note = cast_note
        self.kw: dict[str, Any] = {"loss": loss, "metrics": list(metrics.values())}

    def tensors(self, x: Any, y: Any, device: Device) -> tuple[AnyTensor, AnyTensor]:
        """A batch as tensors on `device`, float arrays cast to the model's dtype."""
        return inputs.tensor(x, device, self.cast), inputs.tensor(y, device, self.cast)

    def forward(
        self, model: Model, x: AnyTensor, y: AnyTensor
    ) -> tuple[AnyTensor, AnyTensor, float]:
        """The traced output, the loss tensor and its value."""
        out = model(x.traced())
        try:
            value = self.loss(out, y)
        except TypeError as err:
            if self.cast_note is None:
                raise
            raise TypeError(f"{err} ({self.cast_note})") from err
        self.check_labels(out, y)
        return out, value, float(value.item())

    def check_labels(self, out: AnyTensor, y: AnyTensor) -> None:
        """Once: the loss on a batch's output with every label at the extremes of the data
        and of the validation, so a label it refuses is an error before any update."""
        for name, labels in self.labels:
            self._check_labels(out, y, name, labels)
        self.labels = []

    def _check_labels(self, out: AnyTensor, y: AnyTensor, name: str, labels: inputs.Labels) -> None:
        """The loss on this batch's output with every label at the extremes of `name` (the
        data, or the validation)."""
        untraced = out.detach()
        for label, where in ((labels.low, labels.low_at), (labels.high, labels.high_at)):
            probe: AnyTensor = Tensor(y.xp.full(y.shape, label, dtype=y.data.dtype), y.device)
            try:
                self.loss(untraced, probe)
            except (ValueError, IndexError) as err:
                raise ValueError(
                    f"fit: {name} has the label {label} at {where}, which the loss does not "
                    f"accept ({err}); nothing was trained"
                ) from None

    def figures(self, loss: float, out: AnyTensor, y: AnyTensor) -> dict[str, float]:
        return {"loss": loss, **_metrics(self.metrics, out, y)}


def _metrics(metrics: Mapping[str, Metric], out: AnyTensor, y: AnyTensor) -> dict[str, float]:
    return {name: float(m(out, y)) for name, m in metrics.items()}


class Totals:
    """Row-weighted sums of figures, so an epoch's figure is exact over its rows."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.rows = 0

    def add(self, figures: Mapping[str, float], rows: int) -> None:
        for name, value in figures.items():
            self.sums[name] = self.sums.get(name, 0.0) + value * rows
        self.rows += rows

    def means(self) -> dict[str, float]:
        return {name: s / max(self.rows, 1) for name, s in self.sums.items()}


def evaluate(
    model: Model,
    data: Data,
    *,
    loss: Loss | None = None,
    metrics: Sequence[Metric | str] = (),
    batch_size: int = 256,
    device: Device | None = None,
) -> dict[str, float]:
    """Figures of `model` on `data` in inference mode (untraced): `loss` and each metric.

    Example:
        >>> import shapedl as sd
        >>> double = lambda x: x * 2.0
        >>> evaluate(double, (sd.tensor([[1.0], [2.0]]), sd.tensor([[2.0], [5.0]])),
        ...          metrics=["mae"])
        {'mean_absolute_error': 0.5}
    """
    dev = device or inputs.device_of(data)
    named = resolve(metrics, loss)
    totals = Totals()
    cast = inputs.float_dtype(model)
    for x, y in inputs.as_batches(data, "data", batch_size, False, False, dev, 0, cast):
        xb, yb = inputs.tensor(x, dev, cast), inputs.tensor(y, dev, cast)
        with no_grad():  # NOTE: no links to keep: nothing here is differentiated
            out = model(xb)
            figures = {} if loss is None else {"loss": float(loss(out, yb).item())}
            figures.update(_metrics(named, out, yb))
        totals.add(figures, len(xb))
    return totals.means()
