"""Mini-batches of `(x, y)` pairs, shuffled from the device's seeded generator.

`Batches(x, y, batch_size)` is re-iterable: each pass is one epoch, in a fresh order when
`shuffle` is on. The arrays may have any leading length (`Dyn` rows); the other axes keep
their types, so a batch of `Tensor[tuple[N, Const[64]], f32]` is a
`Tensor[tuple[Dyn, Const[64]], f32]`. The final partial batch is kept unless `drop_last`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypedDict, TypeVar, Unpack, overload

import numpy as np
from typing_extensions import TypeVar as DefaultTypeVar
from typing_extensions import TypeVarTuple

from shapedl.backend import Array
from shapedl.device import Device, default_device
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.tensor import Tensor
from shapedl.types import DType, Dyn, NoTape

__all__ = ["Batches", "batches", "as_tensor"]

N = TypeVar("N")
M = TypeVar("M")
F = TypeVarTuple("F")
G = TypeVarTuple("G")
DX = TypeVar("DX", bound=DType)
DY = TypeVar("DY", bound=DType)
# NOTE: defaults, so `Batches(x_array, y_array, 32)` (types not inferable from arrays) is typed
# tensors of unknown shape rather than "Need type annotation"
X = DefaultTypeVar("X", covariant=True, default=Tensor[Any, Any, NoTape])
Y = DefaultTypeVar("Y", covariant=True, default=Tensor[Any, Any, NoTape])


def as_tensor(data: Any, device: Device) -> Tensor[Any, Any, NoTape]:
    """`data` (a tensor, an array or nested lists) as an untraced tensor on `device`.

    Arrays keep their dtype; a tensor on another device is moved.
    """
    if isinstance(data, Tensor):
        moved = data if data.device == device else data.to(device)
        return moved.detach()
    return Tensor(device.backend.asarray(data), device)


class BatchOptions(TypedDict, total=False):
    """The keyword arguments of `batches`: those of `Batches`, with its defaults."""

    shuffle: bool
    drop_last: bool
    device: Device | None


class Batches(Generic[X, Y]):
    """Re-iterable mini-batches of `(x, y)`; each pass over it is one epoch.

    `X` and `Y` are the types of one batch (`batches()` infers them from typed tensors).

    Args:
        x: inputs, `(N, *F)`.
        y: targets, `(N, *G)` with the same `N`.
        batch_size: rows per batch (the last one may be smaller).
        shuffle: draw a fresh order for every epoch from `device.rng`.
        drop_last: leave out the final partial batch.
        device: where the batches live (the device of `x` if it is a tensor, else the
            default device); its seeded generator draws the order.

    Raises:
        ShapeError: when `x` and `y` have different leading lengths.
        ValueError: when `batch_size` is not positive.

    Example:
        >>> import shapedl as sd
        >>> data = sd.data.Batches(sd.arange(10).reshape((5, 2)), sd.arange(5), 2,
        ...                        shuffle=False)
        >>> [y.tolist() for _, y in data]
        [[0, 1], [2, 3], [4]]
        >>> len(data)
        3
    """

    # NOTE: typed from typed tensors as `batches` is: a port of `DataLoader(TensorDataset(x,
    # y))` builds the class, and its batches were `Tensor[Any, Any]`
    @overload
    def __init__(
        self: Batches[Tensor[tuple[Dyn, *F], DX, NoTape], Tensor[tuple[Dyn, *G], DY, NoTape]],
        x: Tensor[tuple[N, *F], DX, Any],
        y: Tensor[tuple[M, *G], DY, Any],
        batch_size: int,
        **options: Unpack[BatchOptions],
    ) -> None: ...
    @overload
    def __init__(
        self, x: Any, y: Any, batch_size: int, **options: Unpack[BatchOptions]
    ) -> None: ...
    def __init__(
        self,
        x: Any,
        y: Any,
        batch_size: int,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        device: Device | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"invalid batch size: {batch_size}")
        dev = device or (x.device if isinstance(x, Tensor) else default_device())
        self.x = as_tensor(x, dev)
        self.y = as_tensor(y, dev)
        check_rows("batches", self.x.shape, self.y.shape)
        self.device = dev
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last

    @property
    def rows(self) -> int:
        """How many `(x, y)` rows one epoch covers before batching."""
        return self.x.shape[0]

    def __len__(self) -> int:
        full, rest = divmod(self.rows, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[tuple[X, Y]]:
        x, y = self.x.data, self.y.data
        if self.shuffle:
            # NOTE: one gather per epoch, then contiguous slices: cheaper than a gather a batch
            order = self.device.rng.permutation(self.rows)
            x, y = x[order], y[order]
        for i in range(len(self)):
            rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
            xb, yb = _rows(x[rows]), _rows(y[rows])
            yield Tensor(xb, self.device), Tensor(yb, self.device)  # type: ignore[misc]


def _rows(batch: Array) -> Array:
    """A batch that an in-place update (`xb /= 255`) cannot write back into the data it was
    sliced from (PyTorch's batches are copies): a read-only NumPy view, which `x /= 255` then
    rebinds, or a copy of a device array (which has no such flag)."""
    if isinstance(batch, np.ndarray):
        batch.flags.writeable = False
        return batch
    return batch.copy()


def check_rows(op: str, x: Shape, y: Shape) -> None:
    """One target per row: `x` and `y` need the same length along axis 0 (the rule the mypy
    plugin checks `batches`/`Batches` with too).

    NOTE: only lengths that are numbers are told apart: two symbols (a function's `N` and
    `M`) may be bound to one length at run time.
    """
    if not x or not y or (type(x[0]) is int and type(y[0]) is int and x[0] != y[0]):
        problem = "x and y need the same length along axis 0 (one target per row)"
        raise shape_error(op, [x, y], problem)


@overload
def batches(
    x: Tensor[tuple[N, *F], DX, Any],
    y: Tensor[tuple[M, *G], DY, Any],
    batch_size: int,
    **options: Unpack[BatchOptions],
) -> Batches[Tensor[tuple[Dyn, *F], DX, NoTape], Tensor[tuple[Dyn, *G], DY, NoTape]]: ...
@overload
def batches(
    x: Any, y: Any, batch_size: int, **options: Unpack[BatchOptions]
) -> Batches[Tensor[Any, Any, NoTape], Tensor[Any, Any, NoTape]]: ...
def batches(x: Any, y: Any, batch_size: int, **options: Unpack[BatchOptions]) -> Any:
    """Mini-batches of `(x, y)` (see `Batches`), typed from the tensors given.

    Example:
        >>> import shapedl as sd
        >>> x = sd.zeros((10, 3))
        >>> [b.shape for b, _ in sd.data.batches(x, sd.zeros((10,)), 4, drop_last=True)]
        [(4, 3), (4, 3)]
    """
    return Batches(x, y, batch_size, **options)
