"""Matrix products while a step is recorded as a CUDA graph (`sd.graphed`), through cuBLAS.

CuPy refuses to call cuBLAS while a stream captures (its `setStream` raises, cupy#6290), but
cuBLAS itself supports stream capture when its handle has a workspace of its own (the cuBLAS
guide, "CUDA Graphs Support"). So while a step is recorded, its matrix products call
`cublasGemmStridedBatchedEx` here, through ctypes, on a handle of shapedl's that runs on the
recording stream with a kept workspace; outside a recording they are CuPy's `matmul`.

`plan` maps NumPy's `matmul` of two strided operands onto that one call: cuBLAS is
column-major, so the row-major product `C = A @ B` is computed as `C^T = B^T @ A^T`, where a
row-major matrix read column-major is already its transpose (operation N) and a transposed
view is read as it is (operation T). Batch axes become one stride per operand (0 where
broadcast); an operand whose layout has no such stride is copied first (a kernel, recorded too).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from typing import Any, NamedTuple

import numpy

from shapedl.backend.base import Array

__all__ = ["Gemm", "Plan", "plan"]

_N, _T = 0, 1  # NOTE: cublasOperation_t
_TYPES = {"float16": 2, "float32": 0, "float64": 1}  # NOTE: cudaDataType_t
_COMPUTE_32F, _COMPUTE_32F_FAST_TF32, _COMPUTE_64F = 68, 77, 70  # NOTE: cublasComputeType_t
_DEFAULT_ALGO = -1
_WORKSPACE = 32 << 20  # NOTE: PyTorch's default for a Hopper GPU's cuBLAS handle


class Plan(NamedTuple):
    """The arguments of `cublasGemmStridedBatchedEx` for `C = A @ B` (C row-major)."""

    op_b: int  # cuBLAS's first operand is B, read column-major
    op_a: int
    m: int  # C's columns (cuBLAS's rows of C^T)
    n: int  # C's rows
    k: int
    ldb: int
    lda: int
    stride_b: int
    stride_a: int
    batch: int


def _matrix(rows: int, cols: int, s0: int, s1: int) -> tuple[int, int] | None:
    """How cuBLAS reads a `rows x cols` row-major matrix with element strides `(s0, s1)`:
    (operation, leading dimension), or None where it cannot without a copy."""
    if s0 < 0 or s1 < 0:
        return None
    if s1 == 1 or cols == 1:  # NOTE: row-major: read column-major, it is the transpose
        ld = s0 if rows > 1 else cols
        if ld >= max(cols, 1):
            return _N, ld
    if s0 == 1 or rows == 1:  # NOTE: a transposed view: read column-major, it is itself
        ld = s1 if cols > 1 else rows
        if ld >= max(rows, 1):
            return _T, ld
    return None


def _batch_stride(shape: tuple[int, ...], strides: tuple[int, ...]) -> int | None:
    """One stride that steps through all batch axes in order, or None."""
    stride: int | None = None
    size = 1
    for n, s in zip(reversed(shape), reversed(strides), strict=True):
        if n == 1:
            continue
        if s < 0:
            return None
        if stride is None:
            stride = s
        elif s != stride * size:
            return None
        size *= n
    return 0 if stride is None else stride


def plan(
    a_shape: tuple[int, ...],
    a_strides: tuple[int, ...],
    b_shape: tuple[int, ...],
    b_strides: tuple[int, ...],
) -> tuple[Plan | None, bool, bool]:
    """The plan for `A @ B` of two operands of equal batch shape (`(*B, m, k)` and `(*B, k,
    n)`, strides in elements), or None, with which operand needs a contiguous copy first."""
    *batch, rows, inner = a_shape
    cols = b_shape[-1]
    a = _matrix(rows, inner, a_strides[-2], a_strides[-1])
    b = _matrix(inner, cols, b_strides[-2], b_strides[-1])
    sa = _batch_stride(a_shape[:-2], a_strides[:-2])
    sb = _batch_stride(b_shape[:-2], b_strides[:-2])
    copy_a, copy_b = a is None or sa is None, b is None or sb is None
    if copy_a or copy_b:
        return None, copy_a, copy_b
    assert a is not None and b is not None and sa is not None and sb is not None
    count = math.prod(batch)
    return Plan(b[0], a[0], cols, rows, inner, b[1], a[1], sb, sa, count), False, False


def _library() -> Any:
    """libcublas as CuPy loaded it (the same file), else the one the loader finds."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "libcublas.so" in path and "Lt" not in path:
                    return ctypes.CDLL(path)
    except OSError:
        pass
    for name in ("libcublas.so.13", "libcublas.so.12", ctypes.util.find_library("cublas")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    raise RuntimeError("a matrix product cannot be recorded: libcublas was not found")


class Gemm:
    """cuBLAS on one device and stream, for matrix products in a recording."""

    def __init__(self, xp: Any, stream_ptr: int, allow_tf32: bool) -> None:
        xp.cuda.device.get_cublas_handle()  # NOTE: makes CuPy load libcublas first
        self.lib = _library()
        self.xp = xp
        self.allow_tf32 = allow_tf32
        handle = ctypes.c_void_p()
        self._check(self.lib.cublasCreate_v2(ctypes.byref(handle)), "cublasCreate")
        self.handle = handle
        self._check(self.lib.cublasSetStream_v2(handle, ctypes.c_void_p(stream_ptr)), "stream")
        self.workspace = xp.empty(_WORKSPACE, dtype=xp.uint8)
        self._check(
            self.lib.cublasSetWorkspace_v2(
                handle, ctypes.c_void_p(self.workspace.data.ptr), ctypes.c_size_t(_WORKSPACE)
            ),
            "workspace",
        )
        self.call = self.lib.cublasGemmStridedBatchedEx
        p, i, ll = ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong
        # NOTE: handle, ops, m, n, k, alpha, B (type, ld, stride), A (...), beta, C (...),
        # batch count, compute type, algorithm
        self.call.argtypes = [p, i, i, i, i, i, p, p, i, i, ll, p, i, i, ll, p, p, i, i, ll]
        self.call.argtypes += [i, i, i]
        self.call.restype = i

    @staticmethod
    def _check(status: int, what: str) -> None:
        if status != 0:
            raise RuntimeError(f"cuBLAS {what} failed with status {status}")

    def matmul(self, a: Array, b: Array) -> Array | None:
        """`a @ b` as NumPy's `matmul` gives it, or None for a dtype cuBLAS does not take
        here (the caller then uses CuPy's own kernel, which is not cuBLAS)."""
        xp = self.xp
        name = str(a.dtype)
        if name not in _TYPES or b.dtype != a.dtype:
            return None
        vector_a, vector_b = a.ndim == 1, b.ndim == 1
        a = a[None, :] if vector_a else a
        b = b[:, None] if vector_b else b
        batch = tuple(numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        a = xp.broadcast_to(a, batch + a.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        rows, inner, cols = a.shape[-2], a.shape[-1], b.shape[-1]
        out = xp.empty(batch + (rows, cols), dtype=a.dtype)
        if out.size and inner == 0:
            out.fill(0)
        elif out.size:
            self._run(a, b, out)
        if vector_a:
            out = out[..., 0, :]
        return out[..., 0] if vector_b else out

    def _run(self, a: Array, b: Array, out: Array) -> None:
        item = a.itemsize
        found, copy_a, copy_b = plan(a.shape, _elements(a, item), b.shape, _elements(b, item))
        if found is None:
            a = self.xp.ascontiguousarray(a) if copy_a else a
            b = self.xp.ascontiguousarray(b) if copy_b else b
            found, _, _ = plan(a.shape, _elements(a, item), b.shape, _elements(b, item))
        assert found is not None
        kind = _TYPES[str(a.dtype)]
        if kind == 1:
            compute = _COMPUTE_64F
            alpha, beta = ctypes.c_double(1.0), ctypes.c_double(0.0)
        else:
            compute = _COMPUTE_32F_FAST_TF32 if self.allow_tf32 and kind == 0 else _COMPUTE_32F
            alpha, beta = ctypes.c_float(1.0), ctypes.c_float(0.0)
        p = found
        status = self.call(
            self.handle, p.op_b, p.op_a, p.m, p.n, p.k, ctypes.byref(alpha),
            b.data.ptr, kind, p.ldb, p.stride_b, a.data.ptr, kind, p.lda, p.stride_a,
            ctypes.byref(beta), out.data.ptr, kind, p.m, p.m * p.n, p.batch, compute,
            _DEFAULT_ALGO,
        )  # fmt: skip
        self._check(status, "GemmStridedBatchedEx")


def _elements(a: Array, itemsize: int) -> tuple[int, ...]:
    return tuple(s // itemsize for s in a.strides)
