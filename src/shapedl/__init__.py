"""shapedl: tensors whose shapes are in their types, checked by mypy and at run time."""

from shapedl import ops
from shapedl.device import Cpu, Cuda, Device, default_device, set_default_device
from shapedl.dims import DYN
from shapedl.errors import ShapeError, TapeError
from shapedl.ops.creation import arange, eye, from_numpy, full, ones, rand, randn, tensor, zeros
from shapedl.tape import Gradients
from shapedl.tensor import Tensor
from shapedl.types import (
    Add, Const, Dim, DType, Dyn, FloorDiv, Mul, NoTape, Rank0, Rank1, Rank2, Rank3, Rank4,
    Rank5, Rank6, Size, Sub, Tape, Traced, bf16, bool_, f16, f32, f64, i32, i64,
)

from shapedl import checkpoint, data, losses, nn, optim, train  # noqa: E402  (after the core)

__version__ = "0.1.0"

__all__ = [
    "DYN", "Add", "Const", "Cpu", "Cuda", "DType", "Device", "Dim", "Dyn", "FloorDiv",
    "Gradients", "Mul", "NoTape", "Rank0", "Rank1", "Rank2", "Rank3", "Rank4", "Rank5", "Rank6",
    "ShapeError", "Size", "Sub", "Tape", "TapeError", "Tensor", "Traced", "arange", "bf16",
    "bool_", "default_device", "eye", "f16", "f32", "f64", "from_numpy", "full", "i32", "i64",
    "ones", "ops", "nn", "optim", "losses", "train", "data", "checkpoint", "rand", "randn", "set_default_device", "tensor", "zeros",
]
