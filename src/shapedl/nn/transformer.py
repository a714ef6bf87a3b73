"""Transformer layers, batch first, with PyTorch's defaults and parameter layout.

`TransformerEncoderLayer` is self-attention then a feed-forward block, each wrapped in a
residual connection and a layer norm (after the residual by default, before the sublayer with
`norm_first=True`). `TransformerDecoderLayer` adds attention to the encoder's output
(`memory`). `Transformer` stacks both, each stack followed by a final layer norm.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.dims import Dim as DimValue
from shapedl.dims import Shape
from shapedl.nn.activation import GELU, ReLU
from shapedl.nn.attention import (
    MultiHeadAttention,
    check_heads,
    check_masks,
    check_padding,
    check_widths,
    xavier_uniform,
)
from shapedl.nn.dropout import Dropout
from shapedl.nn.linear import Linear
from shapedl.nn.module import Module
from shapedl.nn.norm import LayerNorm
from shapedl.nn.registry import register_layer
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]

# NOTE: the mypy plugin records d_model in this (Any without it)
Dm = DefaultTypeVar("Dm", default=Any, covariant=True)
B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
E = TypeVar("E", bound=Dim)
AnyTensor = Tensor[Any, Any, Any]
Mask = Tensor[Any, Any, Any] | None
Activation = str | Callable[[Any], Any]


def _activation(layer: str, activation: Activation) -> Callable[[Any], Any]:
    if activation == "relu":
        return ReLU()
    if activation == "gelu":
        return GELU()
    if callable(activation):
        return activation
    raise ValueError(
        f"{layer}: activation must be 'relu', 'gelu' or a callable, got {activation!r}"
    )


def _record(d_model: DimValue, norm_first: object = False, **_: object) -> dict[str, object]:
    """`d_model`, only with `norm_first=False` (the default), where the runtime meets a wrong
    width first in the attention's query projection, as the layer's shape reports it."""
    return {"d_model": d_model if norm_first is False else dims.DYN}


def _check(d_model: DimValue, nhead: DimValue = 8, **_: object) -> None:
    check_heads(d_model, nhead)


def _encoder_masks(
    src: Shape, src_mask: Shape | None, src_key_padding_mask: Shape | None = None
) -> None:
    """`src_mask` broadcasts to the scores `(B, H, T, T)`, the padding mask is `(B, T)`."""
    layer = "TransformerEncoderLayer"
    check_masks(layer, [("src_mask", src_mask, src, src)], "src_key_padding_mask")
    check_padding(layer, "src_key_padding_mask", src_key_padding_mask, src, src)


def _encoder_shape(
    src: Shape,
    src_mask: Shape | None,
    d_model: DimValue,
    src_key_padding_mask: Shape | None = None,
) -> Shape:
    """`src` meets the `(E, E)` projections; the masks fit (`_encoder_masks`)."""
    check_widths([src], d_model, [d_model])
    _encoder_masks(src, src_mask, src_key_padding_mask)
    return src


def _decoder_masks(
    tgt: Shape,
    memory: Shape | None,
    masks: tuple[Shape | None, Shape | None],
    pads: tuple[Shape | None, Shape | None],
) -> None:
    """`tgt_mask` broadcasts to the scores `(B, H, T, T)` and `memory_mask` to `(B, H, T, S)`,
    `S` the memory's length; the padding masks are `(B, T)` and `(B, S)`."""
    layer = "TransformerDecoderLayer"
    check_masks(layer, [("tgt_mask", masks[0], tgt, tgt)], "tgt_key_padding_mask")
    check_masks(layer, [("memory_mask", masks[1], tgt, memory)], padding="memory_key_padding_mask")
    check_padding(layer, "tgt_key_padding_mask", pads[0], tgt, tgt)
    if memory is not None:
        check_padding(layer, "memory_key_padding_mask", pads[1], tgt, memory)


def _decoder_shape(
    tgt: Shape,
    memory: Shape | None,
    tgt_mask: Shape | None,
    memory_mask: Shape | None,
    d_model: DimValue,
    tgt_key_padding_mask: Shape | None = None,
    memory_key_padding_mask: Shape | None = None,
) -> Shape:
    """`tgt` and `memory` meet the projections; the masks fit (`_decoder_masks`)."""
    check_widths([tgt, memory], d_model, [d_model, d_model])
    pads = (tgt_key_padding_mask, memory_key_padding_mask)
    _decoder_masks(tgt, memory, (tgt_mask, memory_mask), pads)
    return tgt


def _shape(t: AnyTensor | None) -> Shape | None:
    return None if t is None else t.shape


class _Layer(Module):
    """What both layers share: the feed-forward block `linear2(dropout(act(linear1(x))))`,
    and a layer norm and a dropout for each sublayer."""

    linear1: Linear[Any, Any]
    dropout: Dropout
    linear2: Linear[Any, Any]
    activation: Callable[[Any], Any]
    norm_first: bool
    norm1: LayerNorm
    norm2: LayerNorm
    dropout1: Dropout
    dropout2: Dropout

    # the attentions each layer builds first (they draw their weights first), in PyTorch's order
    attentions: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        norm_first: bool = False,
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        for name in self.attentions:
            setattr(self, name, MultiHeadAttention(d_model, nhead, dropout, bias, device=device))
        self.norm_first = norm_first
        self.linear1 = Linear(d_model, dim_feedforward, bias, device=device)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias, device=device)
        self.activation = _activation(type(self).__name__, activation)
        # NOTE: PyTorch's order, which `repr` and `parameters()` follow: the norms, then dropouts;
        # a norm and a dropout for each sublayer (the attentions and the feed-forward block)
        sublayers = range(1, len(self.attentions) + 2)
        for i in sublayers:
            setattr(self, f"norm{i}", LayerNorm(d_model, layer_norm_eps, bias=bias, device=device))
        for i in sublayers:
            setattr(self, f"dropout{i}", Dropout(dropout))

    def _ff(self, x: AnyTensor) -> AnyTensor:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))


@register_layer(
    params=("d_model",),
    record=_record,
    check=_check,
    shape=_encoder_shape,
    inputs=("src", "src_mask", "src_key_padding_mask"),
)
class TransformerEncoderLayer(_Layer, Generic[Dm], init=False):
    """Self-attention and a feed-forward block (PyTorch's layer with `batch_first=True`).

    Args:
        d_model: the width `E` of the input and output.
        nhead: the number of attention heads.
        dim_feedforward: the hidden width of the feed-forward block.
        dropout: the dropout probability (attention weights and after each sublayer).
        activation: `"relu"`, `"gelu"` (the exact GELU, as PyTorch's) or any callable.
        layer_norm_eps: the layer norms' `eps`.
        norm_first: normalize before each sublayer (pre-norm) instead of after the residual.
        bias: whether the linear layers and layer norms have biases.
        device: where the parameters live (the default device when None).

    Shape:
        `(B, T, E) -> (B, T, E)`

    Example:
        >>> import shapedl as sd
        >>> layer = sd.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
        >>> layer(sd.randn((3, 5, 8))).shape
        (3, 5, 8)
    """

    attentions = ("self_attn",)
    self_attn: MultiHeadAttention

    def forward(
        self,
        src: Tensor[tuple[B, T, E], DT, TT],
        src_mask: Mask = None,
        is_causal: bool = False,
        *,
        src_key_padding_mask: Mask = None,
    ) -> Tensor[tuple[B, T, E], DT, TT]:
        """Encode `src`; `src_mask` keeps positions where True (or is added, if float);
        `src_key_padding_mask` is PyTorch's, `(B, T)`, True where a position is padding."""
        pad = src_key_padding_mask
        if src_mask is not None or pad is not None:
            # NOTE: the layer's rule, so that a wrong mask is the layer's error, not its
            # attention's
            _encoder_masks(src.shape, _shape(src_mask), _shape(pad))

        def attend(x: AnyTensor) -> AnyTensor:
            out = self.self_attn(x, x, x, src_mask, is_causal, key_padding_mask=pad)
            return self.dropout1(out)

        def feed(x: AnyTensor) -> AnyTensor:
            return self.dropout2(self._ff(x))

        x: Any = src
        if self.norm_first:
            x = x + attend(self.norm1(x))
            return x + feed(self.norm2(x))  # type: ignore[no-any-return]
        x = self.norm1(x + attend(x))
        return self.norm2(x + feed(x))

    __call__ = forward


@register_layer(
    params=("d_model",),
    record=_record,
    check=_check,
    shape=_decoder_shape,
    inputs=(
        "tgt",
        "memory",
        "tgt_mask",
        "memory_mask",
        "tgt_key_padding_mask",
        "memory_key_padding_mask",
    ),
)
class TransformerDecoderLayer(_Layer, Generic[Dm], init=False):
    """Self-attention, attention to `memory`, and a feed-forward block (PyTorch's layer).

    Takes the arguments of `TransformerEncoderLayer`.

    Shape:
        tgt `(B, T, E)`, memory `(B, S, E)` -> `(B, T, E)`

    Example:
        >>> import shapedl as sd
        >>> layer = sd.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
        >>> layer(sd.randn((3, 5, 8)), sd.randn((3, 7, 8)), tgt_is_causal=True).shape
        (3, 5, 8)
    """

    attentions = ("self_attn", "multihead_attn")
    self_attn: MultiHeadAttention
    multihead_attn: MultiHeadAttention
    norm3: LayerNorm
    dropout3: Dropout

    def forward(
        self,
        tgt: Tensor[tuple[B, T, E], DT, TT],
        memory: Tensor[Any, DT, Any],
        tgt_mask: Mask = None,
        memory_mask: Mask = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
        *,
        tgt_key_padding_mask: Mask = None,
        memory_key_padding_mask: Mask = None,
    ) -> Tensor[tuple[B, T, E], DT, TT]:
        """Decode `tgt` while attending to `memory` (the encoder's output); the padding masks
        are PyTorch's, `(B, T)` and `(B, S)`, True where a position is padding."""
        masks, pads = (tgt_mask, memory_mask), (tgt_key_padding_mask, memory_key_padding_mask)
        if any(m is not None for m in (*masks, *pads)):
            # NOTE: the layer's rule, so that a wrong mask is the layer's error
            shapes = (_shape(masks[0]), _shape(masks[1])), (_shape(pads[0]), _shape(pads[1]))
            _decoder_masks(tgt.shape, memory.shape, *shapes)

        def attend(x: AnyTensor) -> AnyTensor:
            out = self.self_attn(x, x, x, tgt_mask, tgt_is_causal, key_padding_mask=pads[0])
            return self.dropout1(out)

        def cross(x: AnyTensor) -> AnyTensor:
            out = self.multihead_attn(
                x, memory, memory, memory_mask, memory_is_causal, key_padding_mask=pads[1]
            )
            return self.dropout2(out)

        def feed(x: AnyTensor) -> AnyTensor:
            return self.dropout3(self._ff(x))

        x: Any = tgt
        if self.norm_first:
            x = x + attend(self.norm1(x))
            x = x + cross(self.norm2(x))
            return x + feed(self.norm3(x))  # type: ignore[no-any-return]
        x = self.norm1(x + attend(x))
        x = self.norm2(x + cross(x))
        return self.norm3(x + feed(x))

    __call__ = forward


L = TypeVar("L", bound=Module)


def _stack(
    op: str, cls: type[L], layers: Any, args: tuple[Any, ...], num_layers: Any, norm: Any
) -> tuple[list[L], Any]:
    """The layers and the final norm of a stack, given as `(layers, norm)` or as PyTorch's
    `(layer, num_layers, norm)`, which stacks `num_layers` deep copies of `layer`; `args`
    are the positional arguments after `layers`."""
    single = isinstance(layers, cls)
    names = ("num_layers", "norm") if single else ("norm",)
    if len(args) > len(names):
        raise TypeError(f"{op}: takes {', '.join(names)} after the layers, got {len(args)} more")
    given = {"num_layers": num_layers, "norm": norm}
    for name, value in zip(names, args, strict=False):
        if given[name] is not None:
            raise TypeError(f"{op}: {name} given twice")
        given[name] = value
    count, norm = given["num_layers"], given["norm"]
    if not single:
        if count is not None:
            raise TypeError(
                f"{op}: num_layers goes with one {cls.__name__}, not a list of them: "
                f"{op}(layer, {count}) stacks {count} copies"
            )
        return list(layers), norm
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise TypeError(
            f"{op}: one {cls.__name__} needs num_layers, a count of copies to stack, "
            f"not {count!r}: {op}(layer, num_layers=2), or {op}([layer1, layer2])"
        )
    return [copy.deepcopy(layers) for _ in range(count)], norm


class TransformerEncoder(Module):
    """A stack of encoder layers, then an optional final layer norm (PyTorch's).

    Args:
        layers: the encoder layers, in order; or one layer, as PyTorch's `encoder_layer`,
            with `num_layers`: that many deep copies of it (fresh parameters each).
        num_layers: the number of copies of a single layer.
        norm: a final layer norm, or None.

    Example:
        >>> import shapedl as sd
        >>> layer = sd.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
        >>> len(sd.nn.TransformerEncoder(layer, 2).layers)
        2
    """

    layers: list[TransformerEncoderLayer]
    norm: LayerNorm | None = None

    @overload
    def __init__(
        self, layers: Sequence[TransformerEncoderLayer], norm: LayerNorm | None = None
    ) -> None: ...
    @overload
    def __init__(
        self, layers: TransformerEncoderLayer, num_layers: int, norm: LayerNorm | None = None
    ) -> None: ...
    def __init__(
        self,
        layers: Sequence[TransformerEncoderLayer] | TransformerEncoderLayer,
        *args: Any,
        num_layers: int | None = None,
        norm: LayerNorm | None = None,
    ) -> None:
        op, cls = "TransformerEncoder", TransformerEncoderLayer
        self.layers, self.norm = _stack(op, cls, layers, args, num_layers, norm)

    def forward(
        self,
        src: Tensor[tuple[B, T, E], DT, TT],
        mask: Mask = None,
        is_causal: bool = False,
        *,
        src_key_padding_mask: Mask = None,
    ) -> Tensor[tuple[B, T, E], DT, TT]:
        x = src
        for layer in self.layers:
            x = layer(x, mask, is_causal, src_key_padding_mask=src_key_padding_mask)
        return x if self.norm is None else self.norm(x)

    __call__ = forward


class TransformerDecoder(Module):
    """A stack of decoder layers, then an optional final layer norm (PyTorch's).

    Args:
        layers: the decoder layers, in order; or one layer, as PyTorch's `decoder_layer`,
            with `num_layers`: that many deep copies of it (fresh parameters each).
        num_layers: the number of copies of a single layer.
        norm: a final layer norm, or None.
    """

    layers: list[TransformerDecoderLayer]
    norm: LayerNorm | None = None

    @overload
    def __init__(
        self, layers: Sequence[TransformerDecoderLayer], norm: LayerNorm | None = None
    ) -> None: ...
    @overload
    def __init__(
        self, layers: TransformerDecoderLayer, num_layers: int, norm: LayerNorm | None = None
    ) -> None: ...
    def __init__(
        self,
        layers: Sequence[TransformerDecoderLayer] | TransformerDecoderLayer,
        *args: Any,
        num_layers: int | None = None,
        norm: LayerNorm | None = None,
    ) -> None:
        op, cls = "TransformerDecoder", TransformerDecoderLayer
        self.layers, self.norm = _stack(op, cls, layers, args, num_layers, norm)

    def forward(
        self,
        tgt: Tensor[tuple[B, T, E], DT, TT],
        memory: Tensor[Any, DT, Any],
        tgt_mask: Mask = None,
        memory_mask: Mask = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
        *,
        tgt_key_padding_mask: Mask = None,
        memory_key_padding_mask: Mask = None,
    ) -> Tensor[tuple[B, T, E], DT, TT]:
        x = tgt
        pads = {
            "tgt_key_padding_mask": tgt_key_padding_mask,
            "memory_key_padding_mask": memory_key_padding_mask,
        }
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_is_causal, memory_is_causal, **pads)
        return x if self.norm is None else self.norm(x)

    __call__ = forward


class Transformer(Module):
    """An encoder-decoder transformer (PyTorch's `nn.Transformer` with `batch_first=True`).

    Takes PyTorch's arguments and defaults (`d_model=512, nhead=8, num_encoder_layers=6,
    num_decoder_layers=6, dim_feedforward=2048, dropout=0.1`); every matrix is initialised
    Glorot-uniform, as PyTorch does.

    Shape:
        src `(B, S, E)`, tgt `(B, T, E)` -> `(B, T, E)`

    Example:
        >>> import shapedl as sd
        >>> model = sd.nn.Transformer(8, 2, 1, 1, dim_feedforward=16)
        >>> model(sd.randn((2, 6, 8)), sd.randn((2, 4, 8)), tgt_is_causal=True).shape
        (2, 4, 8)
    """

    encoder: TransformerEncoder
    decoder: TransformerDecoder

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        norm_first: bool = False,
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None:
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, norm_first)
        enc = [
            TransformerEncoderLayer(*args, bias, device=device) for _ in range(num_encoder_layers)
        ]
        dec = [
            TransformerDecoderLayer(*args, bias, device=device) for _ in range(num_decoder_layers)
        ]
        norm = (LayerNorm(d_model, layer_norm_eps, bias=bias, device=device) for _ in range(2))
        self.encoder = TransformerEncoder(enc, next(norm))
        self.decoder = TransformerDecoder(dec, next(norm))
        for name, p in self.parameters().items():
            if p.ndim > 1:
                packed = name.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight"))
                xavier_uniform(p, p.shape[1], p.shape[0] * (3 if packed else 1))

    def forward(
        self,
        src: Tensor[Any, DT, Any],
        tgt: Tensor[tuple[B, T, E], DT, TT],
        src_mask: Mask = None,
        tgt_mask: Mask = None,
        memory_mask: Mask = None,
        src_is_causal: bool = False,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
        *,
        src_key_padding_mask: Mask = None,
        tgt_key_padding_mask: Mask = None,
        memory_key_padding_mask: Mask = None,
    ) -> Tensor[tuple[B, T, E], DT, TT]:
        """The decoder's output for `tgt`, attending to the encoded `src`; the padding masks
        are PyTorch's, `(B, S)`, `(B, T)` and `(B, S)`, True where a position is padding."""
        memory = self.encoder(
            src, src_mask, src_is_causal, src_key_padding_mask=src_key_padding_mask
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask,
            memory_mask,
            tgt_is_causal,
            memory_is_causal,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
        )

    __call__ = forward
