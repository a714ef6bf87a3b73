"""`MultiHeadAttention`: projections to `H` heads, scaled dot-product attention, a projection back.

Inputs are batch-first, `(B, T, E)`. A boolean `mask` keeps the positions where it is True
(shapedl's `scaled_dot_product_attention` convention, the opposite of the boolean `attn_mask`
of `torch.nn.MultiheadAttention`); a float mask is added to the scores. `key_padding_mask=` is
PyTorch's, with PyTorch's meaning: `(B, Tk)`, True where a key is padding, to be ignored.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.dims import Dim as DimValue
from shapedl.dims import Shape
from shapedl.errors import ShapeError, shape_error, show_shape
from shapedl.nn import init
from shapedl.nn.linear import Linear, width_error
from shapedl.nn.module import Module
from shapedl.nn.registry import register_layer
from shapedl.ops.attention import misfit_axis, scaled_dot_product_attention
from shapedl.ops.compare import where
from shapedl.ops.creation import zeros
from shapedl.ops.dropout import dropout
from shapedl.ops.elementwise import astype
from shapedl.ops.matmul import matmul
from shapedl.ops.movement import reshape, transpose
from shapedl.ops.softmax import softmax
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["MultiHeadAttention", "xavier_uniform"]

# NOTE: the mypy plugin records embed_dim and num_heads in these (Any without it)
Em = DefaultTypeVar("Em", default=Any, covariant=True)
Hn = DefaultTypeVar("Hn", default=Any, covariant=True)
# the widths of keys and values (`kdim`, `vdim`; the embedding width unless given)
Kd = DefaultTypeVar("Kd", default=Any, covariant=True)
Vd = DefaultTypeVar("Vd", default=Any, covariant=True)
B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
E = TypeVar("E", bound=Dim)
AnyTensor = Tensor[Any, Any, Any]
_MHA = "MultiHeadAttention"


def xavier_uniform(t: AnyTensor, fan_in: int, fan_out: int) -> None:
    """Refill `t` in place from `U(-a, a)`, `a = sqrt(6 / (fan_in + fan_out))` (Glorot)."""
    # NOTE: not `init.xavier_uniform(t)`: PyTorch draws q, k and v as one packed (3E, E)
    # weight, whose fan out is three times each part's
    bound = math.sqrt(6 / (fan_in + fan_out))
    init.uniform(t, -bound, bound)


def check_heads(embed_dim: DimValue, num_heads: DimValue) -> None:
    """The heads divide the width (where that can be told: numbers, or `8 * d` by 8)."""
    few = isinstance(num_heads, int) and num_heads < 1
    if not few and (num_heads is dims.DYN or embed_dim is dims.DYN):
        return
    rest = (
        1 if few else dims.sub(embed_dim, dims.mul(dims.floordiv(embed_dim, num_heads), num_heads))
    )
    if isinstance(rest, int) and rest != 0:
        raise ShapeError(
            f"MultiHeadAttention: embed_dim={embed_dim} must be divisible by num_heads={num_heads}"
        )


MaskCheck = tuple[str, Shape | None, Shape | None, Shape | None]


def check_masks(
    layer: str, masks: list[MaskCheck], padding: str, heads: DimValue = dims.DYN
) -> None:
    """Each `(name, mask, query, key)`: the mask broadcasts to the scores `(B, H, Tq, Tk)`;
    `padding` names the layer's keyword for a padding mask (`key_padding_mask`)."""
    for name, mask, q, k in masks:
        if mask is None or not q or not k:
            continue
        scores = (q[0], heads, q[-2], k[-2])
        i = misfit_axis(mask, scores)
        if len(mask) <= len(scores) and i is None:
            continue
        # NOTE: the heads as `H` where the layer's type does not hold them
        shown = (q[0], "H" if heads is dims.DYN else heads, q[-2], k[-2])
        hint = (
            f"{name} must broadcast to the scores (B, H, Tq, Tk); a padding mask keep of shape "
            f"(B, Tk) is written keep[:, None, None, :], or give {padding}=~keep"
        )
        if len(mask) > len(scores):
            raise shape_error(
                layer,
                [mask, shown],
                f"{name} has rank {len(mask)} but the scores (B, H, Tq, Tk) have rank 4",
                hint,
            )
        if i is not None:
            raise shape_error(
                layer,
                [mask, shown],
                f"{name} size {mask[i]} at axis {i} does not broadcast to {scores[i]}",
                hint,
            )


def check_padding(layer: str, name: str, pad: Shape | None, q: Shape, k: Shape) -> None:
    """PyTorch's key padding mask `pad` is `(B, Tk)`, one flag per key of each sequence."""
    if pad is None or not q or not k:
        return
    want = (q[0], k[-2])
    if len(pad) != 2 or any(dims.same(a, b) is False for a, b in zip(pad, want, strict=True)):
        raise shape_error(
            layer,
            [pad, q] if k == q else [pad, q, k],
            f"{name} must be (B, Tk) = {show_shape(want)}, one flag per key (True: padding, as "
            "PyTorch's)",
        )


def padded(mask: AnyTensor | None, pad: AnyTensor | None) -> AnyTensor | None:
    """`mask` (True keeps, or added) with the keys that PyTorch's `key_padding_mask` `pad`
    flags (True, or added) hidden too, combined as PyTorch combines them: two boolean masks
    hide what either hides, and otherwise the additive forms are summed (True hides as -inf).
    """
    if pad is None:
        return mask
    b, tk = pad.shape
    pad = reshape(pad, (b, 1, 1, tk))
    flags = pad.data.dtype.kind == "b"
    if mask is None:
        return ~pad if flags else pad
    if mask.data.dtype.kind == "b":
        return mask & ~pad if flags else where(mask, pad, -math.inf)
    return where(~pad, mask, -math.inf) if flags else mask + pad


def check_widths(shapes: list[Shape | None], out: DimValue, widths: list[DimValue]) -> None:
    """Each input meets its projection: `Linear`'s words for one of another width."""
    for shape, width in zip(shapes, widths, strict=True):
        if shape is not None and (not shape or dims.same(shape[-1], width) is False):
            raise width_error(shape, out, width)


def _attention_shape(
    query: Shape,
    key: Shape | None,
    value: Shape | None,
    mask: Shape | None,
    embed_dim: DimValue,
    num_heads: DimValue,
    kdim: DimValue,
    vdim: DimValue,
    key_padding_mask: Shape | None = None,
) -> Shape:
    """Query, key and value meet their projections (a key left out is the query, a value left
    out the key, as at run time); the mask broadcasts to the scores, the key padding mask is
    `(B, Tk)`."""
    key = query if key is None else key
    value = key if value is None else value
    for name, shape in (("query", query), ("key", key), ("value", value)):
        if len(shape) != 3:
            raise shape_error(
                _MHA,
                [shape],
                f"the {name} must have rank 3 (N, T, E), batch first, not {len(shape)}",
                "add the batch axis: x.unsqueeze(0)" if len(shape) == 2 else None,
            )
    check_widths([query, key, value], embed_dim, [embed_dim, kdim, vdim])
    check_masks(_MHA, [("mask", mask, query, key)], "key_padding_mask", num_heads)
    check_padding(_MHA, "key_padding_mask", key_padding_mask, query, key)
    return (*query[:-1], embed_dim)


def _attention_record(
    embed_dim: DimValue, num_heads: DimValue, kdim: object = None, vdim: object = None, **_: object
) -> dict[str, object]:
    return {
        "embed_dim": embed_dim,
        "num_heads": num_heads,
        "kdim": embed_dim if kdim is None else kdim,
        "vdim": embed_dim if vdim is None else vdim,
    }


@register_layer(
    params=("embed_dim", "num_heads", "kdim", "vdim"),
    record=_attention_record,
    shape=_attention_shape,
    inputs=("query", "key", "value", "mask", "key_padding_mask"),
    check=lambda embed_dim, num_heads, **_: check_heads(embed_dim, num_heads),
)
class MultiHeadAttention(Module, Generic[Em, Hn, Kd, Vd]):
    """Multi-head attention, batch first (PyTorch's `MultiheadAttention(batch_first=True)`).

    Args:
        embed_dim: the width `E` of queries and of the output; a multiple of `num_heads`.
        num_heads: the number of heads `H`, each of width `E // H`.
        dropout: the probability of dropping an attention weight while training.
        bias: whether the projections have biases.
        kdim: the width of keys (`embed_dim` when None).
        vdim: the width of values (`embed_dim` when None).
        device: where the parameters live (the default device when None).

    Initialised as PyTorch does: Glorot-uniform query/key/value projections (as one
    `(3E, E)` matrix), zero projection biases, the output projection as a `Linear`'s
    weight with a zero bias.

    Shape:
        query `(B, Tq, E)`, key `(B, Tk, kdim)`, value `(B, Tk, vdim)`, mask broadcastable
        to `(B, H, Tq, Tk)` (a padding mask `keep` of shape `(B, Tk)` is
        `keep[:, None, None, :]`), key_padding_mask `(B, Tk)` -> `(B, Tq, E)`

    Example:
        >>> import shapedl as sd
        >>> attn = sd.nn.MultiHeadAttention(8, 2)
        >>> attn(sd.randn((3, 5, 8)), causal=True).shape
        (3, 5, 8)
    """

    q_proj: Linear[Any, Any]
    k_proj: Linear[Any, Any]
    v_proj: Linear[Any, Any]
    out_proj: Linear[Any, Any]
    embed_dim: int
    num_heads: int
    dropout: float

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        kdim: int | None = None,
        vdim: int | None = None,
        *,
        device: Device | None = None,
    ) -> None:
        check_heads(embed_dim, num_heads)
        if not 0 <= dropout <= 1:
            raise ValueError(f"MultiHeadAttention: dropout={dropout} must be in [0, 1]")
        kdim = embed_dim if kdim is None else kdim
        vdim = embed_dim if vdim is None else vdim
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.q_proj = Linear(embed_dim, embed_dim, bias, device=device)
        self.k_proj = Linear(kdim, embed_dim, bias, device=device)
        self.v_proj = Linear(vdim, embed_dim, bias, device=device)
        self.out_proj = Linear(embed_dim, embed_dim, bias, device=device)
        packed = kdim == vdim == embed_dim
        for proj in (self.q_proj, self.k_proj, self.v_proj):
            # NOTE: PyTorch packs q, k, v into one (3E, E) matrix when their widths agree
            xavier_uniform(proj.weight, proj.in_features, embed_dim * (3 if packed else 1))
            if proj.bias is not None:
                proj.bias.data = zeros(proj.bias.shape, device=device).data
        if self.out_proj.bias is not None:
            self.out_proj.bias.data = zeros((embed_dim,), device=device).data

    def _heads(self, x: AnyTensor) -> AnyTensor:
        """`(B, T, E) -> (B, H, T, E // H)`."""
        b, t, e = x.shape
        # NOTE: the head's width spelled out: a -1 next to an empty batch cannot be inferred
        return transpose(reshape(x, (b, t, self.num_heads, e // self.num_heads)), 1, 2)

    def forward(
        self,
        query: Tensor[tuple[B, T, E], DT, TT],
        key: Tensor[Any, DT, Any] | None = None,
        value: Tensor[Any, DT, Any] | None = None,
        mask: Tensor[Any, Any, Any] | None = None,
        causal: bool = False,
        *,
        key_padding_mask: Tensor[Any, Any, Any] | None = None,
    ) -> Tensor[tuple[B, T, E], DT, TT]:
        """Attend from `query` to `key`/`value` (both default to `query`: self-attention);
        `key_padding_mask` is PyTorch's: `(B, Tk)`, True (or `-inf`) where a key is padding."""
        key = query if key is None else key
        value = key if value is None else value
        # NOTE: the plugin's rule, before any work: the form with dropout meets a mask of the
        # wrong shape only in a NumPy broadcast, which names nothing
        _attention_shape(
            query.shape,
            key.shape,
            value.shape,
            None if mask is None else mask.shape,
            self.embed_dim,
            self.num_heads,
            self.k_proj.in_features,
            self.v_proj.in_features,
            None if key_padding_mask is None else key_padding_mask.shape,
        )
        mask = padded(mask, key_padding_mask)
        q = self._heads(self.q_proj(query))
        k = self._heads(self.k_proj(key))
        v = self._heads(self.v_proj(value))
        training = any(t.is_traced for t in (query, key, value))
        if self.dropout > 0 and training:
            heads = self._dropout_attention(q, k, v, mask, causal)
        else:
            heads = scaled_dot_product_attention(q, k, v, mask, causal=causal)
            if self.dropout > 0:  # NOTE: untraced: the identity, which warns if a gradient comes
                heads = dropout(heads, self.dropout)  # back (the layers before it train)
        b, t, _ = query.shape
        merged = reshape(transpose(heads, 1, 2), (b, t, self.embed_dim))
        out: Tensor[tuple[B, T, E], DT, TT] = self.out_proj(merged)
        return out

    __call__ = forward

    def _dropout_attention(
        self, q: AnyTensor, k: AnyTensor, v: AnyTensor, mask: AnyTensor | None, causal: bool
    ) -> AnyTensor:
        """Attention with dropout on its weights, composed from ops (training only)."""
        xp, dtype = q.xp, q.data.dtype
        scores = matmul(q, transpose(k, -1, -2)) * (1 / math.sqrt(q.shape[-1]))
        hidden = xp.zeros(scores.shape[-2:], dtype=dtype)
        if causal:
            tq, tk = scores.shape[-2:]
            hidden = xp.where(xp.tril(xp.ones((tq, tk), dtype=bool)), hidden, -xp.inf)
        if mask is not None and mask.data.dtype.kind == "b":
            hidden = xp.where(mask.data, hidden, -xp.inf)
        bias = mask if mask is not None and mask.data.dtype.kind != "b" else None
        if bias is not None:
            # NOTE: on the tape, as in the op: a learned additive bias gets its gradient
            scores = scores + astype(bias, q.dtype)
        shown = hidden if bias is None else hidden + bias.data
        seen = xp.isfinite(shown).any(axis=-1, keepdims=True)
        # NOTE: on CUDA without asking `seen.all()`, which would wait for the device
        partial = q.device.backend.reads_sync or not seen.all()
        # NOTE: a query that sees no key gets zero weights (and no gradient), as in the op and
        # in torch, not softmax's nan, which would reach every gradient
        if bias is not None and partial:
            scores = where(Tensor(seen, q.device), scores, 0.0)
        hidden = xp.where(seen, hidden, 0).astype(dtype)
        weights = softmax(scores + Tensor(hidden, q.device), -1)
        if partial:
            weights = weights * Tensor(seen.astype(dtype), q.device)
        return matmul(dropout(weights, self.dropout), v)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
