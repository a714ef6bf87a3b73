"""Gradient clipping: `clip_grad_norm` and `clip_grad_value`, as `torch.nn.utils` has them.

Both take `params` as `opt.update` does (a model, a dict or a list of tensors) and rescale
the gradients of those parameters in `grads`, between `backward()` and `opt.update(...)`.
A parameter without a gradient is skipped, as PyTorch skips `p.grad is None`.
"""

from __future__ import annotations

import math
from typing import Any

from shapedl.backend import Array
from shapedl.ops.precision import is_half
from shapedl.optim.base import Params, check, named_parameters
from shapedl.tape import Gradients
from shapedl.tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_value"]


def _present(params: Params, grads: Gradients) -> list[tuple[Tensor[Any, Any, Any], Array]]:
    """Each parameter once (a tied one is one parameter), with its gradient where it has one."""
    seen: set[int] = set()
    out = []
    for p in named_parameters(params).values():
        g = grads.array(p)
        if g is not None and p.id not in seen:
            seen.add(p.id)
            out.append((p, g))
    return out


def _norm(xp: Any, g: Array, ord: float) -> Array:
    """`torch.linalg.vector_norm(g, ord)` of every entry, in `g`'s dtype: 0 counts the nonzero
    entries, +-inf is the largest or smallest magnitude, a negative order is 0 where any
    entry is 0 (`0 ** ord` is inf).

    NOTE: f16 and bf16 are summed in f32 and the norm rounded back, as torch does: in f16 the
    squares of gradients of 300 overflowed (a norm of inf, every gradient scaled to 0), and a
    bf16 sum of many small squares stalled (a norm 8x too small, nothing clipped)."""
    dtype = g.dtype
    a = xp.abs(g.astype(xp.float32) if is_half(dtype) else g)
    if not a.size:
        return xp.zeros((), dtype)
    if math.isinf(ord):
        out = a.max() if ord > 0 else a.min()
    elif ord == 0:
        out = (a != 0).sum()
    else:
        out = xp.sqrt((a * a).sum()) if ord == 2 else (a**ord).sum() ** (1 / ord)
    return out.astype(dtype)


def clip_grad_norm(
    params: Params,
    grads: Gradients,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients of `params` so that their total norm is at most `max_norm`.

    As `torch.nn.utils.clip_grad_norm_`: the total norm is the `norm_type` norm of every
    gradient's own norm, and each gradient is multiplied by
    `min(1, max_norm / (total + 1e-6))`. The norms of f16 and bf16 gradients are summed in
    f32 and rounded back to their dtype, as PyTorch's are.

    Args:
        params: a model (anything with `parameters()`), a dict of tensors, or a list.
        grads: what `loss.backward()` returned; changed for those parameters.
        max_norm: the largest total norm kept, >= 0.
        norm_type: the norm's order, any that `torch.linalg.vector_norm` takes (2.0;
            `math.inf` for the largest absolute value, `-math.inf` the smallest, 0 the
            count of nonzero entries).
        error_if_nonfinite: raise when the total norm is nan or infinite, instead of scaling.

    Returns:
        The total norm before clipping.

    Raises:
        ValueError: for a negative `max_norm`, or a non-finite norm with `error_if_nonfinite`.

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([3.0, 4.0])
        >>> grads = (w.traced() * sd.tensor([3.0, 4.0])).sum().backward()
        >>> sd.optim.clip_grad_norm([w], grads, 1.0)
        5.0
        >>> [round(v, 3) for v in grads[w].tolist()]
        [0.6, 0.8]
    """
    check(max_norm >= 0, "max_norm", max_norm)
    found = _present(params, grads)
    if not found:
        return 0.0
    xp, backend = found[0][0].xp, found[0][0].device.backend
    with backend.quiet():  # NOTE: a negative order's `0 ** ord` is inf, quietly as in torch
        # NOTE: torch's order of work: the norm of the gradients' norms, in their dtype
        # (accumulated in f32 for f16 and bf16, see `_norm`)
        norms = xp.stack([_norm(xp, g, norm_type) for _, g in found])
        total = float(_norm(xp, norms, norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(
            f"clip_grad_norm: the total norm of order {norm_type} of the gradients is {total}; "
            "pass error_if_nonfinite=False to scale anyway"
        )
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p, g in found:
        grads.replace(p, g * g.dtype.type(coef))
    return total


def clip_grad_value(params: Params, grads: Gradients, clip_value: float) -> None:
    """Limit every gradient entry of `params` to `[-clip_value, clip_value]`.

    As `torch.nn.utils.clip_grad_value_`.

    Args:
        params: a model (anything with `parameters()`), a dict of tensors, or a list.
        grads: what `loss.backward()` returned; changed for those parameters.
        clip_value: the largest absolute value kept, >= 0.

    Raises:
        ValueError: for a negative `clip_value`.

    Example:
        >>> import shapedl as sd
        >>> w = sd.tensor([1.0, 1.0])
        >>> grads = (w.traced() * sd.tensor([-3.0, 0.5])).sum().backward()
        >>> sd.optim.clip_grad_value({"w": w}, grads, 1.0)
        >>> grads[w].tolist()
        [-1.0, 0.5]
    """
    check(clip_value >= 0, "clip_value", clip_value)
    for p, g in _present(params, grads):
        grads.replace(p, p.xp.clip(g, -clip_value, clip_value))
