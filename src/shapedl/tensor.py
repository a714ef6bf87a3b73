"""`Tensor[S, DT, T]`: an array, its device, and (when traced) its link to the tape.

This module is the base the ops build on, and imports none of them: `shapedl.ops` imports it,
and each op's `register(..., methods=...)` binds that op as the `Tensor` methods it names
(`x.sum()` is `ops.reduce.sum(x)`). What the class writes here is what is not an op (the
tape, `realize`, `to`; conversions are in `TensorBase`); the methods' types are declared in
`TensorMethods` (tensor_methods.py), which it inherits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, overload

from shapedl.backend import Array
from shapedl.device import Cpu, check_device
from shapedl.dims import DYN
from shapedl.errors import DTypeError, ShapeError, not_matrix_t, show_shape
from shapedl.tape import (
    Gradients,
    Node,
    TapeRef,
    Vjp,
    backward,
    changed_in_place,
    recording_off,
)
from shapedl.tensor_base import check_devices
from shapedl.tensor_methods import Scalar, TensorMethods
from shapedl.types import (
    DT,
    TT,
    Dim,
    DType,
    NoTape,
    S,
    Traced,
    bf16,
    bool_,
    f16,
    f32,
    f64,
    i32,
    i64,
)
from shapedl.types import T as TapeT

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["Tensor", "check_devices", "record"]

S2 = TypeVar("S2", bound=tuple[Any, ...])
DT2 = TypeVar("DT2", bound=DType)
N = TypeVar("N", bound=Dim)
M = TypeVar("M", bound=Dim)
Lead = TypeVarTuple("Lead")


class Tensor(TensorMethods[S, DT, TapeT]):
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

    # NOTE: the plugin types the rows (`movement.iter_hook`): an overload on a self of shape
    # `(N, *Rest)` matched a `(*Bs, 3)` to nothing ("Need type annotation" at `for r in x`)
    def __iter__(self) -> Iterator[Tensor[Any, DT, TapeT]]:
        """The sub-tensors along the first axis (ends by length, not by an IndexError)."""
        return (self[i] for i in range(len(self)))

    # NOTE: hashable by identity, as in PyTorch, while `==` is elementwise: a dict or set
    # compares keys by `is` before `==`, and distinct live objects never share this hash, so
    # `==` is never asked there. `Gradients` is keyed by `t.id`, never by the tensor.
    __hash__ = object.__hash__

    def to(self, device: Device) -> Tensor[S, DT, TapeT]:
        """The same values on `device` (untraced tensors only keep their identity).

        Raises:
            TypeError: for a dtype or a string (PyTorch's `.to(torch.float16)`, `.to("cuda")`),
                saying what to write instead.
        """
        check_device("to", device)
        data = device.backend.asarray(self.device.backend.to_numpy(self.data))
        return Tensor(data, device, self.tape, None, self.id if self.tape is None else None)

    def cpu(self) -> Tensor[S, DT, TapeT]:
        """This tensor where it is on a CPU, else its values on one, as PyTorch's `cpu()`
        (`loss.detach().cpu().numpy()`, `x.cpu().tolist()`).

        Example:
            >>> import shapedl as sd
            >>> x = sd.tensor([1.0, 2.0])
            >>> x.cpu() is x
            True
        """
        if isinstance(self.device, Cpu):
            return self
        return self.to(Cpu(seed=None))

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

    def contiguous(self) -> Tensor[S, DT, TapeT]:
        """This tensor itself, as PyTorch's `contiguous()` of a contiguous tensor: every tensor
        here is contiguous (an op that makes a strided view copies it when it must), so code
        ported from PyTorch keeps its values, its tape and its gradients."""
        return self

    def _like(self, data: Array) -> Tensor[S, DT, NoTape]:
        return Tensor(data, self.device)

    # ---- tape -------------------------------------------------------------------------
    def traced(self, grads: Gradients | None = None) -> Tensor[S, DT, Traced]:
        """This tensor on a fresh tape; `grads` (if given) collects the gradients."""
        return Tensor(self.data, self.device, TapeRef(grads), None, self.id)

    def detach(self) -> Tensor[S, DT, NoTape]:
        """The same values (shared), off the tape: a tensor of its own, so no gradient flows
        back through it to this one, as PyTorch's `detach()`.

        NOTE: not this tensor's identity (as `traced()` keeps): gradients are summed by
        identity, so what reached a detached parameter or input was added to its own
        (`(x.detach() * x)`'s gradient was `2x`, a parameter used only detached moved)."""
        return Tensor(self.data, self.device)

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

    if not TYPE_CHECKING:
        # NOTE: at run time only: mypy types `x += y` as `x = x + y` (the op's shape rule,
        # then the name's declared type), which is also what `_in_place` falls back to
        def __iadd__(self, other):
            return self._in_place(self.__add__, other)

        def __isub__(self, other):
            return self._in_place(self.__sub__, other)

        def __imul__(self, other):
            return self._in_place(self.__mul__, other)

        def __itruediv__(self, other):
            return self._in_place(self.__truediv__, other)

    def _in_place(self, op: Any, other: Any) -> Any:
        """`x -= y`: x's own values updated where x is a leaf, `y` is untraced (or recording
        is off) and the result has x's shape and dtype, as PyTorch's: an untraced leaf (a
        module's parameter, a tensor made by hand) always, a traced one (`w = w.traced()`)
        inside `no_grad`, so `with sd.no_grad(): for p in params: p -= lr * grads[p]` updates
        the parameters, which rebinding the loop's name would silently not. Otherwise (a traced
        leaf outside `no_grad`, whose untraced original shares its values and which PyTorch
        refuses; a traced `y`; an op's result; a broadcast to another shape) the name is rebound
        to `x - y`, so the tape keeps what it needs. A graph recorded before through `x` then
        refuses its backward, as after an optimizer's update."""
        out = op(other)
        off = recording_off()
        if out is NotImplemented or self.node is not None or (self.tape is not None and not off):
            return out
        traced = isinstance(other, Tensor) and other.tape is not None and not off
        if traced or out.shape != self.shape or out.dtype is not self.dtype:
            return out
        try:
            self.data[...] = out.data
        except ValueError:  # NOTE: a read-only array (a batch's view of the data, a mmap file)
            return out
        changed_in_place(self)
        return self

    @property
    def T(self: Tensor[tuple[N, M], DT, TT]) -> Tensor[tuple[M, N], DT, TT]:  # noqa: N802
        """The transpose of a 2-d tensor; any other rank is a `ShapeError` (see `mT`)."""
        if self.ndim != 2:
            raise ShapeError(not_matrix_t(self.shape))
        return self.transpose(0, 1)

    @property
    def mT(self: Tensor[tuple[*Lead, N, M], DT, TT]) -> Tensor[tuple[*Lead, M, N], DT, TT]:  # noqa: N802
        """The last two axes swapped (a batch of matrices transposed), as PyTorch's `mT`."""
        return self.transpose(-2, -1)

    # ---- PyTorch's names for what is here under another ---------------------------------
    def t(self: Tensor[tuple[N, M], DT, TT]) -> Tensor[tuple[M, N], DT, TT]:
        """`T`, PyTorch's `t()`: the transpose of a 2-d tensor (any other rank is an error)."""
        return self.T

    def dim(self) -> int:
        """The number of axes, `ndim` (PyTorch's `dim()`)."""
        return self.ndim

    if not TYPE_CHECKING:  # NOTE: typed in TensorMethods, as every op method

        def flip(self, *axes, axis=None, **refused):
            """`ops.flip`: the values reversed along the axes, given as one tuple or one by
            one as in PyTorch (`x.flip(0, 1)` is `x.flip((0, 1))`); none: every axis.

            Raises:
                ShapeError: when an axis is out of range or repeats.

            Shape:
                `(*S) -> (*S)`.

            Example:
                >>> import shapedl as sd
                >>> sd.tensor([[1.0, 2.0], [3.0, 4.0]]).flip(0, 1).tolist()
                [[4.0, 3.0], [2.0, 1.0]]
            """
            from shapedl.ops.rearrange import flip  # NOTE: this module imports no op

            if axes and axis is not None:
                raise TypeError("flip: give the axes by position or as axis=, not both")
            return flip(self, axes[0] if len(axes) == 1 else axes or axis, **refused)

    @overload
    def size(self) -> tuple[int, ...]: ...
    @overload
    def size(self, axis: int) -> int: ...
    def size(self, axis: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of one axis (PyTorch's `size()`, `size(dim)`)."""
        return self.shape if axis is None else self.shape[axis]

    def type_as(self: Tensor[S, Any, TT], other: Tensor[Any, DT2, Any]) -> Tensor[S, DT2, TT]:
        """This tensor in `other`'s dtype: `astype(other.dtype)`."""
        return self.astype(other.dtype)

    def expand_as(self: Tensor[Any, DT, TT], other: Tensor[S2, Any, Any]) -> Tensor[S2, DT, TT]:
        """This tensor broadcast to `other`'s shape: `broadcast_to(other.shape)`.

        Raises:
            ShapeError: when the shapes do not broadcast (the op's error).
        """
        out: Tensor[S2, DT, TT] = self.broadcast_to(other.shape)
        return out

    def reshape_as(self: Tensor[Any, DT, TT], other: Tensor[S2, Any, Any]) -> Tensor[S2, DT, TT]:
        """The same values in `other`'s shape: `reshape(other.shape)` (also `view_as`).

        Raises:
            ShapeError: when the number of values differs (the op's error).
        """
        out: Tensor[S2, DT, TT] = self.reshape(other.shape)
        return out

    view_as = reshape_as

    # NOTE: last, so that their names shadow no builtin in an annotation above
    def float(self: Tensor[S, Any, TT]) -> Tensor[S, f32, TT]:
        """`astype(sd.f32)`, PyTorch's `float()`."""
        return self.astype(f32)

    def double(self: Tensor[S, Any, TT]) -> Tensor[S, f64, TT]:
        """`astype(sd.f64)`, PyTorch's `double()`."""
        return self.astype(f64)

    def half(self: Tensor[S, Any, TT]) -> Tensor[S, f16, TT]:
        """`astype(sd.f16)`, PyTorch's `half()`."""
        return self.astype(f16)

    def bfloat16(self: Tensor[S, Any, TT]) -> Tensor[S, bf16, TT]:
        """`astype(sd.bf16)`, PyTorch's `bfloat16()`."""
        return self.astype(bf16)

    def long(self: Tensor[S, Any, TT]) -> Tensor[S, i64, TT]:
        """`astype(sd.i64)`, PyTorch's `long()`."""
        return self.astype(i64)

    def int(self: Tensor[S, Any, TT]) -> Tensor[S, i32, TT]:
        """`astype(sd.i32)`, PyTorch's `int()`."""
        return self.astype(i32)

    def bool(self: Tensor[S, Any, TT]) -> Tensor[S, bool_, TT]:
        """`astype(sd.bool_)`, PyTorch's `bool()`."""
        return self.astype(bool_)


def record(
    data: Array, inputs: tuple[Tensor[Any, Any, Any], ...], vjp: Vjp
) -> Tensor[Any, Any, Any]:
    """The result of an op: traced iff some operand is traced.

    The node is kept either way: a parameter is never traced, yet `w.T` or `w.sum()` computed
    before it meets a traced input must still pass the gradient on to `w` (DESIGN §3:
    `grads[t]` for any tensor that took part). `detach()` drops the node, and inside
    `no_grad` none is made: the result is a tensor of its own, untraced.
    """
    if recording_off():
        return Tensor(data, inputs[0].device)
    node = Node(inputs, vjp)
    for x in inputs:
        if x.tape is not None:
            return Tensor(data, inputs[0].device, x.tape, node)
    return Tensor(data, inputs[0].device, None, node)


def _operand(v: object) -> bool:
    """Whether `==` compares `v` elementwise: tensors, numbers, arrays and NumPy scalars."""
    return isinstance(v, Tensor | int | float) or hasattr(v, "dtype")
