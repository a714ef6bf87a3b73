"""Convolutions on CUDA through NVIDIA's cuDNN frontend, on CuPy arrays.

CuPy 14 has no cuDNN bindings of its own; NVIDIA's frontend (`nvidia-cudnn-frontend`, with the
runtime wheel `nvidia-cudnn-cu12` or `-cu13`) builds an operation graph, picks an engine and
runs it on device pointers. Each pass of a 2-d convolution is one graph: the forward
(`conv_fprop`), the gradient of the input (`conv_dgrad`, also a transposed convolution's
forward) and of the weight (`conv_wgrad`). A graph is built once per pass, shapes, dtype and
geometry, and kept: a training step builds nothing after its first.

Numerics: float32 graphs run without TF32 unless the device allows it (`sd.Cuda(allow_tf32=
True)`): engines with the TENSOR_CORE or DOWN_CONVERT_INPUTS notes are left out for float32,
as PyTorch filters them, so the results stay within float32 rounding of the CPU's. float16
runs on tensor cores with float32 accumulation; other dtypes take the CuPy path.

Where the frontend is missing, or cannot run a graph (no engine for it), the caller gets None
and runs its CuPy im2col kernels instead; a warning says why, once per reason.
`SHAPEDL_CUDNN=0` turns the frontend off (the im2col path, silently: for comparisons).
"""

from __future__ import annotations

import functools
import importlib
import os
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

from shapedl.backend.base import Array

__all__ = ["CudnnWarning", "Convolutions", "frontend"]

INSTALL = (
    "pip install --no-deps nvidia-cudnn-frontend && pip install nvidia-cudnn-cu13 "
    "(nvidia-cudnn-cu12 with CUDA 12)"
)


class CudnnWarning(UserWarning):
    """Convolutions on CUDA take the slower CuPy path (the cuDNN frontend is missing or failed)."""


@functools.cache
def frontend() -> Any | None:
    """The `cudnn` module of NVIDIA's frontend, or None (with a warning, once) where it is not
    installed or its library does not load, or where `SHAPEDL_CUDNN=0`."""
    if os.environ.get("SHAPEDL_CUDNN") == "0":
        return None
    try:
        cudnn = importlib.import_module("cudnn")
    except Exception as err:  # NOTE: ImportError, or OSError for a missing libcudnn
        warnings.warn(
            f"convolutions on CUDA run as CuPy im2col + GEMM, several times slower than cuDNN: "
            f"the cuDNN frontend is not available ({type(err).__name__}: {err}); for the fast "
            f"path: {INSTALL}",
            CudnnWarning,
            stacklevel=2,
        )
        return None
    return cudnn


class _Graph(NamedTuple):
    """A built graph, the frontend tensors of its two inputs and its output, and its
    workspace size in bytes."""

    graph: Any
    a: Any
    b: Any
    out: Any
    workspace: int


Pads = tuple[tuple[int, int], tuple[int, int]]
Shape = tuple[int, ...]


class Pass(NamedTuple):
    """One of a convolution's passes: the frontend's operation and its two input ports."""

    op: str
    ports: tuple[str, str]


FPROP = Pass("conv_fprop", ("image", "weight"))
DGRAD = Pass("conv_dgrad", ("loss", "filter"))
WGRAD = Pass("conv_wgrad", ("image", "loss"))


class Geometry(NamedTuple):
    """What a graph needs of a 2-d convolution: its stride, dilation, and padding per side."""

    s: tuple[int, int]
    d: tuple[int, int]
    p: Pads


def _tensor(graph: Any, name: str, shape: Shape, kind: Any) -> Any:
    """A graph's tensor of `shape`, C-contiguous (NCHW, as CuPy keeps it)."""
    return graph.tensor(name=name, dim=list(shape), stride=_strides(shape), data_type=kind)


def _strides(shape: Shape) -> list[int]:
    out, size = [], 1
    for n in reversed(shape):
        out.append(size)
        size *= n
    return out[::-1]


class Convolutions:
    """The three passes of a 2-d (NCHW) convolution through cuDNN for one CuPy device.

    Each method takes C-contiguous arrays and returns a new array, or None where cuDNN cannot
    run this convolution (the caller then runs its own kernels).
    """

    def __init__(
        self, cudnn: Any, xp: Any, device: Any, allow_tf32: bool, stream: Callable[[], int]
    ) -> None:
        """`cudnn`: the frontend module; `xp`: CuPy; `device`: a context that makes the GPU
        current; `stream`: the current stream's handle, which each graph runs on."""
        self.cudnn, self.xp, self.device, self.allow_tf32 = cudnn, xp, device, allow_tf32
        self.stream = stream
        self.graphs: dict[tuple[Any, ...], _Graph | None] = {}
        self._handle: Any = None
        self._types = {
            xp.dtype(xp.float32): cudnn.data_type.FLOAT,
            xp.dtype(xp.float16): cudnn.data_type.HALF,
        }

    # ---- the passes -----------------------------------------------------------------
    def forward(self, x: Array, w: Array, g: Geometry, out: Shape) -> Array | None:
        """`conv2d(x, w)` into the shape `out`, `(N, O, Ho, Wo)`."""
        return self._run(FPROP, x, w, g, out)

    def data_grad(self, dy: Array, w: Array, g: Geometry, out: Shape) -> Array | None:
        """The gradient of `conv2d`'s input `out` (its shape) from the output's gradient `dy`
        (also `conv_transpose2d(dy, w)`)."""
        return self._run(DGRAD, dy, w, g, out)

    def weight_grad(self, x: Array, dy: Array, g: Geometry, out: Shape) -> Array | None:
        """The gradient of `conv2d`'s weight `out` (its shape) from the input `x` and `dy`."""
        return self._run(WGRAD, x, dy, g, out)

    # ---- graphs -----------------------------------------------------------------------
    def _run(self, p: Pass, a: Array, b: Array, g: Geometry, out: Shape) -> Array | None:
        if a.dtype not in self._types or b.dtype != a.dtype:
            return None
        key = (p, a.shape, b.shape, out, a.dtype.str, g)
        if key not in self.graphs:
            self.graphs[key] = self._build(p, a, b, g, out)
        built = self.graphs[key]
        if built is None:
            return None
        xp = self.xp
        with self.device:
            a, b = xp.ascontiguousarray(a), xp.ascontiguousarray(b)
            result = xp.empty(out, a.dtype)
            # NOTE: CuPy's memory pool makes a fresh workspace per call as cheap as a kept one
            work = xp.empty(built.workspace, xp.uint8) if built.workspace else None
            self.cudnn.set_stream(self._handle, self.stream())
            # NOTE: the arrays themselves: the frontend takes their pointers through DLPack
            arrays = {built.a: a, built.b: b, built.out: result}
            try:
                built.graph.execute(arrays, work, handle=self._handle)
            except Exception as err:  # NOTE: never again for this key: the CuPy path
                self.graphs[key] = None
                _unsupported(p.op, a, b, out, err)
                return None
        return result

    def _build(self, p: Pass, a: Array, b: Array, g: Geometry, out: Shape) -> _Graph | None:
        cudnn = self.cudnn
        kind = self._types[a.dtype]
        try:
            with self.device:
                if self._handle is None:
                    self._handle = cudnn.create_handle()
                graph = cudnn.pygraph(
                    io_data_type=kind,
                    intermediate_data_type=cudnn.data_type.FLOAT,
                    compute_data_type=cudnn.data_type.FLOAT,
                    handle=self._handle,
                )
                ta, tb = (_tensor(graph, name, t.shape, kind) for name, t in (("a", a), ("b", b)))
                (top, bottom), (left, right) = g.p
                result = getattr(graph, p.op)(
                    **{p.ports[0]: ta, p.ports[1]: tb},
                    pre_padding=[top, left],
                    post_padding=[bottom, right],
                    stride=list(g.s),
                    dilation=list(g.d),
                    compute_data_type=cudnn.data_type.FLOAT,
                    name=p.op,
                )
                result.set_output(True).set_dim(list(out)).set_stride(_strides(out))
                result.set_data_type(kind)
                graph.validate()
                graph.build_operation_graph()
                if kind == cudnn.data_type.FLOAT and not self.allow_tf32:
                    notes = cudnn.numerical_note
                    graph.deselect_numeric_notes([notes.TENSOR_CORE, notes.DOWN_CONVERT_INPUTS])
                graph.create_execution_plans([cudnn.heur_mode.A, cudnn.heur_mode.FALLBACK])
                graph.check_support()
                graph.build_plans()
                return _Graph(graph, ta, tb, result, int(graph.get_workspace_size()))
        except Exception as err:  # NOTE: no engine for it, or a frontend error: the CuPy path
            _unsupported(p.op, a, b, out, err)
            return None


def _unsupported(op: str, a: Array, b: Array, out: Shape, err: Exception) -> None:
    warnings.warn(
        f"cuDNN could not run {op} of {tuple(a.shape)} and {tuple(b.shape)} into {out} "
        f"({a.dtype}): {type(err).__name__}: {err}; this convolution runs as CuPy im2col + GEMM",
        CudnnWarning,
        stacklevel=4,
    )
