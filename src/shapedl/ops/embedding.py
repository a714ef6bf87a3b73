"""Embedding: rows of a `(vocabulary, width)` table picked by an integer index tensor.

The gradient of the table is a scatter-add of the output's gradient into the picked rows,
so an index that repeats accumulates.
"""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.dims import Shape
from shapedl.errors import shape_error, show_shape
from shapedl.ops.index import out_of_range
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT

__all__ = ["embedding"]


def embedding_rule(op: str, index: Shape, weight: Shape) -> Shape:
    """`(*index, D)` for a `(V, D)` weight."""
    if len(weight) != 2:
        raise shape_error(
            op,
            [index, weight],
            f"weight has rank {len(weight)} but must be 2-d (vocabulary, width)",
        )
    return (*index, weight[1])


def padding_row(op: str, padding_idx: int | None, vocab: int) -> int | None:
    """`padding_idx` as a row in `[0, V)` (negative counts from the end, as in PyTorch)."""
    if padding_idx is None:
        return None
    if not -vocab <= padding_idx < vocab:
        raise ValueError(
            f"{op}: padding_idx {padding_idx} is out of range for a vocabulary of {vocab} rows; "
            f"it must be in [-{vocab}, {vocab})"
        )
    return padding_idx % vocab


@register("embedding", embedding_rule, tensors=("index", "weight"))
def embedding(
    index: Tensor[Any, Any, Any], weight: Tensor[Any, DT, Any], padding_idx: int | None = None
) -> Tensor[Any, DT, Any]:
    """The rows of `weight` at `index`: `out[..., :] = weight[index[...], :]`.

    Args:
        index: integer tensor of any shape, values in `[0, V)`.
        weight: the `(V, D)` table.
        padding_idx: a row that gets no gradient (PyTorch's `padding_idx`; negative counts
            from the end); `nn.Embedding` also starts it at zeros.

    Returns:
        A tensor of shape `(*index.shape, D)` with the dtype of `weight`.

    Raises:
        ShapeError: when `weight` is not 2-d.
        TypeError: when `index` is not an integer tensor.
        IndexError: when an index is negative or not below `V`.
        ValueError: when `padding_idx` is not in `[-V, V)`.

    Shape:
        `(*), (V, D) -> (*, D)`

    Example:
        >>> import shapedl as sd
        >>> table = sd.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
        >>> sd.ops.embedding(sd.tensor([[2, 0]]), table).tolist()
        [[[4.0, 5.0], [0.0, 1.0]]]
    """
    embedding_rule("embedding", index.shape, weight.shape)
    check_devices("embedding", index, weight)
    idx = index.data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: index must be an integer tensor, got dtype {idx.dtype}")
    vocab = weight.shape[0]
    pad = padding_row("embedding", padding_idx, vocab)
    found = out_of_range(weight.device.backend, idx, 0, vocab)
    if found is not None:
        raise IndexError(
            f"embedding: index {found[0] if found[0] < 0 else found[1]} is out of range for a "
            f"vocabulary of {vocab} rows (weight shape {show_shape(weight.shape)}); indices "
            f"must be in [0, {vocab})"
        )
    xp = weight.xp

    def vjp(g: Array) -> tuple[None, Array]:
        # NOTE: flat element indices take add.at's fast 1-d path (several times quicker
        # than adding whole rows at a 2-d index)
        width = weight.shape[1]
        flat = (idx.reshape(-1, 1).astype("int64") * width + xp.arange(width)).reshape(-1)
        grad = xp.zeros(weight.data.size, dtype=g.dtype)
        xp.add.at(grad, flat, g.reshape(-1))
        grad = grad.reshape(weight.shape)
        if pad is not None:
            grad[pad] = 0
        return None, grad

    return record(weight.data[idx], (index, weight), vjp)
