"""`TensorBase`: what a tensor holds (an array, its device, its tape link) and how its values
convert to Python, NumPy and DLPack. `Tensor` (tensor.py) adds the tape, `realize` and the
ops' methods; this base needs neither."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Generic, cast, overload

import numpy as np

from shapedl.backend import Array
from shapedl.errors import ShapeError, show_shape
from shapedl.tape import Node, TapeRef
from shapedl.types import DT, DTYPES, S, bf16, bool_, f16, f32, f64, i32, i64
from shapedl.types import T as TapeT

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["TensorBase", "check_devices"]

_ids = itertools.count()


class TensorBase(Generic[S, DT, TapeT]):
    """The values of a `Tensor[S, DT, T]`: its array `data` on `device`, and (when traced) its
    `tape` and the `node` that made it; `id` names it in `Gradients`."""

    __slots__ = ("data", "device", "tape", "node", "id", "__weakref__")

    def __init__(
        self,
        data: Array,
        device: Device,
        tape: TapeRef | None = None,
        node: Node | None = None,
        id: int | None = None,
    ) -> None:
        if not device.backend.is_array(data):  # NOTE: NumPy gives scalars for 0-d results
            data = device.backend.asarray(data)
        self.data = data
        self.device = device
        self.tape = tape
        self.node = node
        self.id = next(_ids) if id is None else id

    # ---- conversion -------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return int(self.data.ndim)

    def numel(self) -> int:
        """How many values the tensor holds (PyTorch's `numel()`, NumPy's `size`)."""
        return int(self.data.size)

    @property
    def dtype(self) -> type[DT]:
        # NOTE: the tensor's own dtype class, so `sd.zeros(x.shape, dtype=x.dtype)` in a function
        # generic in `DT` is a `Tensor[..., DT]`, not an error against `type[DType]`
        return cast("type[DT]", DTYPES[str(self.data.dtype)])

    @property
    def xp(self) -> Any:
        return self.device.backend.xp

    def numpy(self) -> Any:
        """The values as a NumPy array (copied off the GPU where needed)."""
        return self.device.backend.to_numpy(self.data)

    # NOTE: typed by dtype, so `--strict` users get a float, int or bool, not `Any`
    @overload
    def item(self: TensorBase[Any, bool_, Any]) -> bool: ...
    # (one overload per dtype: DT is invariant, so `i32 | i64` would match neither)
    @overload
    def item(self: TensorBase[Any, i32, Any]) -> int: ...
    @overload
    def item(self: TensorBase[Any, i64, Any]) -> int: ...
    @overload
    def item(self: TensorBase[Any, f16, Any]) -> float: ...
    @overload
    def item(self: TensorBase[Any, bf16, Any]) -> float: ...
    @overload
    def item(self: TensorBase[Any, f32, Any]) -> float: ...
    @overload
    def item(self: TensorBase[Any, f64, Any]) -> float: ...
    @overload
    def item(self) -> float | int | bool: ...
    def item(self) -> Any:
        """The single value of a one-element tensor as a Python `float`, `int` or `bool`.

        Raises:
            ShapeError: when the tensor holds more than one value.

        Example:
            >>> import shapedl as sd
            >>> sd.tensor([[2.5]]).item(), sd.tensor(3).item(), (sd.tensor(1.0) > 0).item()
            (2.5, 3, True)
        """
        if self.data.size != 1:
            raise ShapeError(f"item: shape {self._shown()} has {self.data.size} values")
        return self.data.reshape(()).item()

    # NOTE: a list where the rank is 1 or more, so `--strict` takes `return t.tolist()` from
    # a function declared `-> list[int]` (as PyTorch's stub types it); a 0-d tensor gives its
    # Python number, and a tensor of unknown rank either
    @overload
    def tolist(self: TensorBase[tuple[()], Any, Any]) -> Any: ...
    @overload
    def tolist(self: TensorBase[tuple[Any, *tuple[Any, ...]], Any, Any]) -> list[Any]: ...
    @overload
    def tolist(self) -> Any: ...
    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        # NOTE: NumPy 2 trusts `copy=True` to be honoured: `np.array(t)` (a snapshot of the
        # weights) was the tensor's own memory on the CPU, and moved with training
        out = self.numpy()
        if dtype is not None:
            return out.astype(dtype)
        return out.copy() if copy and out is self.data else out

    # NOTE: a copy (`copy.deepcopy(model)`, an unpickled model) is a tensor of its own: a
    # kept `id` summed its gradient with the original's in `Gradients` (twin critics built by
    # deepcopy), and an unpickled one met the ids that a new process gives from 0 again.
    # The state leaves `id` out, so that `__setstate__` draws a new one.
    def __getstate__(self) -> tuple[Any, ...]:
        # NOTE: as PyTorch, which copies a leaf that requires grad but no computed tensor
        if self.node is not None and self.tape is not None:
            raise TypeError(
                "copy or pickle: a traced result is part of a tape; copy x.detach() instead"
            )
        return (self.data, self.device, self.tape is not None)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.data, self.device, traced = state
        self.tape = TapeRef(None) if traced else None  # NOTE: a traced input, on a tape of its own
        self.node, self.id = None, next(_ids)

    def __deepcopy__(self, memo: dict[int, Any]) -> TensorBase[S, DT, TapeT]:
        # NOTE: the device is shared, as PyTorch's copy stays on its device: a copied device
        # would be a second generator, drawing the same dropout masks as the first
        data, device, traced = self.__getstate__()
        out = type(self).__new__(type(self))
        out.__setstate__((device.backend.xp.array(data, copy=True), device, traced))
        return out

    def __format__(self, spec: str) -> str:
        """`f"{loss:.4f}"`: a 0-d tensor formats as its Python number, as PyTorch's and
        NumPy's 0-d arrays do; another tensor takes no format spec."""
        if spec and self.data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self.data.__dlpack_device__()

    if not TYPE_CHECKING:  # NOTE: mypy keeps its own `[index]` error for the assignment

        def __setitem__(self, index: Any, value: Any) -> None:
            raise TypeError(
                "a tensor is not written in place (the tape keeps its values): "
                "x[mask] = v is x = x.masked_fill(mask, v) or sd.where(mask, v, x), and "
                "x[i] = v builds the new tensor with sd.where, sd.concat or scatter_add"
            )

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return int(self.data.shape[0])

    def __bool__(self) -> bool:
        if self.data.size != 1:  # NOTE: met by `if x == y` and `x in list_of_tensors`
            raise ShapeError(
                f"bool: shape {self._shown()} has {self.data.size} values, so its "
                "truth is ambiguous; reduce it first (`(x != y).sum() == 0`), and find a tensor "
                "in a list by identity (`any(t is x for t in ts)`)"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __repr__(self) -> str:
        # NOTE: NumPy's values without its `array(...)`, which for a large array says
        # `shape=` too
        values = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        tape = ", traced" if self.tape is not None else ""
        return f"Tensor({values}, shape={self._shown()}, dtype={self.dtype!r}{tape})"

    def _shown(self) -> str:
        return show_shape(tuple(self.data.shape))


def check_devices(op: str, *xs: TensorBase[Any, Any, Any]) -> None:
    """A `ValueError` naming `op` when operands live on different devices."""
    first = xs[0].device
    for x in xs[1:]:
        if x.device is not first and x.device != first:
            raise ValueError(f"{op}: operands are on {first} and {x.device}; move one with .to()")
