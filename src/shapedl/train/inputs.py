"""What `fit` and `evaluate` accept as data, checked before the first update.

Data is a pair `(x, y)` of arrays, tensors or nested lists of rows (batched here), or a
re-iterable of `(x, y)` batches. Empty data, nonsense counts, ragged rows and labels the
loss cannot take are errors that name the argument, raised before training changes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

import numpy as np

from shapedl.backend import is_float
from shapedl.data import Batches, as_tensor, check_rows
from shapedl.device import Device, default_device
from shapedl.nn.module import Module
from shapedl.nn.norm import BatchNorm1d
from shapedl.ops.creation import ragged_message
from shapedl.tensor import Tensor

__all__ = [
    "Labels",
    "as_batches",
    "cast_note",
    "check_count",
    "check_one_row",
    "device_of",
    "float_dtype",
    "in_order",
    "labels",
    "length",
    "tensor",
]

AnyTensor = Tensor[Any, Any, Any]


def check_count(name: str, value: Any) -> None:
    """`fit: invalid epochs=-1 ...` unless `value` is an int >= 1."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"fit: invalid {name}={value!r}: it must be an int >= 1")


def _is_array(a: Any) -> bool:
    return isinstance(a, Tensor) or (hasattr(a, "shape") and hasattr(a, "__array__"))


def _is_rows(a: Any) -> bool:
    """A list of rows (numbers or nested lists), not a list of batches."""
    return isinstance(a, list) and (not a or isinstance(a[0], int | float | list))


def is_pair(data: Any) -> bool:
    return (
        isinstance(data, tuple)
        and len(data) == 2
        and all(_is_array(d) or _is_rows(d) for d in data)
    )


def device_of(data: Any) -> Device:
    """Where the batches go: `data`'s own device (a `Batches`, a pair of tensors, a list of
    tensor batches), else the default device."""
    if isinstance(data, Batches):
        return data.device
    if is_pair(data) and isinstance(data[0], Tensor):
        return data[0].device
    # NOTE: so the generator a Checkpoint keeps is the one dropout draws from for them
    first = data[0] if isinstance(data, Sequence) and data else None
    if isinstance(first, Sequence) and first and isinstance(first[0], Tensor):
        return first[0].device
    return default_device()


def as_batches(
    data: Any,
    name: str,
    batch_size: int,
    shuffle: bool,
    drop_last: bool,
    dev: Device,
    epochs: int,
    cast: str | None,
) -> Iterable[tuple[Any, Any]]:
    """`data` as re-iterable batches, or an error naming the argument (`name`)."""
    if is_pair(data):
        x, y = (_cast(_rows(d, f"{name}[{i}]"), cast) for i, d in enumerate(data))
        if len(x) == 0:
            raise ValueError(f"fit: {name} is empty (x has no rows): there is nothing to train on")
        if drop_last and len(x) < batch_size:
            raise ValueError(
                f"fit: {name} has {len(x)} rows, fewer than batch_size={batch_size}, and "
                "drop_last=True leaves out that one partial batch: there is nothing to train on"
            )
        return Batches(x, y, batch_size, shuffle=shuffle, drop_last=drop_last, device=dev)
    what = _not_data(data)
    if what is not None:
        raise TypeError(
            f"fit: {name} must be a pair (x, y) of arrays or a re-iterable of (x, y) batches, "
            f"got {what}"
        )
    if epochs > 1 and iter(data) is data:
        raise TypeError(
            f"fit: {name} is a one-shot iterator, but training runs several epochs: pass a "
            "list of batches, an sd.data.Batches, or the pair (x, y)"
        )
    if isinstance(data, Sized) and len(data) == 0:
        raise ValueError(f"fit: {name} is empty (no batches): there is nothing to train on")
    if isinstance(data, Sequence):  # NOTE: re-read each epoch, so reading it now costs nothing
        for i, batch in enumerate(data):
            _check_batch(batch, f"fit: {name} batch {i}")
    batches: Iterable[tuple[Any, Any]] = data
    return batches


def _check_batch(batch: Any, where: str) -> None:
    """A pair `(x, y)` with one target per row, or an error naming the batch (`where`)."""
    if not isinstance(batch, Sequence) or isinstance(batch, str | bytes) or len(batch) != 2:
        raise TypeError(f"{where}: a batch must be a pair (x, y), got {type(batch).__name__}")
    check_rows(where, *(_shape(a) for a in batch))


def _shape(a: Any) -> tuple[Any, ...]:
    """The shape of an array or a tensor, or `(rows,)` for a list of rows."""
    shape = getattr(a, "shape", None)
    if shape is not None:
        return tuple(shape)
    return (len(a),) if isinstance(a, Sized) else ()


def check_one_row(model: Any, batches: Iterable[Any], name: str) -> None:
    """Refuse a training batch of one row for a model with a `BatchNorm1d` now, not after
    the updates before it: one row is one value per channel, which batch norm cannot
    normalize (it raises, as PyTorch's does). `Batches` and lists of batches only.

    NOTE: `BatchNorm2d` is left alone: one image still has `H * W` values per channel."""
    parts = model.modules() if isinstance(model, Module) else ()
    if not any(isinstance(m, BatchNorm1d) for m in parts):
        return
    if isinstance(batches, Batches):
        b, rows = batches, batches.rows
        last = b.batch_size if b.drop_last else rows % b.batch_size or b.batch_size
        fix = "drop_last=True, or a batch_size that leaves more than one row in the last batch"
        if last == 1:
            raise ValueError(
                f"fit: {name}'s last batch has 1 row ({rows} rows in batches of "
                f"{b.batch_size}), and the model's BatchNorm1d cannot train on one row (one "
                f"value per channel): pass {fix if b.batch_size > 1 else 'a batch_size above 1'}"
            )
    elif isinstance(batches, Sequence):
        for i, (x, _) in enumerate(batches):
            if _shape(x)[:1] == (1,):
                raise ValueError(
                    f"fit: {name} batch {i} has 1 row, and the model's BatchNorm1d cannot "
                    "train on one row (one value per channel): leave it out or merge it "
                    "into another batch"
                )


def _not_data(data: Any) -> str | None:
    """What `data` is, where it is no data at all (None where it may be batches): one array
    or a tuple of arrays other than a pair would be taken as batches of its rows."""
    if _is_array(data):
        return f"one array of shape {tuple(data.shape)} (pass the pair (x, y))"
    if isinstance(data, tuple) and data and all(_is_array(d) or _is_rows(d) for d in data):
        return f"a tuple of {len(data)} arrays, not 2"
    if isinstance(data, Mapping):
        return f"a {type(data).__name__} (pass the pair (x, y), not a mapping)"
    if not isinstance(data, Iterable) or isinstance(data, str | bytes):
        return type(data).__name__
    return None


def in_order(batches: Iterable[tuple[Any, Any]]) -> Iterable[tuple[Any, Any]]:
    """`batches` read in order: an `sd.data.Batches` that shuffles, as one that does not (so
    reading it draws nothing from the device's generator); anything else as it is."""
    if not (isinstance(batches, Batches) and batches.shuffle):
        return batches
    b = batches
    return Batches(b.x, b.y, b.batch_size, shuffle=False, drop_last=b.drop_last, device=b.device)


def _rows(a: Any, name: str) -> Any:
    if not isinstance(a, list):
        return a
    try:
        return np.asarray(a)
    except ValueError as err:
        raise ValueError(f"fit: {ragged_message(a, name)}") from err


def length(data: Iterable[Any]) -> int | None:
    return len(data) if isinstance(data, Sized) else None


def tensor(a: Any, dev: Device, cast: str | None) -> AnyTensor:
    return a if isinstance(a, Tensor) else as_tensor(_cast(a, cast), dev)


def float_dtype(model: Any) -> str | None:
    """The dtype of the model's first floating parameter (what float data is cast to)."""
    params = model.parameters() if hasattr(model, "parameters") else {}
    for p in params.values():
        if is_float(p.data.dtype):  # NOTE: bfloat16 too (its NumPy kind is "V", not "f")
            return str(p.data.dtype)
    return None


def _cast(a: Any, dtype: str | None) -> Any:
    """A NumPy float array in `dtype` (scikit-learn's float64 for an f32 model); tensors and
    other arrays as they are."""
    kind = getattr(a, "dtype", None)  # NOTE: NumPy's or CuPy's dtype; a tensor's is a class
    if dtype is None or isinstance(a, Tensor) or not isinstance(kind, np.dtype):
        return a
    return a.astype(dtype) if is_float(kind) and str(kind) != dtype else a


# ---- labels -------------------------------------------------------------------------------
@dataclass
class Labels:
    """The smallest and largest integer label of a data set, and where each is."""

    low: int
    low_at: str
    high: int
    high_at: str


def labels(data: Any) -> Labels | None:
    """The extreme integer labels of `data` when they can be read without drawing a batch (a
    pair, `Batches`, a list of batches), so a label out of range is found before any update."""
    ys = _label_arrays(data)
    found: list[tuple[int, str]] = []
    for where, y in ys or ():
        if y.dtype.kind in "iu" and y.size:
            lo, hi = int(y.argmin()), int(y.argmax())
            found += [(int(y.flat[lo]), _at(where, y, lo)), (int(y.flat[hi]), _at(where, y, hi))]
    if not found:
        return None
    low, high = min(found), max(found)
    return Labels(low[0], low[1], high[0], high[1])


def cast_note(data: Any, cast: str | None) -> str | None:
    """What to tell a user whose float labels `fit` cast to the model's dtype."""
    ys = _label_arrays(data)
    kinds = {str(y.dtype) for _, y in ys or () if y.dtype.kind == "f"}
    if cast is None or not kinds or kinds == {cast}:
        return None
    return (
        f"fit cast y from {', '.join(sorted(kinds))} to {cast}, the model's dtype; class "
        "labels need an integer dtype: y.astype(np.int64)"
    )


def _label_arrays(data: Any) -> list[tuple[str, Any]] | None:
    if isinstance(data, Batches):
        return [("y", data.y.numpy())]
    if is_pair(data):
        return [("y", _host(data[1]))]
    if isinstance(data, Sequence) and all(isinstance(b, Sequence) and len(b) == 2 for b in data):
        return [(f"batch {i}", _host(b[1])) for i, b in enumerate(data)]
    return None


def _host(y: Any) -> Any:
    return y.numpy() if isinstance(y, Tensor) else np.asarray(y)


def _at(where: str, y: Any, flat: int) -> str:
    index = np.unravel_index(flat, y.shape)
    return f"{where}[{', '.join(str(int(i)) for i in index)}]"
