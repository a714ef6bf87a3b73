"""Dropout: scaled random masking while training, the identity in inference.

`dropout` draws one keep-or-drop per element; `dropout2d` one per feature map (per `(n, c)`
of an `(N, C, H, W)` input, PyTorch's channel dropout), the mask broadcast over the map.

A module behaves as in training when its input is traced (dfdx's rule), so `dropout` masks
only a traced input. The mask is drawn from the device's seeded generator, so a run is
reproducible from `sd.Cpu(seed=...)` (or `device.reseed(...)`).
"""

from __future__ import annotations

from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import InferenceWarning, shape_error, show_shape, warn_user
from shapedl.ops.registry import register
from shapedl.tape import recording_off
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, S

__all__ = ["dropout", "dropout2d"]


def dropout_rule(op: str, x: Shape) -> Shape:
    """Dropout keeps the shape."""
    return x


@register("dropout", dropout_rule)
def dropout(x: Tensor[S, DT, TT], p: float = 0.5) -> Tensor[S, DT, TT]:
    """Zero each element with probability `p` and scale the rest by `1 / (1 - p)`.

    Only a traced `x` is masked (training); an untraced `x` is returned as it is
    (inference), unless it came from ops (a layer's output, not data): then it passes through
    a node that warns (`InferenceWarning`) if a loss's gradient comes back through it, since
    the layers before it then train while this dropout did not drop. `p == 1` drops
    everything.

    Args:
        x: the input.
        p: the probability of dropping an element, `0 <= p <= 1`.

    Returns:
        A tensor of the shape and dtype of `x`.

    Raises:
        ValueError: when `p` is outside `[0, 1]`.

    Shape:
        `(*) -> (*)`

    Example:
        >>> import shapedl as sd
        >>> x = sd.ones((2, 3))
        >>> sd.ops.dropout(x, 0.5) is x
        True
        >>> sorted(set(sd.ops.dropout(x.traced(), 0.5).numpy().ravel().tolist())) in (
        ...     [0.0, 2.0], [0.0], [2.0])
        True
    """
    return _masked("dropout", x, p, x.shape)


def dropout2d_rule(op: str, x: Shape) -> Shape:
    """Channel dropout takes `(N, C, H, W)` and keeps the shape."""
    if len(x) != 4:
        hint = (
            "for one image (C, H, W) pass x[None]: PyTorch reads a 3-d input as (N, C, L) "
            "now and as (C, H, W) in a future release, so it is refused here"
            if len(x) == 3
            else None
        )
        raise shape_error(op, [x], f"needs (N, C, H, W), not rank {len(x)}", hint)
    return x


def dropout2d(x: Tensor[S, DT, TT], p: float = 0.5) -> Tensor[S, DT, TT]:
    """Zero each whole feature map (each `(n, c)`) with probability `p` and scale the rest
    by `1 / (1 - p)`: PyTorch's `dropout2d`, for convolutional features, whose neighbouring
    pixels are too alike for `dropout` of single elements to regularize.

    As `dropout`: only a traced `x` is masked (training); an untraced one is returned as it is.

    Args:
        x: the input, `(N, C, H, W)`.
        p: the probability of dropping a feature map, `0 <= p <= 1`.

    Raises:
        ShapeError: when `x` is not 4-d.
        ValueError: when `p` is outside `[0, 1]`.

    Shape:
        `(N, C, H, W) -> (N, C, H, W)`

    Example:
        >>> import shapedl as sd
        >>> y = sd.ops.dropout2d(sd.ones((2, 3, 4, 4)).traced(), 0.5).numpy()
        >>> all(len(set(m.ravel().tolist())) == 1 for m in y.reshape(6, 16))
        True
    """
    dropout2d_rule("dropout2d", x.shape)
    return _masked("dropout2d", x, p, (*x.shape[:2], 1, 1))


def _masked(op: str, x: Tensor[S, DT, TT], p: float, drawn: tuple[int, ...]) -> Tensor[S, DT, TT]:
    """`x` times a mask of shape `drawn` (broadcast over `x`) of zeros and `1 / (1 - p)`."""
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: probability p={p} must be in [0, 1]")
    if x.tape is None or p == 0:
        # NOTE: the common inference (data, or under no_grad) has no node and costs nothing
        return x if x.node is None or p == 0 else _passed(op, x)
    xp, dtype = x.xp, x.data.dtype
    if p == 1:
        mask = xp.zeros(drawn, dtype=dtype)
    else:
        # NOTE: f32 draws suffice to decide `u >= p`, and halve the generator's work
        keep = x.device.rng.random(drawn, dtype="float32") >= p
        mask = keep.astype(dtype) * (1 / (1 - p))
        mask = mask.astype(dtype, copy=False)
    return record(x.data * mask, (x,), lambda g: (g * mask,))


def _passed(op: str, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x` unchanged, through a node whose backward warns: a gradient that reaches it goes on
    to layers that train, while this dropout, its input untraced, ran in inference."""
    if recording_off():
        return x
    shape = x.shape

    def vjp(g: Array) -> tuple[Array]:
        warn_user(
            f"{op}: a gradient reaches the layers before a dropout that ran on an untraced "
            f"input {show_shape(shape)}, so in inference, dropping nothing. For a branch that "
            "trains, trace its input (x.traced(), even for integer ids: model(ids.traced())) "
            "so that it drops, as PyTorch's model.train() does; for a model that only "
            "evaluates (a teacher, a target network), compute it under sd.no_grad() or "
            ".detach() its output, so no gradient reaches it",
            InferenceWarning,
        )
        return (g,)

    return record(x.data, (x,), vjp)
