"""Recurrent layers: `RNN`, `LSTM` and `GRU`, batch first, stacked `num_layers` deep, one way or
both ways (`bidirectional=True`: each layer also reads the sequence backwards, with weights of
its own named `..._reverse`, and its output is both directions' side by side).

Parameters are named and laid out as PyTorch's (`weight_ih_l0` is `(G * H, In)` with the
gates stacked in PyTorch's order: `i f g o` for the LSTM, `r z n` for the GRU; the RNN has
one), so a state dict copied from `torch.nn.LSTM(..., batch_first=True)` loads as it is and
gives the same outputs; they are attributes by those names (`init.orthogonal_(lstm.weight_hh_l0)`,
for a type checker too). They are initialised as PyTorch does, every one from
`U(-1/sqrt(H), 1/sqrt(H))`.

The input projection of a whole sequence is one matrix product on the tape; the steps of a
layer then run as one op with its own backward (`ops/recurrent.py`).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

from typing_extensions import TypeVar as DefaultTypeVar

from shapedl import dims
from shapedl.errors import ShapeError, input_dtype_error, shape_error
from shapedl.nn import init
from shapedl.nn.module import Module
from shapedl.nn.registry import register_layer
from shapedl.ops.creation import zeros
from shapedl.ops.dropout import dropout
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.join import concat, stack
from shapedl.ops.matmul import matmul
from shapedl.ops.movement import reshape, transpose
from shapedl.ops.rearrange import flip
from shapedl.ops.recurrent import gru_steps, lstm_steps, rnn_steps
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, Dim, Size, f32

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["GRU", "LSTM", "RNN"]

# the widths of the input and of the hidden state, and the number of stacked layers; then the
# output's width and the states' rows, which a bidirectional layer doubles (`2 * H`, `2 * L`)
In = DefaultTypeVar("In", bound=Dim, default=Any, covariant=True)
H = DefaultTypeVar("H", bound=Dim, default=Any, covariant=True)
L = DefaultTypeVar("L", bound=Dim, default=Any, covariant=True)
W = DefaultTypeVar("W", bound=Dim, default=H, covariant=True)
R = DefaultTypeVar("R", bound=Dim, default=L, covariant=True)
B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
AnyTensor = Tensor[Any, Any, Any]
# what each layer's type records, in the order of its type parameters
SIZES = ("input_size", "hidden_size", "num_layers", "output_size", "state_rows")


def _sizes(
    input_size: Any, hidden_size: Any, num_layers: Any = 1, bidirectional: Any = False, **_: Any
) -> dict[str, object]:
    """The type's sizes from the constructor's arguments (`DYN` where one is not static)."""
    ways = (2 if bidirectional else 1) if isinstance(bidirectional, bool) else dims.DYN
    return {
        "input_size": input_size,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "output_size": dims.DYN if ways is dims.DYN else dims.mul(ways, hidden_size),
        "state_rows": dims.DYN if ways is dims.DYN else dims.mul(ways, num_layers),
    }


def check_options(
    layer: str,
    nonlinearity: object = "tanh",
    batch_first: object = True,
    proj_size: object = 0,
    **_: object,
) -> None:
    """The `ValueError` for an option the recurrent layers and cells do not take (`layer`
    names the class). The constructors run it, and the mypy plugin runs it on their literal
    arguments (the registration's `check`): the options are typed `str` and `bool`, as
    PyTorch types them, so that one read from a config type-checks; a value known only at run
    time (`DYN` to the plugin) is checked when the layer is made."""
    if nonlinearity is not dims.DYN and nonlinearity not in ("tanh", "relu"):
        raise ValueError(
            f"{layer}: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'"
        )
    if batch_first is not dims.DYN and batch_first is not True:
        raise ValueError(f"{layer}: only batch_first=True, (B, T, input_size) inputs")
    if proj_size is not dims.DYN and proj_size != 0:
        raise ValueError(
            f"{layer}: proj_size={proj_size!r} is not supported (PyTorch's LSTM with "
            "projections); only proj_size=0"
        )


def layer_error(layer: Module, shapes: list[Any], message: str) -> ShapeError:
    """A recurrent layer's or cell's `ShapeError` about its input or state, under its name."""
    return shape_error(type(layer).__name__, shapes, message)


def uniform_weights(
    gates: int, input_size: int, hidden_size: int, bias: bool, device: Device | None
) -> dict[str, AnyTensor]:
    """One layer's weights in one direction, by PyTorch's names in PyTorch's order (its state
    dict loads as it is): `weight_ih` `(gates * H, In)`, `weight_hh` `(gates * H, H)`, and
    with `bias` `bias_ih` and `bias_hh` `(gates * H,)`, each from `U(-1/sqrt(H), 1/sqrt(H))`."""
    rows, bound = gates * hidden_size, 1 / math.sqrt(hidden_size)
    shapes: dict[str, tuple[int, ...]] = {
        "weight_ih": (rows, input_size),
        "weight_hh": (rows, hidden_size),
    }
    if bias:
        shapes |= {"bias_ih": (rows,), "bias_hh": (rows,)}
    return {
        field: init.uniform(zeros(shape, device=device), -bound, bound)
        for field, shape in shapes.items()
    }


class _Recurrent(Module, Generic[In, H, L, W, R]):
    """What RNN, LSTM and GRU share: parameters, checks, and the loop over layers and steps."""

    gates: ClassVar[int]  # stacked in the rows of each weight
    state_names: ClassVar[tuple[str, ...]]  # of the initial states, in messages
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    dropout: float
    bidirectional: bool

    # NOTE: with the mypy plugin, the registration records the sizes from any int; without it,
    # `Size`-typed sizes bind the type parameters and plain ints give `Any`
    @overload
    def __init__(
        self,
        input_size: Size[In],
        hidden_size: Size[H],
        num_layers: Size[L] = ...,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: Literal[False] = False,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        device: Device | None = None,
    ) -> None:
        self._build(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device
        )

    def _build(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int,
        bias: bool,
        batch_first: bool,
        dropout: float,
        bidirectional: bool,
        device: Device | None,
    ) -> None:
        """Check the hyperparameters and make the parameters (the constructor's body)."""
        name = type(self).__name__
        check_options(name, batch_first=batch_first)
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ValueError(
                f"{name}: input_size={input_size}, hidden_size={hidden_size} and "
                f"num_layers={num_layers} must be >= 1"
            )
        if not 0 <= dropout <= 1:  # NOTE: 1, as torch: the layers above see zeros in training
            raise ValueError(f"{name}: dropout={dropout} must be in [0, 1]")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        if not isinstance(bidirectional, bool):
            raise TypeError(f"{name}: bidirectional must be True or False, got {bidirectional!r}")
        self.bias, self.dropout, self.bidirectional = bias, dropout, bidirectional
        for k in range(num_layers):
            width = input_size if k == 0 else hidden_size * self.ways
            for suffix in self.suffixes:
                weights = uniform_weights(self.gates, width, hidden_size, bias, device)
                for field, weight in weights.items():
                    setattr(self, f"{field}_l{k}{suffix}", weight)

    if TYPE_CHECKING:
        # NOTE: PyTorch's names of the parameters (`weight_hh_l0`, `bias_ih_l1_reverse`), as
        # many as the layers and directions, are set by `_build`; this tells a type checker
        # so (`init.orthogonal_(lstm.weight_hh_l0)`), and is no method at run time: any other
        # name is still Python's own AttributeError
        def __getattr__(self, name: str) -> Tensor[Any, f32]: ...

    @property
    def ways(self) -> int:
        """How many directions each layer reads the sequence in: 2 when bidirectional."""
        return 2 if self.bidirectional else 1

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The weights' name suffix of each direction (PyTorch's)."""
        return ("", "_reverse")[: self.ways]

    def weights(
        self, layer: int, suffix: str = ""
    ) -> tuple[AnyTensor, AnyTensor, AnyTensor | None, AnyTensor | None]:
        """`(weight_ih, weight_hh, bias_ih, bias_hh)` of layer `layer` in the direction of
        `suffix` (biases None without)."""
        fields: dict[str, Any] = vars(self)
        name = f"l{layer}{suffix}"
        w_ih, w_hh = fields[f"weight_ih_{name}"], fields[f"weight_hh_{name}"]
        return w_ih, w_hh, fields.get(f"bias_ih_{name}"), fields.get(f"bias_hh_{name}")

    def _check(self, x: AnyTensor, states: tuple[AnyTensor | None, ...]) -> None:
        weight = self.weights(0)[0]
        # NOTE: before the shape (token ids are rarely (B, T, input_size)), and under the
        # layer's name: the first op to mix the dtypes would be an internal matmul
        if x.data.dtype != weight.data.dtype:
            raise input_dtype_error(
                type(self).__name__, x.shape, x.data.dtype, weight.data.dtype, self.input_size
            )
        if x.ndim != 3:
            raise layer_error(
                self,
                [x.shape],
                f"needs a batch-first (B, T, {self.input_size}) input, not rank {x.ndim}",
            )
        if x.shape[2] != self.input_size:
            raise layer_error(
                self,
                [x.shape, weight.shape],
                f"input width {x.shape[2]} at axis -1 differs from input_size {self.input_size}",
            )
        if x.shape[1] == 0:
            raise layer_error(self, [x.shape], "the sequence at axis 1 is empty")
        if not isinstance(states, tuple | list) or len(states) != len(self.state_names):
            got = f"{len(states)} tensors" if isinstance(states, tuple | list) else "a tensor"
            raise TypeError(
                f"{type(self).__name__}: the initial state must be "
                f"({', '.join(self.state_names)}), got {got}"
            )
        want = (self.ways * self.num_layers, x.shape[0], self.hidden_size)
        rows = "2 * num_layers" if self.bidirectional else "num_layers"
        for name, s in zip(self.state_names, states, strict=True):
            if s is not None:  # NOTE: no silent promotion (a float64 h0 gave float32 states)
                same_dtype(type(self).__name__, weight, s, data=1, name=name)
            if s is not None and s.shape != want:
                axis = next((a for a in range(3) if a >= s.ndim or s.shape[a] != want[a]), 0)
                raise layer_error(
                    self,
                    [x.shape, s.shape],
                    f"{name} must be ({rows}, B, hidden_size) = {want}; axis {axis} differs",
                )

    def _run(self, x: AnyTensor, states: tuple[AnyTensor | None, ...]) -> tuple[Any, list[Any]]:
        """The last layer's outputs `(B, T, D * H)` and the final states, each
        `(D * num_layers, B, H)` (`D` directions; PyTorch's order: layer by layer, each
        forwards then backwards)."""
        self._check(x, states)
        b, t = x.shape[0], x.shape[1]
        finals: list[list[AnyTensor]] = [[] for _ in states]
        out = x
        for k in range(self.num_layers):
            if k > 0 and self.dropout:
                out = dropout(out, self.dropout)
            outs = []
            for d, suffix in enumerate(self.suffixes):
                start = tuple(
                    zeros((b, self.hidden_size), x.dtype, x.device)
                    if s is None
                    else s[k * self.ways + d]
                    for s in states
                )
                # NOTE: the backward direction reads the sequence reversed, and its output
                # at step i is put back at position i
                seq = flip(out, axis=1) if d else out
                y, last = self._layer(k, suffix, seq, start, b, t)
                outs.append(flip(y, axis=1) if d else y)
                for kept, s in zip(finals, last, strict=True):
                    kept.append(s)
            out = concat(outs, axis=2) if len(outs) > 1 else outs[0]
        return out, [stack(f, axis=0) for f in finals]

    def _layer(
        self, k: int, suffix: str, x: AnyTensor, state: tuple[AnyTensor, ...], b: int, t: int
    ) -> tuple[AnyTensor, tuple[AnyTensor, ...]]:
        w_ih, w_hh, b_ih, b_hh = self.weights(k, suffix)
        # NOTE: every step's input projection in one product, steps along axis 0; the steps
        # themselves are one op (`ops/recurrent.py`)
        rows: Any = reshape(transpose(x, 0, 1), (t * b, x.shape[2]))
        gx: Any = matmul(rows, transpose(w_ih, 0, 1))
        if b_ih is not None:
            gx = gx + b_ih
        # NOTE: the width spelled out: a -1 next to an empty batch cannot be inferred
        return self._steps(reshape(gx, (t, b, gx.shape[1])), w_hh, b_hh, state)

    def _steps(
        self, gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, tuple[AnyTensor, ...]]:
        """The outputs `(B, T, H)` and final states of one layer from its projections `gx`."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
            f"bias={self.bias}, batch_first=True, dropout={self.dropout}"
            + (", bidirectional=True" if self.bidirectional else "")
        )


@register_layer(params=SIZES, record=_sizes, check=functools.partial(check_options, "LSTM"))
class LSTM(_Recurrent[In, H, L, W, R], init=False):
    """A long short-term memory network, batch first (PyTorch's `LSTM(batch_first=True)`).

    Each step: `i, f, g, o = split(x W_ih.T + b_ih + h W_hh.T + b_hh, 4)`,
    `c = sigmoid(f) * c + sigmoid(i) * tanh(g)`, `h = sigmoid(o) * tanh(c)`.

    Args:
        input_size: the width `In` of the input's last axis.
        hidden_size: the width `H` of the hidden state and of the output.
        num_layers: how many LSTMs are stacked, each on the outputs of the one before.
        bias: whether to learn the biases `b_ih` and `b_hh`.
        batch_first: must be True: inputs are `(B, T, In)`.
        dropout: dropout on the outputs of every layer but the last, in training (a traced
            input).
        bidirectional: each layer also reads the sequence backwards (PyTorch's option): the
            output is `2 * H` wide (forwards, then backwards), the states `2 * L` deep.
        proj_size: must be 0: PyTorch's LSTM with projections is not supported.
        device: where the parameters live (the default device when None).

    A call returns `(output, (h_n, c_n))`: the last layer's `h` at every step, and the final
    `h` and `c` of every layer.

    Raises:
        ValueError: when `proj_size` is not 0.
        ShapeError: (on call) when the input is not `(B, T, input_size)`, or a given initial
            state is not `(num_layers, B, hidden_size)` (`2 * num_layers` when bidirectional).

    Shape:
        `(B, T, In) -> (B, T, H), ((L, B, H), (L, B, H))`; bidirectional:
        `(B, T, In) -> (B, T, 2 * H), ((2 * L, B, H), (2 * L, B, H))`

    Example:
        >>> import shapedl as sd
        >>> lstm = sd.nn.LSTM(4, 8, num_layers=2)
        >>> out, (h, c) = lstm(sd.ones((3, 5, 4)))
        >>> out.shape, h.shape, c.shape
        ((3, 5, 8), (2, 3, 8), (2, 3, 8))
    """

    gates = 4
    state_names = ("h0", "c0")

    # NOTE: the layers' signature with PyTorch's `proj_size` after `bidirectional`
    @overload
    def __init__(
        self,
        input_size: Size[In],
        hidden_size: Size[H],
        num_layers: Size[L] = ...,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: Literal[False] = False,
        proj_size: int = 0,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        *,
        device: Device | None = None,
    ) -> None:
        check_options("LSTM", proj_size=proj_size)
        self._build(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device
        )

    def forward(
        self,
        x: Tensor[tuple[B, T, In], DT, TT],
        # NOTE: an initial state may be traced or not whatever the input is; the result's tape
        # is the input's in the type
        hx: tuple[Tensor[tuple[R, B, H], DT, Any], Tensor[tuple[R, B, H], DT, Any]] | None = None,
    ) -> tuple[
        Tensor[tuple[B, T, W], DT, TT],
        tuple[Tensor[tuple[R, B, H], DT, TT], Tensor[tuple[R, B, H], DT, TT]],
    ]:
        out, (h, c) = self._run(x, (None, None) if hx is None else hx)
        return out, (h, c)

    __call__ = forward

    def _steps(
        self, gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, tuple[AnyTensor, ...]]:
        hc, h = lstm_steps(gx, w_hh, b_hh, *state), self.hidden_size
        return transpose(hc[:, :, :h], 0, 1), (hc[-1, :, :h], hc[-1, :, h:])


@register_layer(params=SIZES, record=_sizes, check=functools.partial(check_options, "GRU"))
class GRU(_Recurrent[In, H, L, W, R], init=False):
    """A gated recurrent unit network, batch first (PyTorch's `GRU(batch_first=True)`).

    Each step: `r = sigmoid(x_r + h_r)`, `z = sigmoid(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
    `h = (1 - z) * n + z * h`, where `x_* = x W_i*.T + b_i*` and `h_* = h W_h*.T + b_h*`.

    Args:
        input_size: the width `In` of the input's last axis.
        hidden_size: the width `H` of the hidden state and of the output.
        num_layers: how many GRUs are stacked, each on the outputs of the one before.
        bias: whether to learn the biases `b_ih` and `b_hh`.
        batch_first: must be True: inputs are `(B, T, In)`.
        dropout: dropout on the outputs of every layer but the last, in training (a traced
            input).
        bidirectional: each layer also reads the sequence backwards, as in `LSTM`.
        device: where the parameters live (the default device when None).

    A call returns `(output, h_n)`: the last layer's `h` at every step, and every layer's
    final `h`.

    Raises:
        ShapeError: (on call) when the input is not `(B, T, input_size)`, or a given initial
            state is not `(num_layers, B, hidden_size)` (`2 * num_layers` when bidirectional).

    Shape:
        `(B, T, In) -> (B, T, H), (L, B, H)`; bidirectional: `(B, T, 2 * H), (2 * L, B, H)`

    Example:
        >>> import shapedl as sd
        >>> out, h = sd.nn.GRU(4, 8)(sd.ones((3, 5, 4)))
        >>> out.shape, h.shape
        ((3, 5, 8), (1, 3, 8))
        >>> out, h = sd.nn.GRU(4, 8, bidirectional=True)(sd.ones((3, 5, 4)))
        >>> out.shape, h.shape
        ((3, 5, 16), (2, 3, 8))
    """

    gates = 3
    state_names = ("h0",)

    def forward(
        self, x: Tensor[tuple[B, T, In], DT, TT], hx: Tensor[tuple[R, B, H], DT, Any] | None = None
    ) -> tuple[Tensor[tuple[B, T, W], DT, TT], Tensor[tuple[R, B, H], DT, TT]]:
        out, (h,) = self._run(x, (hx,))
        return out, h

    __call__ = forward

    def _steps(
        self, gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, tuple[AnyTensor, ...]]:
        hs = gru_steps(gx, w_hh, b_hh, *state)
        return transpose(hs, 0, 1), (hs[-1],)


@register_layer(params=SIZES, record=_sizes, check=functools.partial(check_options, "RNN"))
class RNN(_Recurrent[In, H, L, W, R], init=False):
    """An Elman recurrent network, batch first (PyTorch's `RNN(batch_first=True)`).

    Each step: `h = tanh(x W_ih.T + b_ih + h W_hh.T + b_hh)` (`relu` in place of `tanh` with
    `nonlinearity="relu"`).

    Args:
        input_size: the width `In` of the input's last axis.
        hidden_size: the width `H` of the hidden state and of the output.
        num_layers: how many RNNs are stacked, each on the outputs of the one before.
        nonlinearity: `"tanh"` or `"relu"`.
        bias: whether to learn the biases `b_ih` and `b_hh`.
        batch_first: must be True: inputs are `(B, T, In)`.
        dropout: dropout on the outputs of every layer but the last, in training (a traced
            input).
        bidirectional: each layer also reads the sequence backwards, as in `LSTM`.
        device: where the parameters live (the default device when None).

    A call returns `(output, h_n)`: the last layer's `h` at every step, and every layer's
    final `h`.

    Raises:
        ValueError: when `nonlinearity` is neither `"tanh"` nor `"relu"`.
        ShapeError: (on call) when the input is not `(B, T, input_size)`, or a given initial
            state is not `(num_layers, B, hidden_size)` (`2 * num_layers` when bidirectional).

    Shape:
        `(B, T, In) -> (B, T, H), (L, B, H)`; bidirectional: `(B, T, 2 * H), (2 * L, B, H)`

    Example:
        >>> import shapedl as sd
        >>> rnn = sd.nn.RNN(4, 8, num_layers=2, nonlinearity="relu")
        >>> out, h = rnn(sd.ones((3, 5, 4)), sd.zeros((2, 3, 8)))
        >>> out.shape, h.shape
        ((3, 5, 8), (2, 3, 8))
        >>> rnn
        RNN(4, 8, num_layers=2, nonlinearity='relu', bias=True, batch_first=True, dropout=0.0)
    """

    gates = 1
    state_names = ("h0",)
    nonlinearity: Literal["tanh", "relu"]

    @overload
    def __init__(
        self,
        input_size: Size[In],
        hidden_size: Size[H],
        num_layers: Size[L] = ...,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: Literal[False] = False,
        *,
        device: Device | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        device: Device | None = None,
    ) -> None: ...
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        device: Device | None = None,
    ) -> None:
        check_options("RNN", nonlinearity)
        self.nonlinearity = "relu" if nonlinearity == "relu" else "tanh"
        self._build(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device
        )

    def forward(
        self, x: Tensor[tuple[B, T, In], DT, TT], hx: Tensor[tuple[R, B, H], DT, Any] | None = None
    ) -> tuple[Tensor[tuple[B, T, W], DT, TT], Tensor[tuple[R, B, H], DT, TT]]:
        out, (h,) = self._run(x, (hx,))
        return out, h

    __call__ = forward

    def _steps(
        self, gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, state: tuple[AnyTensor, ...]
    ) -> tuple[AnyTensor, tuple[AnyTensor, ...]]:
        hs = rnn_steps(gx, w_hh, b_hh, state[0], relu=self.nonlinearity == "relu")
        return transpose(hs, 0, 1), (hs[-1],)

    def extra_repr(self) -> str:
        head, _, rest = super().extra_repr().partition(", bias=")
        return f"{head}, nonlinearity={self.nonlinearity!r}, bias={rest}"
