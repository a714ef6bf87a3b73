"""Checkpoints: named arrays saved atomically, loaded strictly, never unpickled.

Two formats, chosen by the file's suffix: `.npz` (a NumPy zip archive) or, for any other
suffix, safetensors (the default). Saving writes a temporary file in the same folder, syncs it
to disk and renames it over the target, so a crash mid-save leaves the previous file whole.
Loading reads only plain arrays (safetensors cannot hold code; `.npz` is read with
`allow_pickle=False`), and a truncated or corrupt file is a `CheckpointError` naming the file.

NOTE: this module imports numpy (like `backend/`): it is file I/O, and files hold host arrays.
Arrays on another device are copied to the host through their tensor's backend.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import safetensors
import safetensors.numpy

from shapedl.errors import show_shape
from shapedl.tensor import Tensor

__all__ = ["CheckpointError", "check_state", "load_state", "save_state"]

PathLike = str | os.PathLike[str]

# NOTE: safetensors has no checksum of its own; we keep a CRC-32 of the data in its metadata
# so that a flipped byte in the payload is an error too (zip members carry their own CRC).
_CRC_KEY = "shapedl.crc32"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or whose entries do not match what was expected."""


# ---- saving -----------------------------------------------------------------------------
def save_state(state: Mapping[str, Any], path: PathLike) -> None:
    """Write named arrays to `path`, atomically: safetensors, or `.npz` by suffix.

    Args:
        state: names to arrays, tensors or anything `numpy.asarray` takes (Python scalars too).
        path: the file; `.npz` selects NumPy's format, any other suffix safetensors.

    Raises:
        CheckpointError: for a name that is not a string or an array of Python objects.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
        >>> save_state({"w": np.ones((2, 3), dtype=np.float32)}, path)
        >>> load_state(path)["w"].shape
        (2, 3)
    """
    arrays = {name: _host_array(name, value) for name, value in state.items()}
    target = Path(path)
    if _is_npz(target):
        _atomic_write(target, lambda f: _write_npz(f, arrays))
    else:
        data = _safetensors_bytes(arrays)
        _atomic_write(target, lambda f: f.write(data))


def _host_array(name: object, value: Any) -> np.ndarray[Any, Any]:
    if not isinstance(name, str):
        raise CheckpointError(f"checkpoint names must be strings, got {name!r}")
    out = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if out.dtype.hasobject or out.dtype.kind in "USV":
        raise CheckpointError(f"cannot save {name!r}: arrays of dtype {out.dtype} are not numeric")
    # NOTE: not np.ascontiguousarray, which turns 0-d arrays into 1-d ones
    return out if out.flags.c_contiguous else out.copy(order="C")


def _is_npz(path: Path) -> bool:
    return path.suffix.lower() == ".npz"


def _atomic_write(target: Path, write: Any) -> None:
    """Write through `write(file)` into a temporary sibling, sync it, rename it over `target`."""
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    # NOTE: makes the rename itself durable; not every platform can open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_npz(f: IO[bytes], arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    # NOTE: what np.savez does, without its keyword arguments, so that names like "file"
    # or "allow_pickle" are ordinary entries.
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, a in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, a, allow_pickle=False)


def _crc(arrays: Mapping[str, np.ndarray[Any, Any]]) -> str:
    crc = 0
    for name in sorted(arrays):
        crc = zlib.crc32(arrays[name].tobytes(), crc)
    return f"{crc:08x}"


def _safetensors_bytes(arrays: Mapping[str, np.ndarray[Any, Any]]) -> bytes:
    try:
        data: bytes = safetensors.numpy.save(dict(arrays), metadata={_CRC_KEY: _crc(arrays)})
    except (safetensors.SafetensorError, ValueError, TypeError) as err:
        raise CheckpointError(f"cannot save as safetensors: {err}") from err
    return data


# ---- loading ----------------------------------------------------------------------------
def load_state(path: PathLike) -> dict[str, np.ndarray[Any, Any]]:
    """Read the named arrays saved by `save_state` (or any safetensors / `.npz` file).

    Raises:
        FileNotFoundError: when `path` does not exist.
        CheckpointError: when the file is truncated, corrupt, or holds pickled objects;
            the message names the file and what is wrong.
    """
    source = Path(path)
    data = source.read_bytes()
    try:
        return _load_npz(data) if _is_npz(source) else _load_safetensors(data)
    except CheckpointError as err:
        raise CheckpointError(f"cannot load checkpoint {str(source)!r}: {err}") from None


def _load_safetensors(data: bytes) -> dict[str, np.ndarray[Any, Any]]:
    try:
        arrays: dict[str, np.ndarray[Any, Any]] = safetensors.numpy.load(data)
    except (safetensors.SafetensorError, ValueError, TypeError, KeyError) as err:
        raise CheckpointError(f"not a valid safetensors file ({err})") from None
    want = _metadata(data).get(_CRC_KEY)
    if want is not None and want != _crc(arrays):
        raise CheckpointError("the data is corrupt (its checksum does not match)")
    return arrays


def _metadata(data: bytes) -> dict[str, str]:
    # Only called once safetensors has accepted the header, so it is well formed.
    (n,) = struct.unpack("<Q", data[:8])
    meta = json.loads(data[8 : 8 + n]).get("__metadata__") or {}
    return {str(k): str(v) for k, v in meta.items()}


def _load_npz(data: bytes) -> dict[str, np.ndarray[Any, Any]]:
    if not data.startswith(b"PK"):
        raise CheckpointError("not a .npz archive (no zip header)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, KeyError) as err:
        raise CheckpointError(f"not a valid .npz archive ({err})") from None


# ---- checking ---------------------------------------------------------------------------
Spec = tuple[Sequence[int], str]


def check_state(expected: Mapping[str, Spec], got: Mapping[str, Any], *, what: str = "") -> None:
    """Check that `got` has exactly the names, shapes and dtypes of `expected`.

    Args:
        expected: name to `(shape, dtype name)`, e.g. `{"fc.weight": ((10, 5), "float32")}`.
        got: name to anything with `.shape` and `.dtype` (arrays, tensors).
        what: where `got` came from, for the message (a file name).

    Raises:
        CheckpointError: listing every missing, unexpected, mis-shaped and mis-typed name.

    Example:
        >>> import numpy as np
        >>> expected = {"w": ((2,), "float32"), "b": ((2,), "float32")}
        >>> check_state(expected, {"w": np.zeros(3, np.float32), "v": np.ones(1)})
        Traceback (most recent call last):
        ...
        shapedl.checkpoint.CheckpointError: state does not match: missing: b; unexpected: v; \
wrong shape: w (expected (2,), got (3,))
    """
    problems = _problems(expected, got)
    if problems:
        where = f"state from {what}" if what else "state"
        raise CheckpointError(f"{where} does not match: " + "; ".join(problems))


def _problems(expected: Mapping[str, Spec], got: Mapping[str, Any]) -> list[str]:
    shapes, dtypes = [], []
    for name in expected.keys() & got.keys():
        shape, dtype = expected[name]
        have = got[name]
        if tuple(have.shape) != tuple(shape):
            shapes.append(
                f"{name} (expected {show_shape(tuple(shape))}, got {show_shape(have.shape)})"
            )
        if _dtype_name(have.dtype) != dtype:
            dtypes.append(f"{name} (expected {dtype}, got {_dtype_name(have.dtype)})")
    return [
        f"{label}: {', '.join(items)}"
        for label, items in (
            ("missing", _ordered(expected.keys() - got.keys(), expected)),
            ("unexpected", _ordered(got.keys() - expected.keys(), got)),
            ("wrong shape", _ordered_text(shapes, expected)),
            ("wrong dtype", _ordered_text(dtypes, expected)),
        )
        if items
    ]


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype))


def _ordered(names: Iterable[str], order: Mapping[str, Any]) -> list[str]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(names, key=lambda n: rank[n])


def _ordered_text(items: list[str], order: Mapping[str, Any]) -> list[str]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(items, key=lambda text: rank[text.split(" (", 1)[0]])
