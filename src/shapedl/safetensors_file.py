"""The safetensors format, written with a checksum over the whole file and read strictly.

A safetensors file is an 8-byte little-endian header length, a JSON header (each tensor's
dtype, shape and byte range, plus a `__metadata__` dict of strings) and the tensors' bytes.
shapedl writes its own header so that it can put a CRC-32 of the *whole file* (length, header
and data) in the metadata, and reads every file with its header checked against the data:
each byte range must match its tensor's size and the ranges must tile the data exactly.

NOTE: the checksum is computed with its own 8 hex digits written as `00000000`, then written
in their place; a reader puts the zeros back before recomputing. So one flipped byte anywhere,
the checksum's own key and digits included, is found: a file whose metadata names shapedl as
its writer (`shapedl.format`) but whose checksum is missing or unreadable is refused.
"""

from __future__ import annotations

import json
import math
import re
import struct
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from shapedl.backend.numpy import bfloat16

__all__ = ["FormatError", "read", "write"]

WRITER_KEY, CRC_KEY = "shapedl.format", "shapedl.crc32"
_WRITER = "1"
_BLANK = b"00000000"
_CRC_FIELD = re.compile(rb'"shapedl\.crc32":"([^"]*)"')
_MAX_HEADER = 100_000_000  # safetensors' own limit
_MAX_BYTES = 2**63 - 1

# dtype name in the file -> NumPy dtype name (bfloat16 through ml_dtypes, when needed)
_DTYPES = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
    "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool",
}  # fmt: skip
_CODES = {name: code for code, name in _DTYPES.items()}


class FormatError(ValueError):
    """The bytes are not a valid safetensors file (the message says what is wrong)."""


# ---- writing ----------------------------------------------------------------------------
def write(f: IO[bytes], arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    """Write `arrays` (C-contiguous, little-endian hosts) as safetensors with a checksum."""
    # NOTE: the widest dtypes first, so that every array starts aligned to its item size
    order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)
    offsets, offset = {}, 0
    for name in order:
        offsets[name] = [offset, offset + arrays[name].nbytes]
        offset += arrays[name].nbytes
    entries = {}
    for name, a in arrays.items():
        code = _CODES.get(a.dtype.name)
        if code is None:
            raise FormatError(f"{name!r}: safetensors cannot hold dtype {a.dtype}")
        entries[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": offsets[name]}
    meta = {WRITER_KEY: _WRITER, CRC_KEY: _BLANK.decode()}
    header = json.dumps({"__metadata__": meta, **entries}, separators=(",", ":")).encode()
    header += b" " * (-(8 + len(header)) % 8)  # NOTE: the data starts 8-byte aligned
    prefix = struct.pack("<Q", len(header)) + header
    crc = zlib.crc32(prefix)
    for name in order:
        crc = zlib.crc32(_bytes(arrays[name]), crc)
    blank = f'"{CRC_KEY}":"{_BLANK.decode()}"'.encode()
    f.write(prefix.replace(blank, f'"{CRC_KEY}":"{crc:08x}"'.encode(), 1))
    for name in order:
        f.write(_bytes(arrays[name]))


def _bytes(a: np.ndarray[Any, Any]) -> memoryview:
    # NOTE: a uint8 view, so that dtypes the buffer protocol does not know (bfloat16) pass
    flat: Any = a.reshape(-1).view(np.uint8)
    return memoryview(flat)


# ---- reading ----------------------------------------------------------------------------
def read(data: bytearray) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of a safetensors file held in `data` (they share its memory).

    Raises:
        FormatError: for a malformed header, a header that does not fit the data, or a
            shapedl file whose checksum is missing, unreadable or wrong.
    """
    header, start = _header(data)
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise FormatError("its __metadata__ is not a dict of strings")
    legacy = set(meta) == {CRC_KEY}
    if not legacy and any(str(k).startswith("shapedl.") for k in meta):
        _verify(data, start)
    spans = [_span(name, info) for name, info in header.items()]
    _check_tiling(spans, len(data) - start)
    arrays = {}
    for name, dtype, shape, (begin, end) in spans:
        count = (end - begin) // dtype.itemsize
        flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + begin)
        arrays[name] = flat.reshape(shape)
    if legacy and meta[CRC_KEY] != _legacy_crc(arrays):
        raise FormatError("the data is corrupt (its checksum does not match)")
    return arrays


def _legacy_crc(arrays: Mapping[str, np.ndarray[Any, Any]]) -> str:
    """The checksum of files from shapedl before 0.2: a CRC-32 of the data, not the header."""
    crc = 0
    for name in sorted(arrays):
        crc = zlib.crc32(_bytes(arrays[name]), crc)
    return f"{crc:08x}"


def _header(data: bytearray) -> tuple[dict[str, Any], int]:
    if len(data) < 8:
        raise FormatError(f"it is {len(data)} bytes long, shorter than a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(len(data) - 8, _MAX_HEADER):
        raise FormatError(f"its header claims {n} bytes, but the file has {len(data) - 8} more")
    try:
        header = json.loads(bytes(data[8 : 8 + n]).decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(f"its header is not valid JSON ({err})") from None
    if not isinstance(header, dict):
        raise FormatError("its header is not a JSON object")
    return header, 8 + n


def _verify(data: bytearray, start: int) -> None:
    fields = list(_CRC_FIELD.finditer(data, 8, start))
    if len(fields) != 1:
        raise FormatError(
            "it was written by shapedl but its checksum is missing (the header was changed)"
        )
    digits = fields[0].group(1)
    if not re.fullmatch(rb"[0-9a-f]{8}", digits):
        raise FormatError(f"its checksum {digits!r} is unreadable (the header was changed)")
    at = fields[0].start(1)
    view = memoryview(data)
    crc = zlib.crc32(view[at + 8 :], zlib.crc32(_BLANK, zlib.crc32(view[:at])))
    if f"{crc:08x}".encode() != digits:
        raise FormatError("the file is corrupt (its checksum does not match)")


Span = tuple[str, np.dtype[Any], tuple[int, ...], tuple[int, int]]


def _span(name: str, info: Any) -> Span:
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise FormatError(f"the header entry of {name!r} is not dtype, shape and data_offsets")
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if code not in _DTYPES:
        raise FormatError(f"{name!r} has dtype {code!r}, which shapedl cannot read")
    if not _ints(shape) or not _ints(offsets) or len(offsets) != 2:
        raise FormatError(f"{name!r} has a malformed shape {shape!r} or offsets {offsets!r}")
    dtype = np.dtype(bfloat16() if code == "BF16" else _DTYPES[code]).newbyteorder("<")
    begin, end = offsets
    # NOTE: Python ints, which do not wrap (np.prod's int64 made 2**32 * 2**32 zero bytes);
    # NumPy refuses a shape whose non-zero sizes multiply past its largest array
    if math.prod(max(n, 1) for n in shape) * dtype.itemsize > _MAX_BYTES:
        raise FormatError(f"{name!r} has shape {tuple(shape)}, too large for any array")
    size = math.prod(shape) * dtype.itemsize
    if end - begin != size:
        raise FormatError(
            f"{name!r} has shape {tuple(shape)} of {code} ({size} bytes) but spans "
            f"{end - begin} bytes"
        )
    return name, dtype, tuple(shape), (begin, end)


def _ints(values: Any) -> bool:
    return isinstance(values, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
    )


def _check_tiling(spans: list[Span], size: int) -> None:
    """The byte ranges must follow one another from 0 to the end of the data, no gap."""
    at = 0
    for name, _, _, (begin, end) in sorted(spans, key=lambda s: s[3]):
        if begin != at:
            raise FormatError(f"{name!r} starts at byte {begin} of the data, expected {at}")
        at = end
    if at != size:
        raise FormatError(f"the tensors cover {at} bytes, but the data holds {size}")
