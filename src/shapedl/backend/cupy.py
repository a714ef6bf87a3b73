"""The CUDA backend: CuPy, imported only when a `Cuda` device is made."""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy

from shapedl.backend.base import Array, Backend
from shapedl.backend.recording import recording


@functools.cache
def _outside() -> Any:
    """One fused reduction: is any value of `x` outside `[low, high)`?"""
    import cupy

    # NOTE: the cast keeps uint64 honest: a value past 2**63 turns negative, so out of range
    return cupy.ReductionKernel(
        "T x, int64 low, int64 high",
        "bool out",
        "(long long)x < low || (long long)x >= high",
        "a || b",
        "out = a",
        "false",
        "shapedl_index_outside",
    )


class CupyBackend(Backend):
    name = "cuda"
    reads_sync = True

    def __init__(self, index: int = 0, allow_tf32: bool = False) -> None:
        try:
            import cupy
        except ImportError as err:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "the Cuda device needs CuPy: pip install 'shapedl[cuda12]' (or [cuda13])"
            ) from err
        self.xp = cupy
        self.index = index
        self.device = cupy.cuda.Device(index)
        self.allow_tf32 = allow_tf32
        set_tf32(cupy, allow_tf32)
        self._convolutions: Any = None
        self._graphs: CudaGraphs | None = None

    def convolutions(self) -> Any:
        """cuDNN's convolutions (`backend/cudnn.py`) where its frontend is installed, else None
        (and a warning, once, on the first convolution)."""
        if self._convolutions is None:
            from shapedl.backend import cudnn

            module = cudnn.frontend()
            if module is None:
                return None
            stream = self.xp.cuda.get_current_stream
            self._convolutions = cudnn.Convolutions(
                module, self.xp, self.device, self.allow_tf32, lambda: stream().ptr
            )
        return self._convolutions

    def graphs(self) -> CudaGraphs:
        if self._graphs is None:
            self._graphs = CudaGraphs(self.xp, self.device, self.allow_tf32)
        return self._graphs

    def rng(self, seed: int | None) -> Any:
        with self.device:
            return self.xp.random.default_rng(seed)

    def dtype(self, name: str) -> Any:
        if name == "bfloat16":
            raise TypeError(
                "bf16 is not supported on the Cuda device (CuPy has no bfloat16): use f16 or "
                "f32 there, or bf16 on the Cpu device"
            )
        return self.xp.dtype(name)

    def asarray(self, data: Any, dtype: str | None = None) -> Array:
        with self.device:
            if isinstance(data, self.xp.ndarray):
                return self.xp.asarray(data, dtype=dtype)
            recorder = recording()
            if recorder is not None and recorder.capturing:
                return _made_on_device(self.xp, data, dtype)
            if numpy.ndim(data) == 0:
                # NOTE: CuPy uploads a 0-d value through a C scalar, which loses the sign of
                # -0.0 (seen on an H200: 1 / x gave inf, not -inf); a 1-element array keeps it
                data = numpy.asarray(data).reshape(1)
                return self.xp.asarray(data, dtype=dtype).reshape(())
            return self.xp.asarray(data, dtype=dtype)

    def matmul(self, a: Array, b: Array) -> Array:
        recorder = recording()
        if recorder is not None and recorder.capturing and self._graphs is not None:
            out = self._graphs.matmul(a, b)  # NOTE: CuPy refuses cuBLAS while recording
            if out is not None:
                return out
        return self.xp.matmul(a, b)

    def erf(self, a: Array) -> Array:
        """CuPy's own `erf` (exact, as PyTorch's on CUDA); float16 through float32."""
        erf = importlib.import_module("cupyx.scipy.special").erf
        if a.dtype == self.xp.float16:
            return erf(a.astype(self.xp.float32)).astype(a.dtype)
        return erf(a)

    def to_numpy(self, x: Array) -> Any:
        return self.xp.asnumpy(x)

    def in_bounds(self, index: Array, low: int, high: int) -> bool:
        if index.size == 0:
            return True
        recorder = recording()
        with self.device:
            if recorder is not None and recorder.capturing:  # NOTE: read after each replay
                flag = _outside()(index, low, high)
                recorder.check(flag, f"an index array of shape {index.shape} has a value "
                               f"outside [{low}, {high})")  # fmt: skip
                return True
            return not bool(_outside()(index, low, high))  # NOTE: bool() is the one wait


def _made_on_device(xp: Any, data: Any, dtype: str | None) -> Array:
    """A host value as a device array inside a step being recorded as a CUDA graph: a single
    value by a fill, which the graph keeps; more is refused, since the graph would keep a copy
    from a host buffer that later replays find reused."""
    host = numpy.asarray(data, dtype=dtype)
    if host.ndim != 0:
        raise RuntimeError(
            f"host data of shape {host.shape} was uploaded to the GPU inside the recorded step; "
            "make it once, outside the step (a tensor on the device), and pass it in"
        )
    return xp.full((), host.item(), dtype=host.dtype)


class CudaGraphs:
    """Recording a step's GPU work as a CUDA graph, and replaying it (`sd.graphed`).

    Everything of a graphed step runs on one stream of its own, ordered after the caller's
    stream and before the caller's next work by events; each graph gets its own memory pool,
    where its eager warm-up calls run too (so recording finds the blocks it needs) and which
    no other allocation uses: a replay writes to the same addresses every time.
    """

    def __init__(self, cupy: Any, device: Any, allow_tf32: bool) -> None:
        self.cupy = cupy
        self.device = device
        self.allow_tf32 = allow_tf32
        self.gemm: Any = None  # NOTE: cuBLAS for the recordings' matrix products (gemm.py)
        with device:
            self.stream = cupy.cuda.Stream(non_blocking=False)

    @contextlib.contextmanager
    def scope(self, entry: Any) -> Iterator[None]:
        """Run on the graphs' stream, allocating from `entry`'s own memory pool."""
        cuda = self.cupy.cuda
        with self.device:
            if entry.memory is None:
                entry.memory = cuda.MemoryPool()
            outer = cuda.get_current_stream()
            self.stream.wait_event(outer.record())
            try:
                with cuda.using_allocator(entry.memory.malloc), self.stream:
                    yield
            finally:
                outer.wait_event(self.stream.record())

    def capture(self, run: Callable[[], Any], recorder: Any) -> tuple[Any, Any, Array | None]:
        """The graph of `run()`'s GPU work (not run), what `run` returned, and one flag of the
        `recorder`'s checks (None where it has none)."""
        stream = self.stream
        if self.gemm is None:  # NOTE: made before recording: it allocates
            from shapedl.backend.gemm import Gemm

            self.gemm = Gemm(self.cupy, stream.ptr, self.allow_tf32)
        stream.begin_capture()
        try:
            result = run()
            flag = None  # NOTE: or'ed, not concatenated: that would upload their addresses
            for each, _ in recorder.checks:
                flag = each if flag is None else flag | each
        except BaseException:
            with contextlib.suppress(Exception):  # NOTE: a capture the error invalidated
                stream.end_capture()
            raise
        return stream.end_capture(), result, flag

    def matmul(self, a: Array, b: Array) -> Array | None:
        """`a @ b` through cuBLAS on the recording stream, or None (another dtype)."""
        return self.gemm.matmul(a, b) if self.gemm is not None else None

    def launch(self, graph: Any) -> None:
        graph.launch(stream=self.stream)


def set_tf32(cupy: Any, allow: bool) -> None:
    """Let CuPy's float32 matrix products use TF32 tensor cores, or hold them to fp32.

    CuPy keeps this mode per process and dtype, not per device; it reads `CUPY_TF32` only
    when no mode was set, so setting it here also overrides that variable.
    """
    linalg = importlib.import_module("cupy._core._routines_linalg")
    mode = linalg.COMPUTE_TYPE_TF32 if allow else linalg.COMPUTE_TYPE_DEFAULT
    linalg.set_compute_type("float32", mode)


def cuda_available() -> bool:
    """True where CuPy imports and sees at least one GPU."""
    try:
        import cupy

        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:
        return False
