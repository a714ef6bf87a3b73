"""`Dropout` and `Dropout2d`: random masking while training (a traced input), the identity
otherwise."""

from __future__ import annotations

from shapedl.dims import Shape
from shapedl.nn.module import Module
from shapedl.nn.registry import ALL, register_layer
from shapedl.ops.dropout import dropout, dropout2d, dropout2d_rule
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, S

__all__ = ["Dropout", "Dropout2d"]


@register_layer(keeps=ALL)
class Dropout(Module):
    """Zero elements with probability `p` and scale the rest by `1 / (1 - p)`.

    Only a traced input is masked (training); an untraced one passes unchanged (inference).
    The mask comes from the input's device's seeded generator.

    Raises:
        ValueError: when `p` is outside `[0, 1]`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.ones((2, 3))
        >>> sd.nn.Dropout(0.5)(x) is x
        True
    """

    p: float = 0.5
    inplace: bool = False  # NOTE: PyTorch's, so `Dropout(0.1, inplace=True)` ports as it is

    def __post_init__(self) -> None:
        if not 0 <= self.p <= 1:
            raise ValueError(f"Dropout: probability p={self.p} must be in [0, 1]")

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return dropout(x, self.p)

    __call__ = forward


def _dropout2d_shape(x: Shape) -> Shape:
    return dropout2d_rule("Dropout2d", x)


@register_layer(keeps=ALL, shape=_dropout2d_shape)
class Dropout2d(Module):
    """Zero whole feature maps (each `(n, c)` of `(N, C, H, W)`) with probability `p` and
    scale the rest by `1 / (1 - p)` (PyTorch's `Dropout2d`; `ops.dropout2d`).

    Only a traced input is masked (training); an untraced one passes unchanged (inference).

    Raises:
        ValueError: when `p` is outside `[0, 1]`.
        ShapeError: (on call) when the input is not `(N, C, H, W)`.

    Shape:
        `(N, C, H, W) -> (N, C, H, W)`

    Example:
        >>> import shapedl as sd
        >>> x = sd.ones((2, 3, 4, 4))
        >>> sd.nn.Dropout2d(0.2)(x) is x
        True
    """

    p: float = 0.5
    inplace: bool = False  # NOTE: PyTorch's, as `Dropout`'s: the same result, out of place

    def __post_init__(self) -> None:
        if not 0 <= self.p <= 1:
            raise ValueError(f"Dropout2d: probability p={self.p} must be in [0, 1]")

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        return dropout2d(x, self.p)

    __call__ = forward
