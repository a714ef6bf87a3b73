"""A stand-in for NVIDIA's cuDNN frontend (`import cudnn`) on the CPU, computing with PyTorch.

It takes the calls `backend/cudnn.py` makes of the real frontend's classic graph API
(`pygraph`, `tensor`, `conv_fprop`/`conv_dgrad`/`conv_wgrad`, the build steps, `execute`) and
records them, so the tests check on the CPU what shapedl asks of cuDNN: each graph's dims,
strides, padding per side, stride, dilation and groups (a wrong one gives a wrong value or
refuses the arrays), that a graph is built once, and which engines float32 leaves out. It
proves nothing about the real library's API, which only a GPU run checks (`pytest --device
cuda`, `scripts/device_check.sh`).
"""

from __future__ import annotations

import enum
from collections import Counter
from typing import Any

import numpy as np
import torch

F = torch.nn.functional


class data_type(enum.Enum):  # noqa: N801 - the frontend's names
    FLOAT = "float32"
    HALF = "float16"


class numerical_note(enum.Enum):  # noqa: N801
    TENSOR_CORE = 1
    DOWN_CONVERT_INPUTS = 2


class heur_mode(enum.Enum):  # noqa: N801
    A = 1
    FALLBACK = 2


class Tensor:
    """A graph tensor: dims, strides and dtype, checked against the arrays at `execute`."""

    def __init__(self, dim: list[int], stride: list[int] | None, kind: Any) -> None:
        self.dim, self.stride, self.kind, self.output = dim, stride, kind, False

    def set_output(self, value: bool) -> Tensor:
        self.output = value
        return self

    def set_dim(self, dim: list[int]) -> Tensor:
        self.dim = dim
        return self

    def set_stride(self, stride: list[int]) -> Tensor:
        self.stride = stride
        return self

    def set_data_type(self, kind: Any) -> Tensor:
        self.kind = kind
        return self


class Frontend:
    """The module: its enums, handles, streams, graphs, and counters of what was asked."""

    data_type, numerical_note, heur_mode = data_type, numerical_note, heur_mode

    def __init__(self, fail: str | None = None) -> None:
        self.fail = fail  # NOTE: the name of a step that raises, as the real one does
        self.built: Counter[str] = Counter()
        self.executed: Counter[str] = Counter()
        self.deselected: list[Any] = []
        self.streams: list[int] = []
        frontend = self

        class pygraph(Graph):  # noqa: N801
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(frontend, **kwargs)

        self.pygraph = pygraph

    def create_handle(self) -> object:
        return object()

    def set_stream(self, handle: object, stream: int) -> None:
        self.streams.append(stream)


class Graph:
    def __init__(self, frontend: Frontend, **kwargs: Any) -> None:
        self.frontend, self.context, self.op = frontend, kwargs, ""
        self.inputs: dict[str, Tensor] = {}
        self.params: dict[str, Any] = {}
        self.out: Tensor | None = None

    def _step(self, name: str) -> None:
        if self.frontend.fail == name:
            raise RuntimeError(f"cudnnGraphNotSupportedError: no engine in {name}")

    def tensor(self, name: str, dim: list[int], stride: list[int], data_type: Any) -> Tensor:
        return Tensor(dim, stride, data_type)

    def _conv(self, op: str, ports: dict[str, Tensor], **params: Any) -> Tensor:
        self.op, self.inputs = op, ports
        self.params = {k: v for k, v in params.items() if k not in ("name", "compute_data_type")}
        self.out = Tensor([], None, ports[next(iter(ports))].kind)
        return self.out

    def conv_fprop(self, image: Tensor, weight: Tensor, **params: Any) -> Tensor:
        return self._conv("conv_fprop", {"image": image, "weight": weight}, **params)

    def conv_dgrad(self, loss: Tensor, filter: Tensor, **params: Any) -> Tensor:  # noqa: A002
        return self._conv("conv_dgrad", {"loss": loss, "filter": filter}, **params)

    def conv_wgrad(self, image: Tensor, loss: Tensor, **params: Any) -> Tensor:
        return self._conv("conv_wgrad", {"image": image, "loss": loss}, **params)

    def validate(self) -> None:
        self._step("validate")

    def build_operation_graph(self) -> None:
        self._step("build_operation_graph")

    def deselect_numeric_notes(self, notes: list[Any]) -> Graph:
        self.frontend.deselected.extend(notes)
        return self

    def create_execution_plans(self, modes: list[Any]) -> None:
        self._step("create_execution_plans")

    def check_support(self) -> None:
        self._step("check_support")

    def build_plans(self) -> None:
        self._step("build_plans")
        self.frontend.built[self.op] += 1

    def get_workspace_size(self) -> int:
        return 64

    def execute(self, arrays: dict[Tensor, Any], workspace: Any, handle: object) -> None:
        self._step("execute")
        assert workspace is not None and workspace.nbytes == 64
        for t, a in arrays.items():
            assert list(a.shape) == t.dim, (self.op, a.shape, t.dim)
            # NOTE: an axis of size 1 is never stepped along, so its stride is free
            strides = [s // a.itemsize for s, n in zip(a.strides, a.shape, strict=True) if n > 1]
            assert strides == [s for s, n in zip(t.stride, t.dim, strict=True) if n > 1]
            assert np.dtype(t.kind.value) == a.dtype
        ports = [torch.from_numpy(np.array(arrays[t])) for t in self.inputs.values()]
        assert self.out is not None
        out = arrays[self.out]
        out[...] = getattr(self, f"_{self.op}")(*ports, self.out.dim).numpy()
        self.frontend.executed[self.op] += 1

    # ---- the arithmetic, from the recorded padding per side, stride and dilation ----------
    def _padded(self, x: torch.Tensor) -> torch.Tensor:
        (top, left), (bottom, right) = self.params["pre_padding"], self.params["post_padding"]
        return F.pad(x, (left, right, top, bottom))

    def _conv2d(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s, d = self.params["stride"], self.params["dilation"]
        return F.conv2d(x, w, stride=s, dilation=d, groups=x.shape[1] // w.shape[1])

    def _conv_fprop(self, x: torch.Tensor, w: torch.Tensor, dim: list[int]) -> torch.Tensor:
        return self._conv2d(self._padded(x), w)

    def _conv_dgrad(self, dy: torch.Tensor, w: torch.Tensor, dim: list[int]) -> torch.Tensor:
        x = torch.zeros(dim, dtype=dy.dtype, requires_grad=True)
        self._conv2d(self._padded(x), w).backward(dy)
        assert x.grad is not None
        return x.grad

    def _conv_wgrad(self, x: torch.Tensor, dy: torch.Tensor, dim: list[int]) -> torch.Tensor:
        w = torch.zeros(dim, dtype=x.dtype, requires_grad=True)
        self._conv2d(self._padded(x), w).backward(dy)
        assert w.grad is not None
        return w.grad
