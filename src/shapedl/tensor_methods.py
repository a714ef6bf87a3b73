"""The types of `Tensor`'s op methods: what `register(..., methods=...)` binds at import.

`Tensor` (tensor.py) inherits them from `TensorMethods`, which holds nothing at run time: the
bodies are the ops themselves (`x.sum()` is `ops.reduce.sum(x)`), bound by
`shapedl.ops.register`. What the class declares is the plain-typing promise (DESIGN §1,
layer 1), precise where `typing` can say it (equal shapes, 2-d matmul, scalars), `Any` where
only the plugin can (reshape, reductions over an axis, broadcasting). A signature several
methods share is written once (`_same_as`, or an alias).

NOTE: the receivers' self types name `TensorMethods` (a self type must be a supertype of the
class that declares it); the results are `Tensor`s. mypy's plugin hooks still see
`shapedl.tensor.Tensor.<method>`: a method's hook is named by the receiver's class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from shapedl.backend import NumpyScalar
from shapedl.tensor_base import TensorBase
from shapedl.types import DT, TT, Dim, DType, Dyn, NoTape, S, Tape, Traced, bool_, i64
from shapedl.types import T as TapeT

if TYPE_CHECKING:
    from shapedl.tensor import Tensor

__all__ = ["Axis", "Scalar", "TensorMethods"]

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


class TensorMethods(TensorBase[S, DT, TapeT]):
    """The op methods' types of `Tensor[S, DT, T]` (declarations only; see the module)."""

    __slots__ = ()

    if TYPE_CHECKING:
        # ---- the ops' methods, bound at import by `shapedl.ops.register` -----------------
        def astype(self, dtype: type[DT2]) -> Tensor[S, DT2, TapeT]: ...

        # elementwise, the shape kept
        def abs(self: TensorMethods[S, DT, TT]) -> Tensor[S, DT, TT]: ...

        # `SupportsAbs` needs a def
        def __abs__(self: TensorMethods[S, DT, TT]) -> Tensor[S, DT, TT]: ...

        # NOTE: aliases, not `@_same_as(abs)`: mypy reads a `_same_as` method back from its cache
        # without the template's own type variables, so a TT receiver gave NoTape (the default)
        __neg__ = abs
        neg = abs
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
        reciprocal = abs

        def gelu(
            self: TensorMethods[S, DT, TT], approximate: Literal["none", "tanh"] = "none"
        ) -> Tensor[S, DT, TT]: ...

        def softplus(
            self: TensorMethods[S, DT, TT], beta: float = 1.0, threshold: float = 20.0
        ) -> Tensor[S, DT, TT]: ...

        def leaky_relu(
            self: TensorMethods[S, DT, TT], slope: float = 0.01
        ) -> Tensor[S, DT, TT]: ...
        def clamp(
            self: TensorMethods[S, DT, TT], min: Scalar | None = None, max: Scalar | None = None
        ) -> Tensor[S, DT, TT]: ...

        clip = clamp  # NOTE: PyTorch's other name for it

        def clamp_min(self: TensorMethods[S, DT, TT], min: Scalar) -> Tensor[S, DT, TT]: ...
        def clamp_max(self: TensorMethods[S, DT, TT], max: Scalar) -> Tensor[S, DT, TT]: ...

        # Binary ops: equal shapes are typed exactly; broadcasting falls back to `Any` (the
        # plugin computes it). A traced operand on either side makes a traced result; a forward
        # generic in its tape (TT) keeps TT, also for an operand that is itself a generic call
        # (`x + f(x)`).
        @overload
        def __add__(
            self: TensorMethods[S, DT, Traced], other: Tensor[S, DT, Tape] | Scalar
        ) -> Tensor[S, DT, Traced]: ...
        @overload
        def __add__(
            self: TensorMethods[S, DT, Tape], other: Tensor[S, DT, Traced]
        ) -> Tensor[S, DT, Traced]: ...
        @overload
        def __add__(
            self: TensorMethods[S, DT, TT], other: Tensor[S, DT, TT] | Scalar
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
        # PyTorch's method names for the operators
        add = __add__
        sub = __add__
        mul = __add__
        div = __add__
        pow = __add__

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

        lt = __lt__
        le = __lt__
        gt = __lt__
        ge = __lt__

        def eq(self, other: Tensor[Any, Any, Any] | Scalar) -> Tensor[Any, bool_, NoTape]: ...
        @_same_as(eq)
        def ne(self, other: Any) -> Any: ...

        # logic on boolean tensors (results are boolean and untraced)
        def __and__(
            self: TensorMethods[Any, bool_, Any], other: Tensor[Any, bool_, Any] | bool
        ) -> Tensor[Any, bool_, NoTape]: ...

        @_same_as(__and__)
        def __or__(self, other: Any) -> Any: ...
        @_same_as(__and__)
        def __xor__(self, other: Any) -> Any: ...

        def __invert__(self: TensorMethods[S, bool_, Any]) -> Tensor[S, bool_, NoTape]: ...

        # PyTorch's named logic, on the truth of any dtype (the operators take booleans only)
        def logical_and(
            self, other: Tensor[Any, Any, Any] | bool | int | float
        ) -> Tensor[Any, bool_, NoTape]: ...

        logical_or = logical_and
        logical_xor = logical_and

        def logical_not(self: TensorMethods[S, Any, Any]) -> Tensor[S, bool_, NoTape]: ...

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
            self: TensorMethods[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TT]: ...
        @overload
        def mean(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def mean(self, axis: Axis = None, keepdims: bool = False) -> Any: ...

        def max(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...

        def min(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...

        amax = max  # PyTorch's names
        amin = min

        def logsumexp(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...

        # NOTE: keyword-only after the axis: PyTorch's second positional is `unbiased`
        def var(
            self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0
        ) -> Tensor[Any, DT, TapeT]: ...

        def std(
            self: TensorMethods[S, DT, TT],
            axis: Axis = None,
            *,
            keepdims: bool = False,
            ddof: int = 0,
        ) -> Tensor[Any, DT, TT]: ...

        def argmax(
            self, axis: int | None = None, keepdims: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...

        @_same_as(argmax)
        def argmin(self, *args: Any, **kwargs: Any) -> Any: ...

        def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor[Any, bool_, NoTape]: ...
        @_same_as(any)
        def all(self, *args: Any, **kwargs: Any) -> Any: ...

        def softmax(self: TensorMethods[S, DT, TT], axis: int = -1) -> Tensor[S, DT, TT]: ...

        def log_softmax(self: TensorMethods[S, DT, TT], axis: int = -1) -> Tensor[S, DT, TT]: ...

        # matmul
        @overload
        def __matmul__(
            self: TensorMethods[tuple[N, K], DT, Traced], other: Tensor[tuple[K, M], DT, Tape]
        ) -> Tensor[tuple[N, M], DT, Traced]: ...
        @overload
        def __matmul__(
            self: TensorMethods[tuple[N, K], DT, Tape], other: Tensor[tuple[K, M], DT, Traced]
        ) -> Tensor[tuple[N, M], DT, Traced]: ...
        # NOTE: a forward generic in its tape (TT) times an untraced weight keeps TT, either way
        @overload
        def __matmul__(
            self: TensorMethods[tuple[N, K], DT, TT], other: Tensor[tuple[K, M], DT, NoTape]
        ) -> Tensor[tuple[N, M], DT, TT]: ...
        @overload
        def __matmul__(
            self: TensorMethods[tuple[N, K], DT, NoTape], other: Tensor[tuple[K, M], DT, TT]
        ) -> Tensor[tuple[N, M], DT, TT]: ...
        @overload
        def __matmul__(
            self: TensorMethods[tuple[N, K], DT, TT], other: Tensor[tuple[K, M], DT, TT]
        ) -> Tensor[tuple[N, M], DT, TT]: ...
        # NOTE: batched operands only (rank >= 3 on one side), so plain typing rejects a 2-d
        # matmul whose inner dimensions differ; the plugin widens this for Dyn and checks it.
        @overload
        def __matmul__(
            self: TensorMethods[tuple[Any, Any, Any, *tuple[Any, ...]], DT, Any],
            other: Tensor[tuple[Any, Any, *tuple[Any, ...]], DT, Any],
        ) -> Tensor[Any, DT, Any]: ...
        @overload
        def __matmul__(
            self: TensorMethods[tuple[Any, Any], DT, Any],
            other: Tensor[tuple[Any, Any, Any, *tuple[Any, ...]], DT, Any],
        ) -> Tensor[Any, DT, Any]: ...
        @overload
        def __matmul__(
            self: TensorMethods[tuple[Any], DT, Any], other: Tensor[Any, DT, Any]
        ) -> Tensor[Any, DT, Any]: ...
        @overload
        def __matmul__(
            self: TensorMethods[Any, DT, Any], other: Tensor[tuple[Any], DT, Any]
        ) -> Tensor[Any, DT, Any]: ...
        def __matmul__(self, other: Any) -> Any: ...
        def matmul(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
        # PyTorch's products of fixed ranks (the plugin checks the ranks and sizes)
        def mm(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
        def bmm(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
        def mv(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
        def dot(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...

        # movement
        # NOTE: one tuple or separate ints, as PyTorch's methods take them
        @overload
        def reshape(
            self: TensorMethods[S, DT, TT], shape: Sequence[int], /
        ) -> Tensor[Any, DT, TT]: ...
        @overload
        def reshape(self: TensorMethods[S, DT, TT], *shape: int) -> Tensor[Any, DT, TT]: ...
        def reshape(self, *shape: Any) -> Any: ...

        view = reshape  # PyTorch's other name: every tensor here is contiguous

        def flatten(
            self: TensorMethods[S, DT, TT], start_axis: int = 0, end_axis: int = -1
        ) -> Tensor[Any, DT, TT]: ...
        @overload
        def permute(
            self: TensorMethods[S, DT, TT], axes: Sequence[int], /
        ) -> Tensor[Any, DT, TT]: ...
        @overload
        def permute(self: TensorMethods[S, DT, TT], *axes: int) -> Tensor[Any, DT, TT]: ...
        def permute(self, *axes: Any) -> Any: ...
        def transpose(
            self: TensorMethods[S, DT, TT], axis0: int = -2, axis1: int = -1
        ) -> Tensor[Any, DT, TT]: ...

        swapaxes = transpose  # PyTorch's and NumPy's other names
        swapdims = transpose

        def movedim(
            self: TensorMethods[S, DT, TT],
            source: int | Sequence[int],
            destination: int | Sequence[int],
        ) -> Tensor[Any, DT, TT]: ...

        moveaxis = movedim

        def unsqueeze(self: TensorMethods[S, DT, TT], axis: int) -> Tensor[Any, DT, TT]: ...
        def squeeze(self: TensorMethods[S, DT, TT], axis: Axis = None) -> Tensor[Any, DT, TT]: ...
        def broadcast_to(
            self: TensorMethods[S, DT, TT], shape: Sequence[int]
        ) -> Tensor[Any, DT, TT]: ...
        @overload
        def expand(
            self: TensorMethods[S, DT, TT], shape: Sequence[int], /
        ) -> Tensor[Any, DT, TT]: ...
        @overload
        def expand(self: TensorMethods[S, DT, TT], *shape: int) -> Tensor[Any, DT, TT]: ...
        def expand(self, *shape: Any) -> Any: ...
        @overload
        def tile(self: TensorMethods[S, DT, TT], reps: Sequence[int], /) -> Tensor[Any, DT, TT]: ...
        @overload
        def tile(self: TensorMethods[S, DT, TT], *reps: int) -> Tensor[Any, DT, TT]: ...
        def tile(self, *reps: Any) -> Any: ...

        def repeat_interleave(
            self: TensorMethods[S, DT, TT], repeats: int | Sequence[int], axis: int | None = None
        ) -> Tensor[Any, DT, TT]: ...
        def split(
            self: TensorMethods[S, DT, TT], sections: int | Sequence[int], axis: int = 0
        ) -> tuple[Tensor[Any, DT, TT], ...]: ...
        def chunk(
            self: TensorMethods[S, DT, TT], chunks: int, axis: int = 0
        ) -> tuple[Tensor[Any, DT, TT], ...]: ...
        def unbind(
            self: TensorMethods[S, DT, TT], axis: int = 0
        ) -> tuple[Tensor[Any, DT, TT], ...]: ...
        def narrow(
            self: TensorMethods[S, DT, TT], axis: int, start: int, length: int
        ) -> Tensor[Any, DT, TT]: ...
        def diff(self: TensorMethods[S, DT, TT], axis: int = -1) -> Tensor[Any, DT, TT]: ...
        def cumsum(
            self: TensorMethods[Any, DT, TT], axis: int | None = None
        ) -> Tensor[Any, DT, TT]: ...

        cumprod = cumsum

        @overload
        def flip(self: TensorMethods[S, DT, TT], axis: Axis = None) -> Tensor[S, DT, TT]: ...
        @overload
        def flip(self: TensorMethods[S, DT, TT], *axes: int) -> Tensor[S, DT, TT]: ...
        def flip(self, *axes: Any, axis: Axis = None) -> Any: ...
        def roll(
            self: TensorMethods[S, DT, TT], shifts: int | Sequence[int], axis: Axis = None
        ) -> Tensor[S, DT, TT]: ...
        def norm(
            self: TensorMethods[Any, DT, TT],
            ord: float = 2,
            axis: Axis = None,
            keepdims: bool = False,
        ) -> Tensor[Any, DT, TT]: ...

        # indexing
        def __getitem__(self: TensorMethods[S, DT, TT], index: Any) -> Tensor[Any, DT, TT]: ...
        def gather(
            self: TensorMethods[S, DT, TT], index: Tensor[Any, Any, Any], axis: int = -1
        ) -> Tensor[Any, DT, TT]: ...
        def select(
            self: TensorMethods[S, DT, TT], index: Tensor[Any, Any, Any], axis: int = 0
        ) -> Tensor[Any, DT, TT]: ...
        def masked_fill(
            self: TensorMethods[S, DT, TT],
            mask: Tensor[Any, bool_, Any],
            value: Scalar | Tensor[tuple[()], Any, Any],
        ) -> Tensor[S, DT, TT]: ...
        def tril(self, diagonal: int = 0) -> Tensor[S, DT, TapeT]: ...

        def triu(self: TensorMethods[S, DT, TT], diagonal: int = 0) -> Tensor[S, DT, TT]: ...

        # what a mask selects (ops/mask.py): how many is known only at run time
        def nonzero(self) -> Tensor[tuple[Dyn, Any], i64, NoTape]: ...

        argwhere = nonzero  # PyTorch's and NumPy's other name

        def masked_select(
            self: TensorMethods[S, DT, TT], mask: Tensor[Any, bool_, Any]
        ) -> Tensor[tuple[Dyn], DT, TT]: ...

        # diagonals (ops/diagonals.py)
        def diagonal(
            self: TensorMethods[S, DT, TT], offset: int = 0, axis1: int = 0, axis2: int = 1
        ) -> Tensor[Any, DT, TT]: ...
        def diag(self: TensorMethods[S, DT, TT], diagonal: int = 0) -> Tensor[Any, DT, TT]: ...
        def trace(self: TensorMethods[S, DT, TT]) -> Tensor[tuple[()], DT, TT]: ...

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
        tan = abs
        floor = abs
        ceil = abs
        trunc = abs
        sign = abs
        clone = abs

        def round(self: TensorMethods[S, DT, TT], decimals: int = 0) -> Tensor[S, DT, TT]: ...
        @_same_as(maximum)
        def atan2(self, other: Any) -> Any: ...
        @_same_as(maximum)
        def fmod(self, other: Any) -> Any: ...
        def outer(self, other: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]: ...
        @_same_as(maximum)
        def logaddexp(self, other: Any) -> Any: ...
        def lerp(
            self, end: Tensor[Any, DT, Any], weight: Tensor[Any, DT, Any] | Scalar
        ) -> Tensor[Any, DT, Any]: ...

        # tests of values (ops/predicates.py): boolean, untraced
        def isnan(self) -> Tensor[S, bool_, NoTape]: ...
        def isinf(self) -> Tensor[S, bool_, NoTape]: ...
        def isfinite(self) -> Tensor[S, bool_, NoTape]: ...
        def nan_to_num(
            self: TensorMethods[S, DT, TT],
            nan: float = 0.0,
            posinf: float | None = None,
            neginf: float | None = None,
        ) -> Tensor[S, DT, TT]: ...
        def count_nonzero(
            self, axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...
        # reductions that skip nan (ops/nanreduce.py)
        @overload
        def nansum(
            self: TensorMethods[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TT]: ...
        @overload
        def nansum(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def nansum(self, axis: Axis = None, keepdims: bool = False) -> Any: ...
        @overload
        def nanmean(
            self: TensorMethods[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TT]: ...
        @overload
        def nanmean(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def nanmean(self, axis: Axis = None, keepdims: bool = False) -> Any: ...
        def isclose(
            self,
            other: Tensor[Any, Any, Any] | Scalar,
            rtol: float = 1e-5,
            atol: float = 1e-8,
            equal_nan: bool = False,
        ) -> Tensor[Any, bool_, NoTape]: ...

        # products and draws (ops/products.py, ops/sampling.py)
        @overload
        def prod(
            self: TensorMethods[S, DT, TT], axis: None = None, keepdims: Literal[False] = False
        ) -> Tensor[tuple[()], DT, TT]: ...
        @overload
        def prod(
            self: TensorMethods[S, DT, TT], axis: Axis = None, keepdims: bool = False
        ) -> Tensor[Any, DT, TT]: ...
        def prod(self, axis: Axis = None, keepdims: bool = False) -> Any: ...
        def multinomial(
            self, num_samples: int, replacement: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...

        # sorting (ops/sort.py): PyTorch's `logits.topk(k)`, `x.sort()`, `x.argsort()`
        def sort(
            self: TensorMethods[S, DT, TT], axis: int = -1, descending: bool = False
        ) -> tuple[Tensor[S, DT, TT], Tensor[S, i64, NoTape]]: ...
        def argsort(
            self, axis: int | None = -1, descending: bool = False
        ) -> Tensor[Any, i64, NoTape]: ...
        def topk(
            self: TensorMethods[S, DT, TT], k: int, axis: int = -1, largest: bool = True
        ) -> tuple[Tensor[Any, DT, TT], Tensor[Any, i64, NoTape]]: ...
