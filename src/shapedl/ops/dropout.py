"""Dropout: scaled random masking while training, the identity in inference.

A module behaves as in training when its input is traced (dfdx's rule), so `dropout` masks
only a traced input. The mask is drawn from the device's seeded generator, so a run is
reproducible from `sd.Cpu(seed=...)` (or `device.reseed(...)`).
"""

from __future__ import annotations

from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import InferenceWarning, show_shape, warn_user
from shapedl.ops.registry import register
from shapedl.tape import recording_off
from shapedl.tensor import Tensor, record
from shapedl.types import DT, TT, S

__all__ = ["dropout"]


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
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p={p} must be in [0, 1]")
    if x.tape is None or p == 0:
        # NOTE: the common inference (data, or under no_grad) has no node and costs nothing
        return x if x.node is None or p == 0 else _passed(x)
    xp, dtype = x.xp, x.data.dtype
    if p == 1:
        mask = xp.zeros(x.data.shape, dtype=dtype)
    else:
        # NOTE: f32 draws suffice to decide `u >= p`, and halve the generator's work
        keep = x.device.rng.random(x.data.shape, dtype="float32") >= p
        mask = keep.astype(dtype) * (1 / (1 - p))
        mask = mask.astype(dtype, copy=False)
    return record(x.data * mask, (x,), lambda g: (g * mask,))


def _passed(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x` unchanged, through a node whose backward warns: a gradient that reaches it goes on
    to layers that train, while this dropout, its input untraced, ran in inference."""
    if recording_off():
        return x
    shape = x.shape

    def vjp(g: Array) -> tuple[Array]:
        warn_user(
            f"dropout: a gradient reaches the layers before a dropout that ran on an untraced "
            f"input {show_shape(shape)}, so in inference, dropping nothing. For a branch that "
            "trains, trace its input (x.traced(), even for integer ids: model(ids.traced())) "
            "so that it drops, as PyTorch's model.train() does; for a model that only "
            "evaluates (a teacher, a target network), compute it under sd.no_grad() or "
            ".detach() its output, so no gradient reaches it",
            InferenceWarning,
        )
        return (g,)

    return record(x.data, (x,), vjp)
