"""`Tensor[S, DT, T]`: an array, its device, and (when traced) its link to the tape.

This module is the base the ops build on, and imports none of them: `shapedl.ops` imports it,
and each op's `register(..., methods=...)` binds that op as the `Tensor` methods it names
(`x.sum()` is `ops.reduce.sum(x)`). What the class writes here is what is not an op (the
tape, `realize`, `to`; conversions are in `TensorBase`) and, under `TYPE_CHECKING`, the
methods' types: the plain-typing promise (DESIGN §1, layer 1), precise where `typing` can say
it (equal shapes, 2-d matmul, scalars), `Any` where only the plugin can (reshape, reductions
over an axis, broadcasting). A signature several methods share is written once (`_same_as`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from shapedl.backend import Array, NumpyScalar
from shapedl.dims import DYN
from shapedl.errors import DTypeError, ShapeError, not_matrix_t, show_shape
from shapedl.tape import Gradients, Node, TapeRef, Vjp, backward
from shapedl.tensor_base import TensorBase, check_devices
from shapedl.types import DT, TT, Dim, DType, NoTape, S, Tape, Traced, bool_, i64
from shapedl.types import T as TapeT

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["Tensor", "check_devices", "record"]

S2 = TypeVar("S2", bound=tuple[Any, ...])
DT2 = TypeVar("DT2", bound=DType)
N = TypeVar("N", bound=Dim)
K = TypeVar("K", bound=Dim)
M = TypeVar("M", bound=Dim)
F = TypeVar("F", bound=Callable[..., Any])
Axis = int | Sequence[int] | None
Scalar = int | float | NumpyScalar

if TYPE_CHECKING:

    class _same_as(Generic[F]):  # noqa: N801
        """A method typed exactly as `template` (another method of the class) under its own
        name: how a signature that several ops' methods share is written once.

        NOTE: a class, not a function, and mypy reports errors under the decorated method's
        name, which a plain alias (`exp = __neg__`) would not give. Only for templates typed by
        the class's own variables (S, DT): a template's own (the tape `TT`) are lost when mypy
        reads the method back from its cache, so those are aliases or written out.
        """

        def __init__(self, template: F) -> None: ...
        def __call__(self, method: Callable[..., Any]) -> F: ...


class Tensor(TensorBase[S, DT, TapeT]):
    """A tensor whose type carries its shape `S`, dtype `DT` and tape marker `T`.

    Example:
        >>> import shapedl as sd
        >>> x = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> (x @ x).tolist()
        [[7.0, 10.0], [15.0, 22.0]]
    """

    __slots__ = ()
    __array_priority__ = 1000  # NOTE: so `ndarray + Tensor` defers to Tensor.__radd__

    # ---- conversion -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    def __iter__(self) -> Iterator[Tensor[Any, DT, TapeT]]:
        """The sub-tensors along the first axis (ends by length, not by an IndexError)."""
        return (self[i] for i in range(len(self)))

    # NOTE: hashable by identity, as in PyTorch, while `==` is elementwise: a dict or set
    # compares keys by `is` before `==`, and distinct live objects never share this hash, so
    # `==` is never asked there. `Gradients` is keyed by `t.id`, never by the tensor.
    __hash__ = object.__hash__

    def to(self, device: Device) -> Tensor[S, DT, TapeT]:
        """The same values on `device` (untraced tensors only keep their identity)."""
        data = device.backend.asarray(self.device.backend.to_numpy(self.data))
        return Tensor(data, device, self.tape, None, self.id if self.tape is None else None)

    @overload
    def realize(self, shape: S2) -> Tensor[S2, DT, TapeT]: ...
    @overload
    def realize(self, shape: S2, dtype: type[DT2]) -> Tensor[S2, DT2, TapeT]: ...
    def realize(self, shape: S2, dtype: type[DType] | None = None) -> Tensor[S2, Any, TapeT]:
        """This tensor with statically known sizes (and dtype), checked now (dfdx's `realize`).

        Works from any static type, the unknown shape of `from_numpy` or `tensor` included:
        the result has exactly the sizes given, `Dyn` for `sd.DYN`, `-1` or a non-literal int.

        Raises:
            ShapeError: when the run-time shape differs from `shape`.
            DTypeError: when `dtype` is given and the tensor's dtype differs.

        Example:
            >>> import numpy as np, shapedl as sd
            >>> x = sd.from_numpy(np.zeros((64, 784), np.float32)).realize((64, 784), sd.f32)
            >>> x.shape
            (64, 784)
        """
        want = tuple(shape)
        if len(want) != self.ndim or any(
            w not in (-1, DYN, n) for w, n in zip(want, self.shape, strict=False)
        ):
            raise ShapeError(f"realize: shape {show_shape(self.shape)} is not {show_shape(want)}")
        if dtype is not None and dtype is not self.dtype:
            raise DTypeError(
                f"realize: the tensor's dtype is {self.dtype.__name__}, not {dtype.__name__}; "
                f"convert it first with .astype(sd.{dtype.__name__})"
            )
        return self  # type: ignore[return-value]

    def _like(self, data: Array) -> Tensor[S, DT, NoTape]:
        return Tensor(data, self.device)

    # ---- tape -------------------------------------------------------------------------
    def traced(self, grads: Gradients | None = None) -> Tensor[S, DT, Traced]:
        """This tensor on a fresh tape; `grads` (if given) collects the gradients."""
        return Tensor(self.data, self.device, TapeRef(grads), None, self.id)

    def detach(self) -> Tensor[S, DT, NoTape]:
        """The same values and identity, off the tape."""
        return Tensor(self.data, self.device, None, None, self.id)

    @property
    def is_traced(self) -> bool:
        return self.tape is not None

    def backward(self: Tensor[tuple[()], DT, Traced]) -> Gradients:
        """Gradients of this traced scalar with respect to every tensor it came from.

        Raises:
            TapeError: on an untraced tensor, or one that is not a scalar.
        """
        return backward(self)

    # ---- what the ops' methods need beyond the op ---------------------------------------
    # NOTE: `==`/`!=` are elementwise, as in NumPy and PyTorch (`mask = labels == 0`); the
    # override of `object.__eq__` returning a tensor is deliberate (`x in list` then compares
    # elementwise too: find tensors by identity, `any(t is x for t in ts)`)
    def __eq__(  # type: ignore[override]
        self, other: Tensor[Any, Any, Any] | Scalar
    ) -> Tensor[Any, bool_, NoTape]:
        # NOTE: NotImplemented makes `t == None` fall back to identity: False
        return self.eq(other) if _operand(other) else NotImplemented

    def __ne__(  # type: ignore[override]
        self, other: Tensor[Any, Any, Any] | Scalar
    ) -> Tensor[Any, bool_, NoTape]:
        return self.ne(other) if _operand(other) else NotImplemented

    @property
    def T(self: Tensor[tuple[N, M], DT, TT]) -> Tensor[tuple[M, N], DT, TT]:  # noqa: N802
        """The transpose of a 2-d tensor; any other rank is a `ShapeError` (see `mT`)."""
        if self.ndim != 2:
            raise ShapeError(not_matrix_t(self.shape))
        return self.transpose(0, 1)

    @property
    def mT(self: Tensor[S, DT, TT]) -> Tensor[Any, DT, TT]:  # noqa: N802
        """The last two axes swapped (a batch of matrices transposed), as PyTorch's `mT`."""
        return self.transpose(-2, -1)

    if TYPE_CHECKING:
        # ---- the ops' methods, bound at import by `shapedl.ops.register` -----------------
        def astype(self, dtype: type[DT2]) -> Tensor[S, DT2, TapeT]: ...

        # elementwise, the shape kept
        def abs(self: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]: ...

        def __abs__(self: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]: ...  # `SupportsAbs` needs a def

        # NOTE: aliases, not `@_same_as(abs)`: mypy reads a `_same_as` method back from its cache
        # without the template's own type variables, so a TT receiver gave NoTape (the default)
        __neg__ = abs
        exp = abs
        log = abs
        sqrt = abs
        square = abs
        sin = abs
        cos = abs
        tanh = abs
        sigmoid = abs
        relu = abs
        silu = abs
        softplus = abs
        reciprocal = abs

        def gelu(
            self: Tensor[S, DT, TT], approximate: Literal["none", "tanh"] = "none"
        ) -> Tensor[S, DT, TT]: ...

        def leaky_relu(self: Tensor[S, DT, TT], slope: float = 0.01) -> Tensor[S, DT, TT]: ...
        def clamp(
            self: Tensor[S, DT, TT], min: Scalar | None = None, max: Scalar | None = None
        ) -> Tensor[S, DT, TT]: ...

        # Binary ops: equal shapes are typed exactly; broadcasting falls back to `Any` (the
        # plugin computes it). A traced operand on either side makes a traced result; a forward
        # generic in its tape (TT) keeps TT, also for an operand that is itself a generic call
        # (`x + f(x)`).
        @overload
        def __add__(
            self: Tensor[S, DT, Traced], other: Tensor[S, DT, Tape] | Scalar
        ) -> Tensor[S, DT, Traced]: ...
        @overload
        def __add__(
            self: Tensor[S, DT, Tape], other: Tensor[S, DT, Traced]
        ) -> Tensor[S, DT, Traced]: ...
        @overload
        def __add__(
            self: Tensor[S, DT, TT], other: Tensor[S, DT, TT] | Scalar
        ) -> Tensor[S, DT, TT]: ...
        @overload
        def __add__(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
        def __add__(self, other: Any) -> Any: ...

        # NOTE: aliases, not `@_same_as(__add__)`: an overloaded template read back from mypy's
        # cache lost its tape in generic code (`x * 2` came out Traced for a NoTape x); an
        # operator's errors name the operator, not the method
        __sub__ = __add__
        __mul__ = __add__
        __truediv__ = __add__
        __floordiv__ = __add__
        __mod__ = __add__
        __pow__ = __add__

        def __radd__(self, other: Scalar) -> Tensor[S, DT, TapeT]: ...

        __rsub__ = __radd__
        __rmul__ = __radd__
        __rtruediv__ = __radd__
        __rfloordiv__ = __radd__
        __rmod__ = __radd__
        __rpow__ = __radd__

        def maximum(self, other: Tensor[Any, DT, Any] | Scalar) -> Tensor[Any, DT, Any]: ...

        @_same_as(maximum)
        def minimum(self, other: Any) -> Any: ...

        # comparisons (results are boolean and untraced)
        def __lt__(self, other: Tensor[Any, Any, Any] | Scalar) -> Tensor[Any, bool_, NoTape]: ...

        @_same_as(__lt__)
        def __le__(self, other: Any) -> Any: ...
        @_same_as(__lt__)
        def __gt__(self, other: Any) -> Any: ...
        @_same_as(__lt__)
        def __ge__(self, other: Any) -> Any: ...
        def eq(self, other: Tensor[Any, Any, Any] | Scalar) -> Tensor[Any, bool_, NoTape]: ...
        @_same_as(eq)
        def ne(self, other: Any) -> Any: ...

        # logic on boolean tensors (results are boolean and untraced)
        def __and__(
            self: Tensor[Any, bool_, Any], other: Tensor[Any, bool_, Any] | bool
        ) -> Tensor[Any, bool_, NoTape]: ...

        @_same_as(__and__)
        def __or__(self, other: Any) -> Any: ...
        @_same_as(__and__)
        def __xor__(self, other: Any) -> Any: ...

        def __invert__(self: Tensor[S, bool_, Any]) -> Tensor[S, bool_, NoTape]: ...

        # reductions
        @overload
        def sum(
            self, axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TapeT]: ...
        @overload
        def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor[Any, DT, TapeT]: ...
        def sum(self, axis: Axis = None, keepdims: bool = False) -> Any: ...

        # NOTE: written out, not `@_same_as(...)`, where the template has its own type variables
        # (the tape TT), which mypy's cache loses; an alias would name the template in errors
        @overload
        def mean(
            self: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TT]: ...
        @overload
        def mean(
            self: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def mean(self, axis: Axis = None, keepdims: bool = False) -> Any: ...

        def max(
            self: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...

        def min(
            self: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def logsumexp(
            self: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...

        def var(
            self, axis: Axis = None, keepdims: bool = False, ddof: int = 0
        ) -> Tensor[Any, DT, TapeT]: ...

        def std(
            self: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False, ddof: int = 0
        ) -> Tensor[Any, DT, TT]: ...

        def argmax(
            self, axis: int | None = None, keepdims: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...

        @_same_as(argmax)
        def argmin(self, *args: Any, **kwargs: Any) -> Any: ...

        def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor[Any, bool_, NoTape]: ...
        @_same_as(any)
        def all(self, *args: Any, **kwargs: Any) -> Any: ...

        def softmax(self: Tensor[S, DT, TT], axis: int = -1) -> Tensor[S, DT, TT]: ...

        def log_softmax(self: Tensor[S, DT, TT], axis: int = -1) -> Tensor[S, DT, TT]: ...

        # matmul
        @overload
        def __matmul__(
            self: Tensor[tuple[N, K], DT, Traced], other: Tensor[tuple[K, M], DT, Tape]
        ) -> Tensor[tuple[N, M], DT, Traced]: ...
        @overload
        def __matmul__(
            self: Tensor[tuple[N, K], DT, Tape], other: Tensor[tuple[K, M], DT, Traced]
        ) -> Tensor[tuple[N, M], DT, Traced]: ...
        # NOTE: a forward generic in its tape (TT) times an untraced weight keeps TT, either way
        @overload
        def __matmul__(
            self: Tensor[tuple[N, K], DT, TT], other: Tensor[tuple[K, M], DT, NoTape]
        ) -> Tensor[tuple[N, M], DT, TT]: ...
        @overload
        def __matmul__(
            self: Tensor[tuple[N, K], DT, NoTape], other: Tensor[tuple[K, M], DT, TT]
        ) -> Tensor[tuple[N, M], DT, TT]: ...
        @overload
        def __matmul__(
            self: Tensor[tuple[N, K], DT, TT], other: Tensor[tuple[K, M], DT, TT]
        ) -> Tensor[tuple[N, M], DT, TT]: ...
        # NOTE: batched operands only (rank >= 3 on one side), so plain typing rejects a 2-d
        # matmul whose inner dimensions differ; the plugin widens this for Dyn and checks it.
        @overload
        def __matmul__(
            self: Tensor[tuple[Any, Any, Any, *tuple[Any, ...]], DT, Any],
            other: Tensor[tuple[Any, Any, *tuple[Any, ...]], DT, Any],
        ) -> Tensor[Any, DT, Any]: ...
        @overload
        def __matmul__(
            self: Tensor[tuple[Any, Any], DT, Any],
            other: Tensor[tuple[Any, Any, Any, *tuple[Any, ...]], DT, Any],
        ) -> Tensor[Any, DT, Any]: ...
        @overload
        def __matmul__(
            self: Tensor[tuple[Any], DT, Any], other: Tensor[Any, DT, Any]
        ) -> Tensor[Any, DT, Any]: ...
        @overload
        def __matmul__(
            self: Tensor[Any, DT, Any], other: Tensor[tuple[Any], DT, Any]
        ) -> Tensor[Any, DT, Any]: ...
        def __matmul__(self, other: Any) -> Any: ...
        def matmul(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...

        # movement
        def reshape(self: Tensor[S, DT, TT], shape: Sequence[int] | int) -> Tensor[Any, DT, TT]: ...
        def flatten(
            self: Tensor[S, DT, TT], start_axis: int = 0, end_axis: int = -1
        ) -> Tensor[Any, DT, TT]: ...
        def permute(self: Tensor[S, DT, TT], axes: Sequence[int]) -> Tensor[Any, DT, TT]: ...
        def transpose(
            self: Tensor[S, DT, TT], axis0: int = -2, axis1: int = -1
        ) -> Tensor[Any, DT, TT]: ...
        def unsqueeze(self: Tensor[S, DT, TT], axis: int) -> Tensor[Any, DT, TT]: ...
        def squeeze(self: Tensor[S, DT, TT], axis: Axis = None) -> Tensor[Any, DT, TT]: ...
        def broadcast_to(self: Tensor[S, DT, TT], shape: Sequence[int]) -> Tensor[Any, DT, TT]: ...
        def split(
            self: Tensor[S, DT, TT], sections: int | Sequence[int], axis: int = 0
        ) -> tuple[Tensor[Any, DT, TT], ...]: ...
        def chunk(
            self: Tensor[S, DT, TT], chunks: int, axis: int = 0
        ) -> tuple[Tensor[Any, DT, TT], ...]: ...

        # indexing
        def __getitem__(self: Tensor[S, DT, TT], index: Any) -> Tensor[Any, DT, TT]: ...
        def gather(
            self: Tensor[S, DT, TT], index: Tensor[Any, Any, Any], axis: int = -1
        ) -> Tensor[Any, DT, TT]: ...
        def select(
            self: Tensor[S, DT, TT], index: Tensor[Any, Any, Any], axis: int = 0
        ) -> Tensor[Any, DT, TT]: ...
        def masked_fill(
            self: Tensor[S, DT, TT], mask: Tensor[Any, bool_, Any], value: Scalar
        ) -> Tensor[S, DT, TT]: ...
        def tril(self, diagonal: int = 0) -> Tensor[S, DT, TapeT]: ...

        def triu(self: Tensor[S, DT, TT], diagonal: int = 0) -> Tensor[S, DT, TT]: ...

        # ---- ops of branch ops ----
        # elementwise math (ops/unary.py, ops/rounding.py), the shape kept
        log1p = abs
        expm1 = abs
        erf = abs
        rsqrt = abs
        log2 = abs
        log10 = abs
        sinh = abs
        cosh = abs
        asin = abs
        acos = abs
        atan = abs
        floor = abs
        ceil = abs
        trunc = abs
        sign = abs
        clone = abs

        def round(self: Tensor[S, DT, TT], decimals: int = 0) -> Tensor[S, DT, TT]: ...
        @_same_as(maximum)
        def atan2(self, other: Any) -> Any: ...
        def outer(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...

        # tests of values (ops/predicates.py): boolean, untraced
        def isnan(self) -> Tensor[S, bool_, NoTape]: ...
        def isinf(self) -> Tensor[S, bool_, NoTape]: ...
        def isfinite(self) -> Tensor[S, bool_, NoTape]: ...
        def nan_to_num(
            self: Tensor[S, DT, TT],
            nan: float = 0.0,
            posinf: float | None = None,
            neginf: float | None = None,
        ) -> Tensor[S, DT, TT]: ...
        def count_nonzero(
            self, axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...

        # products and draws (ops/products.py, ops/sampling.py)
        @overload
        def prod(
            self: Tensor[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TT]: ...
        @overload
        def prod(
            self: Tensor[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def prod(self, axis: Axis = None, keepdims: bool = False) -> Any: ...
        def multinomial(
            self, num_samples: int, replacement: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...


def record(
    data: Array, inputs: tuple[Tensor[Any, Any, Any], ...], vjp: Vjp
) -> Tensor[Any, Any, Any]:
    """The result of an op: traced iff some operand is traced.

    The node is kept either way: a parameter is never traced, yet `w.T` or `w.sum()` computed
    before it meets a traced input must still pass the gradient on to `w` (DESIGN §3:
    `grads[t]` for any tensor that took part). `detach()` drops the node.
    """
    node = Node(inputs, vjp)
    for x in inputs:
        if x.tape is not None:
            return Tensor(data, inputs[0].device, x.tape, node)
    return Tensor(data, inputs[0].device, None, node)


def _operand(v: object) -> bool:
    """Whether `==` compares `v` elementwise: tensors, numbers, arrays and NumPy scalars."""
    return isinstance(v, Tensor | int | float) or hasattr(v, "dtype")
