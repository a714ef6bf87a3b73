"""Recurrent cells: one step of an RNN, an LSTM or a GRU (`RNNCell`, `LSTMCell`, `GRUCell`),
for the loops over time written by hand (a char-RNN, a decoder fed its own outputs).

Parameters are named, shaped and initialised as PyTorch's cells' (`weight_ih` `(G * H, In)`,
`weight_hh` `(G * H, H)`, `bias_ih`, `bias_hh`, gates stacked `i f g o` and `r z n`), so a
state dict of `torch.nn.LSTMCell` loads as it is. A step runs the kernel of a whole layer of
`nn/recurrent.py` (`ops/recurrent.py`) over a sequence of one step.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl.errors import input_dtype_error
from shapedl.nn.module import Module
from shapedl.nn.recurrent import check_options, layer_error, uniform_weights
from shapedl.nn.registry import register_layer
from shapedl.ops.creation import zeros
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.matmul import matmul
from shapedl.ops.movement import reshape, transpose
from shapedl.ops.recurrent import gru_steps, lstm_steps, rnn_steps
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, Size, f32

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["GRUCell", "LSTMCell", "RNNCell"]

# the widths of the input and of the hidden state
In = DefaultTypeVar("In", bound=Dim, default=Any, covariant=True)
H = DefaultTypeVar("H", bound=Dim, default=Any, covariant=True)
B = TypeVar("B", bound=Dim)
AnyTensor = Tensor[Any, Any, Any]
# what each cell's type records, in the order of its type parameters
SIZES = ("input_size", "hidden_size")


class _Cell(Module, Generic[In, H]):
    """What the cells share: parameters, checks, and a step through a layer's kernel."""

    gates: ClassVar[int]  # stacked in the rows of each weight
    state_names: ClassVar[tuple[str, ...]]  # of the states, in messages
    weight_ih: Tensor[tuple[Any, In], f32]  # `(gates * H, In)`
    weight_hh: Tensor[tuple[Any, H], f32]  # `(gates * H, H)`
    # NOTE: typed as present, as PyTorch's stub types them; None with `bias=False`
    bias_ih: Tensor[tuple[Any], f32]
    bias_hh: Tensor[tuple[Any], f32]
    input_size: int
    hidden_size: int
    bias: bool

    # NOTE: as the layers': with the plugin, the registration records the sizes from any int
    @overload
    def __init__(
        self,
        input_size: Size[In],
        hidden_size: Size[H],
        bias: bool = True,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, *, device: Device | None = None
    ) -> None: ...
    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, *, device: Device | None = None
    ) -> None:
        self._build(input_size, hidden_size, bias, device)

    def _build(self, input_size: int, hidden_size: int, bias: bool, device: Device | None) -> None:
        """Check the sizes and make the parameters (the constructor's body)."""
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"{type(self).__name__}: input_size={input_size} and hidden_size={hidden_size} "
                "must be >= 1"
            )
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        weights = uniform_weights(self.gates, input_size, hidden_size, bias, device)
        for field, weight in weights.items():
            setattr(self, field, weight)
        if not bias:
            self.bias_ih = self.bias_hh = None  # type: ignore[assignment]

    def _check(self, x: AnyTensor, states: tuple[AnyTensor | None, ...]) -> None:
        name, weight = type(self).__name__, self.weight_ih
        # NOTE: before the shape, under the cell's name, as the layers' check
        if x.data.dtype != weight.data.dtype:
            raise input_dtype_error(name, x.shape, x.data.dtype, weight.data.dtype, self.input_size)
        if x.ndim not in (1, 2):
            raise layer_error(
                self,
                [x.shape],
                f"needs a (B, {self.input_size}) or ({self.input_size},) input, not rank {x.ndim}",
            )
        if x.shape[-1] != self.input_size:
            raise layer_error(
                self,
                [x.shape, weight.shape],
                f"input width {x.shape[-1]} at axis -1 differs from input_size {self.input_size}",
            )
        want = (*x.shape[:-1], self.hidden_size)
        spelled = "(B, hidden_size)" if x.ndim == 2 else "(hidden_size,)"
        for state, s in zip(self.state_names, states, strict=True):
            if s is not None:
                same_dtype(name, weight, s, data=1, name=state)
            if s is not None and s.shape != want:
                axis = next(
                    (a for a in range(len(want)) if a >= s.ndim or s.shape[a] != want[a]), 0
                )
                raise layer_error(
                    self,
                    [x.shape, s.shape],
                    f"{state} must be {spelled} = {want}; axis {axis} differs",
                )

    def _step(self, x: AnyTensor, states: tuple[AnyTensor | None, ...]) -> tuple[AnyTensor, ...]:
        """The new states from the input `(B, In)` or `(In,)` and the states (None: zeros)."""
        self._check(x, states)
        lone, hidden = x.ndim == 1, self.hidden_size
        if lone:  # NOTE: one row of a batch, as PyTorch does it
            x = reshape(x, (1, self.input_size))
            states = tuple(None if s is None else reshape(s, (1, hidden)) for s in states)
        b = x.shape[0]
        start = tuple(zeros((b, hidden), x.dtype, x.device) if s is None else s for s in states)
        gx: Any = matmul(x, transpose(self.weight_ih, 0, 1))
        if self.bias_ih is not None:
            gx = gx + self.bias_ih
        # NOTE: a sequence of one step; the width spelled out, for an empty batch
        new = self._kernel(reshape(gx, (1, b, gx.shape[1])), self.bias_hh, start)
        return tuple(reshape(s, (hidden,)) if lone else s for s in new)

    def _kernel(
        self, gx: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, ...]:
        """The new states `(B, H)` from the input projections `gx` `(1, B, G * H)`."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias}"


@register_layer(params=SIZES, check=functools.partial(check_options, "RNNCell"))
class RNNCell(_Cell[In, H], init=False):
    """One step of an Elman RNN (PyTorch's `RNNCell`).

    `h = tanh(x W_ih.T + b_ih + h W_hh.T + b_hh)` (`relu` in place of `tanh` with
    `nonlinearity="relu"`).

    Args:
        input_size: the width `In` of the input.
        hidden_size: the width `H` of the hidden state.
        bias: whether to learn the biases `b_ih` and `b_hh`.
        nonlinearity: `"tanh"` or `"relu"`.
        device: where the parameters live (the default device when None).

    A call `cell(x, hx)` returns the next `h`; `hx` is zeros when not given.

    Raises:
        ValueError: when `nonlinearity` is neither `"tanh"` nor `"relu"`.
        ShapeError: (on call) when the input is not `(B, input_size)` or `(input_size,)`, or
            `hx` is not `(B, hidden_size)` (`(hidden_size,)` for an input of one row).

    Shape:
        `(B, In), (B, H) -> (B, H)`; `(In,), (H,) -> (H,)`

    Example:
        >>> import shapedl as sd
        >>> cell = sd.nn.RNNCell(4, 8, nonlinearity="relu")
        >>> h = sd.zeros((3, 8))
        >>> for x in sd.ones((5, 3, 4)):
        ...     h = cell(x, h)
        >>> h.shape
        (3, 8)
    """

    gates = 1
    state_names = ("hx",)
    nonlinearity: Literal["tanh", "relu"]

    @overload
    def __init__(
        self,
        input_size: Size[In],
        hidden_size: Size[H],
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        device: Device | None = None,
    ) -> None:
        check_options("RNNCell", nonlinearity)
        self.nonlinearity = "relu" if nonlinearity == "relu" else "tanh"
        self._build(input_size, hidden_size, bias, device)

    # NOTE: one overload per rank the runtime takes, not one `tuple[*Bs, In]`, which took a
    # whole `(B, T, In)` sequence, and a batch of inputs with the state of one row
    @overload
    def forward(
        self, x: Tensor[tuple[B, In], DT, TT], hx: Tensor[tuple[B, H], DT, Any] | None = None
    ) -> Tensor[tuple[B, H], DT, TT]: ...
    @overload
    def forward(
        self, x: Tensor[tuple[In], DT, TT], hx: Tensor[tuple[H], DT, Any] | None = None
    ) -> Tensor[tuple[H], DT, TT]: ...
    def forward(self, x: AnyTensor, hx: AnyTensor | None = None) -> AnyTensor:
        (h,) = self._step(x, (hx,))
        return h

    __call__ = forward

    def _kernel(
        self, gx: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, ...]:
        relu = self.nonlinearity == "relu"
        return (rnn_steps(gx, self.weight_hh, b_hh, state[0], relu=relu)[0],)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, nonlinearity={self.nonlinearity!r}"


@register_layer(params=SIZES)
class GRUCell(_Cell[In, H], init=False):
    """One step of a GRU (PyTorch's `GRUCell`).

    `r = sigmoid(x_r + h_r)`, `z = sigmoid(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
    `h = (1 - z) * n + z * h`, where `x_* = x W_i*.T + b_i*` and `h_* = h W_h*.T + b_h*`.

    Args:
        input_size: the width `In` of the input.
        hidden_size: the width `H` of the hidden state.
        bias: whether to learn the biases `b_ih` and `b_hh`.
        device: where the parameters live (the default device when None).

    A call `cell(x, hx)` returns the next `h`; `hx` is zeros when not given.

    Raises:
        ShapeError: (on call) when the input is not `(B, input_size)` or `(input_size,)`, or
            `hx` is not `(B, hidden_size)` (`(hidden_size,)` for an input of one row).

    Shape:
        `(B, In), (B, H) -> (B, H)`; `(In,), (H,) -> (H,)`

    Example:
        >>> import shapedl as sd
        >>> cell = sd.nn.GRUCell(4, 8)
        >>> cell(sd.ones((3, 4))).shape, cell(sd.ones((4,)), sd.zeros((8,))).shape
        ((3, 8), (8,))
    """

    gates = 3
    state_names = ("hx",)

    # NOTE: one overload per rank, as RNNCell's
    @overload
    def forward(
        self, x: Tensor[tuple[B, In], DT, TT], hx: Tensor[tuple[B, H], DT, Any] | None = None
    ) -> Tensor[tuple[B, H], DT, TT]: ...
    @overload
    def forward(
        self, x: Tensor[tuple[In], DT, TT], hx: Tensor[tuple[H], DT, Any] | None = None
    ) -> Tensor[tuple[H], DT, TT]: ...
    def forward(self, x: AnyTensor, hx: AnyTensor | None = None) -> AnyTensor:
        (h,) = self._step(x, (hx,))
        return h

    __call__ = forward

    def _kernel(
        self, gx: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, ...]:
        return (gru_steps(gx, self.weight_hh, b_hh, state[0])[0],)


@register_layer(params=SIZES)
class LSTMCell(_Cell[In, H], init=False):
    """One step of an LSTM (PyTorch's `LSTMCell`).

    `i, f, g, o = split(x W_ih.T + b_ih + h W_hh.T + b_hh, 4)`,
    `c = sigmoid(f) * c + sigmoid(i) * tanh(g)`, `h = sigmoid(o) * tanh(c)`.

    Args:
        input_size: the width `In` of the input.
        hidden_size: the width `H` of the hidden state and of the cell state.
        bias: whether to learn the biases `b_ih` and `b_hh`.
        device: where the parameters live (the default device when None).

    A call `cell(x, (h, c))` returns the next `(h, c)`; both are zeros when `hx` is not given.

    Raises:
        ShapeError: (on call) when the input is not `(B, input_size)` or `(input_size,)`, or
            `h` or `c` is not `(B, hidden_size)` (`(hidden_size,)` for an input of one row).

    Shape:
        `(B, In), ((B, H), (B, H)) -> ((B, H), (B, H))`; `(In,), ((H,), (H,)) -> ((H,), (H,))`

    Example:
        >>> import shapedl as sd
        >>> cell = sd.nn.LSTMCell(4, 8)
        >>> h, c = cell(sd.ones((3, 4)))
        >>> h, c = cell(sd.ones((3, 4)), (h, c))
        >>> h.shape, c.shape
        ((3, 8), (3, 8))
    """

    gates = 4
    state_names = ("h", "c")

    # NOTE: one overload per rank, as RNNCell's
    @overload
    def forward(
        self,
        x: Tensor[tuple[B, In], DT, TT],
        hx: tuple[Tensor[tuple[B, H], DT, Any], Tensor[tuple[B, H], DT, Any]] | None = None,
    ) -> tuple[Tensor[tuple[B, H], DT, TT], Tensor[tuple[B, H], DT, TT]]: ...
    @overload
    def forward(
        self,
        x: Tensor[tuple[In], DT, TT],
        hx: tuple[Tensor[tuple[H], DT, Any], Tensor[tuple[H], DT, Any]] | None = None,
    ) -> tuple[Tensor[tuple[H], DT, TT], Tensor[tuple[H], DT, TT]]: ...
    def forward(
        self, x: AnyTensor, hx: tuple[AnyTensor, AnyTensor] | None = None
    ) -> tuple[AnyTensor, AnyTensor]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            got = f"{len(hx)} tensors" if isinstance(hx, tuple | list) else "a tensor"
            raise TypeError(f"LSTMCell: the state must be (h, c), got {got}")
        h, c = self._step(x, (None, None) if hx is None else tuple(hx))
        return h, c

    __call__ = forward

    def _kernel(
        self, gx: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, ...]:
        hc, h = lstm_steps(gx, self.weight_hh, b_hh, *state)[0], self.hidden_size
        return hc[:, :h], hc[:, h:]
