"""Checkpoints: named arrays saved atomically, loaded strictly, never unpickled.

Two formats, chosen by the file's suffix: `.npz` (a NumPy zip archive) or, for any other
suffix, safetensors (the default). Saving writes a temporary file in the same folder, syncs it
to disk, renames it over the target and syncs the folder, so a crash mid-save leaves the
previous file whole and a finished save survives a crash; a failed sync is an `OSError`.
Loading reads only plain arrays (safetensors cannot hold code; `.npz` is read with
`allow_pickle=False`), and a truncated or corrupt file is a `CheckpointError` naming the file.
Files written here carry a CRC-32 of the whole file, header included: safetensors in its
metadata (see `safetensors_file`), `.npz` in the zip archive's comment. The `.npy` format has
no bfloat16, so `.npz` files hold bf16 entries as their uint16 bits, marked in the entry's zip
comment (and the "void16" arrays NumPy writes for bfloat16 load as bfloat16).

NOTE: this module imports numpy (like `backend/`): it is file I/O, and files hold host arrays.
Arrays on another device are copied to the host through their tensor's backend.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from shapedl import safetensors_file
from shapedl.atomic_file import atomic_write, check_writable
from shapedl.backend import is_float
from shapedl.backend.numpy import NUMPY
from shapedl.errors import show_shape
from shapedl.ops.creation import ragged_message
from shapedl.tensor import Tensor
from shapedl.types import FLOATS, DType

__all__ = [
    "CheckpointError",
    "NonFiniteCheckpointError",
    "check_state",
    "check_writable",
    "load_state",
    "non_finite",
    "save_state",
]

PathLike = str | os.PathLike[str]


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or whose entries do not match what was expected."""


class NonFiniteCheckpointError(CheckpointError):
    """A checkpoint was not written because a weight or optimizer state is NaN or infinite."""


# ---- saving -----------------------------------------------------------------------------
def save_state(state: Mapping[str, Any], path: PathLike, *, allow_nonfinite: bool = True) -> None:
    """Write named arrays to `path`, atomically: safetensors, or `.npz` by suffix.

    The file gets the mode a plain `open()` would give it (that of the file it replaces, else
    what the umask allows), and temporary files that killed saves to `path` left behind are
    removed.

    Args:
        state: names to arrays, tensors, nested lists or Python scalars (bf16 included).
        path: the file; `.npz` selects NumPy's format, any other suffix safetensors.
        allow_nonfinite: False to refuse floating entries with a NaN or an infinity (what
            `model.save` and `optimizer.save` do): nothing is written then.

    Raises:
        CheckpointError: for a name that is not a string, a ragged nested list, or an array
            that is not numeric (each names the entry).
        NonFiniteCheckpointError: with `allow_nonfinite=False`, naming the entries that are
            not finite (the file at `path` is left as it was).
        FileNotFoundError: when the folder of `path` does not exist (naming `path`); see
            `check_writable` for the other folder errors.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
        >>> save_state({"w": np.ones((2, 3), dtype=np.float32)}, path)
        >>> load_state(path)["w"].shape
        (2, 3)
    """
    arrays = {name: _host_array(name, value) for name, value in state.items()}
    target = Path(path)
    bad = [] if allow_nonfinite else non_finite(arrays)
    if bad:
        raise NonFiniteCheckpointError(
            f"{str(target)!r} not written: non-finite values (NaN or inf) in {listed(bad)}; "
            "the file there is kept (pass allow_nonfinite=True to save them anyway)"
        )
    if _is_npz(target):
        atomic_write(target, lambda f: _write_npz(f, arrays))
    else:
        atomic_write(target, lambda f: _write_safetensors(f, arrays))


def non_finite(state: Mapping[str, Any]) -> list[str]:
    """Names of the floating entries (arrays or tensors) with a NaN or an infinity, checked
    where they live (no copy to the host)."""
    bad = []
    for name, value in state.items():
        a, xp = (value.data, value.xp) if isinstance(value, Tensor) else (value, np)
        dtype = getattr(a, "dtype", None)
        if dtype is not None and is_float(dtype):
            if not bool(xp.isfinite(a).all()):
                bad.append(name)
    return bad


def listed(names: Sequence[str], most: int = 5) -> str:
    """`a, b, c and 4 more`: names for a message, not too many."""
    more = len(names) - most
    return ", ".join(names[:most]) + (f" and {more} more" if more > 0 else "")


def _host_array(name: object, value: Any) -> np.ndarray[Any, Any]:
    if not isinstance(name, str):
        raise CheckpointError(f"checkpoint names must be strings, got {name!r}")
    if isinstance(value, Tensor):
        out = value.numpy()
    else:
        try:
            out = np.asarray(value)
        except ValueError as err:
            raise CheckpointError(f"cannot save {name!r}: {ragged_message(value, name)}") from err
    if out.dtype.hasobject or (out.dtype.kind in "USV" and not is_float(out.dtype)):
        raise CheckpointError(f"cannot save {name!r}: arrays of dtype {out.dtype} are not numeric")
    if out.dtype.byteorder == ">":
        out = out.astype(out.dtype.newbyteorder("<"))
    # NOTE: not np.ascontiguousarray, which turns 0-d arrays into 1-d ones
    return out if out.flags.c_contiguous else out.copy(order="C")


def _is_npz(path: Path) -> bool:
    return path.suffix.lower() == ".npz"


# NOTE: zip's CRC-32s cover each member's data but not the zip's own headers; the archive
# comment (the last bytes of the file) holds a CRC-32 of the whole file, computed with its
# own digits as 00000000, as in safetensors files.
_NPZ_COMMENT = re.compile(rb"shapedl\.format=1;shapedl\.crc32=([0-9a-f]{8})")
_BLANK = b"00000000"
# NOTE: the .npy format has no bfloat16 (NumPy writes ml_dtypes' as a raw "void16", which
# nothing reads back as numbers), so a bf16 entry is stored as its uint16 bits and its zip
# member carries this comment: other readers see plain uint16 arrays, never a pickle.
_BF16_MEMBER = b"shapedl.dtype=bfloat16"
_BF16 = NUMPY.dtype("bfloat16")


def _write_npz(f: IO[bytes], arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    # NOTE: what np.savez does, without its keyword arguments, so that names like "file"
    # or "allow_pickle" are ordinary entries.
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, a in arrays.items():
            bits = a.dtype == _BF16
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(
                    member, a.view(np.uint16) if bits else a, allow_pickle=False
                )
            if bits:
                zf.getinfo(f"{name}.npy").comment = _BF16_MEMBER
        zf.comment = b"shapedl.format=1;shapedl.crc32=" + _BLANK
    f.flush()
    f.seek(0)
    crc = 0
    while chunk := f.read(1 << 20):
        crc = zlib.crc32(chunk, crc)
    f.seek(-len(_BLANK), os.SEEK_END)
    f.write(f"{crc:08x}".encode())


def _write_safetensors(f: IO[bytes], arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    try:
        safetensors_file.write(f, arrays)
    except safetensors_file.FormatError as err:
        raise CheckpointError(f"cannot save as safetensors: {err}") from None


# ---- loading ----------------------------------------------------------------------------
def load_state(
    path: PathLike, *, dtype: type[DType] | str | None = None
) -> dict[str, np.ndarray[Any, Any]]:
    """Read the named arrays saved by `save_state` (or any safetensors / `.npz` file).

    Args:
        path: the file.
        dtype: when given (`sd.f32`, `"float32"`), floating arrays are converted to it, e.g.
            to load a bf16 checkpoint into an f32 model; other arrays stay as they are.

    Raises:
        FileNotFoundError: when `path` does not exist.
        CheckpointError: when the file is truncated, corrupt, holds pickled objects, or its
            header does not fit its data; the message names the file and what is wrong.
    """
    source = Path(path)
    data = _read(source)
    try:
        arrays = _load_npz(bytes(data)) if _is_npz(source) else _load_safetensors(data)
    except CheckpointError as err:
        raise CheckpointError(f"cannot load checkpoint {str(source)!r}: {err}") from None
    return arrays if dtype is None else _converted(arrays, dtype)


def _read(source: Path) -> bytearray:
    # NOTE: a bytearray, so the arrays that share its memory are writable like NumPy's own
    with open(source, "rb") as f:
        data = bytearray(os.fstat(f.fileno()).st_size)
        got = f.readinto(data)
    return data[:got] if got != len(data) else data


def _load_safetensors(data: bytearray) -> dict[str, np.ndarray[Any, Any]]:
    try:
        return safetensors_file.read(data)
    except safetensors_file.FormatError as err:
        raise CheckpointError(f"not a valid safetensors file: {err}") from None


def _load_npz(data: bytes) -> dict[str, np.ndarray[Any, Any]]:
    if not data.startswith(b"PK"):
        raise CheckpointError("not a .npz archive (no zip header)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            _verify_npz(data, archive.zip.comment)
            bf16 = {
                info.filename.removesuffix(".npy")
                for info in archive.zip.infolist()
                if info.comment == _BF16_MEMBER
            }
            return {name: _npz_entry(name, archive[name], name in bf16) for name in archive.files}
    except (
        zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, KeyError, RuntimeError,
        NotImplementedError,
    ) as err:  # fmt: skip
        if isinstance(err, CheckpointError):
            raise
        raise CheckpointError(f"not a valid .npz archive ({err})") from None


def _npz_entry(name: str, a: np.ndarray[Any, Any], bf16: bool) -> np.ndarray[Any, Any]:
    if bf16:
        if a.dtype.kind != "u" or a.dtype.itemsize != 2:
            raise CheckpointError(f"entry {name!r} is marked bfloat16 but holds {a.dtype} data")
        return a.astype(np.uint16, copy=False).view(_BF16)
    # NOTE: an unstructured void16 is how NumPy (and shapedl before the bits above) saves
    # ml_dtypes' bfloat16; no other dtype is written so, and as void it is useless
    if a.dtype.kind == "V" and a.dtype.itemsize == 2 and a.dtype.names is None:
        return a.view(_BF16)
    return a


def _verify_npz(data: bytes, comment: bytes) -> None:
    if b"shapedl" not in comment:
        return  # NOTE: written by NumPy or another tool: zip's own CRC-32s only
    found = _NPZ_COMMENT.fullmatch(comment)
    if found is None or not data.endswith(comment):
        raise CheckpointError(
            "it was written by shapedl but its checksum is missing or unreadable (the archive "
            "was changed)"
        )
    crc = zlib.crc32(_BLANK, zlib.crc32(memoryview(data)[: -len(_BLANK)]))
    if f"{crc:08x}".encode() != found.group(1):
        raise CheckpointError("the file is corrupt (its checksum does not match)")


def _converted(
    arrays: dict[str, np.ndarray[Any, Any]], dtype: type[DType] | str
) -> dict[str, np.ndarray[Any, Any]]:
    name = dtype if isinstance(dtype, str) else dtype.name
    if name not in FLOATS:
        raise ValueError(f"load_state: dtype must be a floating dtype, got {name}")
    want = NUMPY.dtype(name)
    return {k: a.astype(want) if is_float(a.dtype) else a for k, a in arrays.items()}


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
        raise CheckpointError(
            f"{where} does not match: " + "; ".join(problems) + _hint(expected, got)
        )


def _hint(expected: Mapping[str, Spec], got: Mapping[str, Any]) -> str:
    """How to convert, when the only dtype problems are floats of another precision."""
    pairs = {
        (dtype, _dtype_name(got[name].dtype))
        for name, (_, dtype) in expected.items()
        if name in got and _dtype_name(got[name].dtype) != dtype
    }
    if len({want for want, _ in pairs}) != 1 or not all(
        a in FLOATS and b in FLOATS for a, b in pairs
    ):
        return ""
    want = next(iter(pairs))[0]
    return (
        f" (to convert floats as you load, pass sd.checkpoint.load_state(path, dtype={want!r}) "
        "to load_state_dict)"
    )


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
