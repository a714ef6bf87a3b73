"""`Embedding`: a learned `(num_embeddings, embedding_dim)` table looked up by integer index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, TypeVarTuple, cast, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.dims import Dim as DimValue
from shapedl.dims import Shape
from shapedl.nn.module import Module
from shapedl.nn.registry import register_layer
from shapedl.ops.creation import randn
from shapedl.ops.embedding import embedding, embedding_rule, padding_row
from shapedl.tensor import Tensor
from shapedl.types import TT, Dim, Size, f32, i32, i64

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["Embedding"]

V = DefaultTypeVar("V", bound=Dim, default=Any, covariant=True)
D = DefaultTypeVar("D", bound=Dim, default=Any, covariant=True)
V2 = TypeVar("V2", bound=Dim)
D2 = TypeVar("D2", bound=Dim)
Is = TypeVarTuple("Is")
# NOTE: an index is integers; a float index (`sd.tensor([[1.0, 2.0]])`) is a static error too
IX = TypeVar("IX", bound=i32 | i64)


def _embedding_shape(index: Shape, num_embeddings: DimValue, embedding_dim: DimValue) -> Shape:
    return embedding_rule("embedding", index, (num_embeddings, embedding_dim))


@register_layer(
    params=("num_embeddings", "embedding_dim"),
    shape=_embedding_shape,
    inputs=("index",),
    gives=("embedding_dim", -1),
)
class Embedding(Module, Generic[V, D]):
    """Rows of a learned table, picked by an integer index tensor (initialised `N(0, 1)`).

    Args:
        num_embeddings: the number of rows `V` (the vocabulary).
        embedding_dim: the width `D` of each row.
        padding_idx: a row that starts at zeros and gets no gradient, as in PyTorch (the
            index of a padding token; negative counts from the end).
        device: where the table lives (the default device when None).

    Raises:
        ValueError: when `padding_idx` is not in `[-V, V)`.

    Shape:
        `(*I) -> (*I, D)`; trace the index to train the table (`emb(idx.traced())`).

    Example:
        >>> import shapedl as sd
        >>> emb = sd.nn.Embedding(10, 4)
        >>> emb(sd.tensor([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    weight: Tensor[tuple[V, D], f32]
    num_embeddings: int
    embedding_dim: int
    padding_idx: int | None

    @overload
    def __init__(
        self,
        num_embeddings: Size[V],
        embedding_dim: Size[D],
        *,
        padding_idx: int | None = None,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: Embedding[Any, Any],
        num_embeddings: int,
        embedding_dim: int,
        *,
        padding_idx: int | None = None,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        *,
        padding_idx: int | None = None,
        device: Device | None = None,
    ) -> None:
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_row("Embedding", padding_idx, num_embeddings)
        table: Any = randn((num_embeddings, embedding_dim), device=device)
        if self.padding_idx is not None:
            table.data[self.padding_idx] = 0
        self.weight = table

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor[tuple[V2, D2], Any, Any],
        freeze: bool = True,
        padding_idx: int | None = None,
    ) -> Embedding[V2, D2]:
        """An embedding whose table is `embeddings` (not copied), as PyTorch's `from_pretrained`.

        Args:
            embeddings: the `(V, D)` table.
            freeze: keep the table out of training: it is then state that is saved and
                loaded under the name `weight` but not a parameter (PyTorch's
                `requires_grad=False`), so an optimizer leaves it as it is.
            padding_idx: a row that gets no gradient; as in PyTorch, its pretrained values are
                kept, not zeroed.

        Raises:
            ValueError: when `embeddings` is not 2-d, or `padding_idx` is not in `[-V, V)`.

        Example:
            >>> import shapedl as sd
            >>> emb = sd.nn.Embedding.from_pretrained(sd.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> emb(sd.tensor([1, 0])).tolist(), list(emb.parameters())
            ([[3.0, 4.0], [1.0, 2.0]], [])
        """
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-d (V, D), got {embeddings.shape}"
            )
        layer: Any = cls.__new__(cls)  # NOTE: the table given, so no random one is drawn
        layer.num_embeddings, layer.embedding_dim = embeddings.shape
        layer.padding_idx = padding_row("Embedding", padding_idx, layer.num_embeddings)
        layer.weight = embeddings.detach()
        if freeze:
            # NOTE: this layer's own buffers: the class's `buffer_fields` is read per instance
            setattr(layer, "buffer_fields", ("weight",))  # noqa: B010
        return cast("Embedding[V2, D2]", layer)

    @overload
    def forward(self, index: Tensor[tuple[*Is], i64, TT]) -> Tensor[tuple[*Is, D], f32, TT]: ...
    @overload
    def forward(self, index: Tensor[tuple[*Is], i32, TT]) -> Tensor[tuple[*Is, D], f32, TT]: ...
    def forward(self, index: Tensor[tuple[*Is], Any, TT]) -> Tensor[tuple[*Is, D], f32, TT]:
        return embedding(index, self.weight, self.padding_idx)

    __call__ = forward
